import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_MAX_AGE_MS, clearStaleLocks, releaseThreadLocks, removeUnusableTaskDirs, TaskDirectory, tasksOnDisk } from '../../../src/runtime/state/task-directory.ts';

describe('TaskDirectory', () => {
  const root = mkdtempSync(join(tmpdir(), 'rt-dir-'));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes, reads and deletes a checkpoint; tasks with one are on disk', async () => {
    const dir = new TaskDirectory(root, 'app', '1_3');
    expect(await dir.readCheckpoint()).toBeUndefined();
    await dir.writeCheckpoint(new Map([['app-s-changelog:3', 42]]));
    expect(await dir.readCheckpoint()).toEqual(new Map([['app-s-changelog:3', 42]]));
    expect(await tasksOnDisk(root, 'app')).toEqual(['1_3']);
    await dir.deleteCheckpoint();
    expect(await tasksOnDisk(root, 'app')).toEqual([]);
  });

  it('treats a checkpoint older than the bound as none: a tombstone past it may have been compacted away', async () => {
    const dir = new TaskDirectory(root, 'app', '1_4');
    await dir.writeCheckpoint(new Map([['app-s-changelog:4', 9]]));
    const old = (Date.now() - CHECKPOINT_MAX_AGE_MS - 60_000) / 1000;
    utimesSync(join(dir.path, '.checkpoint'), old, old);
    expect(await dir.readCheckpoint()).toBeUndefined();
    expect(await tasksOnDisk(root, 'app')).toEqual([]);
    expect(await dir.readCheckpoint(Number.POSITIVE_INFINITY)).toEqual(new Map([['app-s-changelog:4', 9]]));
  });

  it('at start, removes task directories no task could use, and keeps those with a checkpoint or open', async () => {
    const fresh = new TaskDirectory(root, 'app', '0_0');
    await fresh.writeCheckpoint(new Map([['app-s-changelog:0', 3]]));
    const old = new TaskDirectory(root, 'app', '0_1');
    await old.writeCheckpoint(new Map([['app-s-changelog:1', 3]]));
    const long = (Date.now() - CHECKPOINT_MAX_AGE_MS - 60_000) / 1000;
    utimesSync(join(old.path, '.checkpoint'), long, long);
    await new TaskDirectory(root, 'app', '0_2').create(); // a crash under exactly_once: no checkpoint
    const open = new TaskDirectory(root, 'app', '0_3', { run: 'r', thread: 0 }); // a running task: no checkpoint, locked
    await open.lock();
    await open.create();
    expect((await removeUnusableTaskDirs(root, 'app')).sort()).toEqual(['0_1', '0_2']);
    expect(existsSync(fresh.path)).toBe(true);
    expect(existsSync(old.path)).toBe(false);
    expect(existsSync(join(root, 'app', '0_2'))).toBe(false);
    expect(existsSync(open.path)).toBe(true);
    // Another thread of the same run cleaning: the open task is still not its to touch.
    expect(await removeUnusableTaskDirs(root, 'app', { run: 'r', thread: 1 })).toEqual([]);
    expect(existsSync(open.path)).toBe(true);
    // Nor is it to the holder's own cleaner (the state cleaner runs as the thread's owner).
    expect(await removeUnusableTaskDirs(root, 'app', { run: 'r', thread: 0 })).toEqual([]);
    expect(existsSync(open.path)).toBe(true);
    expect(open.held).toBe(true);
    await open.unlock();
    // The cleaner works under each directory's lock and leaves none behind: the tasks open at once.
    expect(readdirSync(join(root, 'app')).filter((name) => name.endsWith('.lock'))).toEqual([]);
    await new TaskDirectory(root, 'app', '0_0', { run: 'r', thread: 1 }).lock(0);
  });

  it('treats a torn checkpoint as none and wipes the task', async () => {
    const dir = new TaskDirectory(root, 'app', '0_0');
    await dir.create();
    writeFileSync(join(dir.path, '.checkpoint'), '{"app-s-changelog:0": 4');
    expect(await dir.readCheckpoint()).toBeUndefined();
    await dir.wipe();
    expect(await tasksOnDisk(root, 'app')).toEqual([]);
  });

  describe('one owner at a time (stream threads share the state dir)', () => {
    const run = 'run-a';
    const thread = (n: number, taskId = '0_1'): TaskDirectory => new TaskDirectory(root, 'app', taskId, { run, thread: n });

    it('a second thread waits until the first gives the task back', async () => {
      const first = thread(0);
      const second = thread(1);
      await first.lock();
      expect(first.held).toBe(true);
      let taken = false;
      const waiting = second.lock().then(() => (taken = true));
      await new Promise((r) => setTimeout(r, 60));
      expect(taken).toBe(false);
      await first.unlock();
      await waiting;
      expect(taken).toBe(true);
      expect(second.held).toBe(true);
      expect(first.held).toBe(false);
      // Giving back what another thread holds changes nothing.
      await first.unlock();
      expect(existsSync(join(root, 'app', '0_1.lock'))).toBe(true);
      await second.unlock();
      expect(existsSync(join(root, 'app', '0_1.lock'))).toBe(false);
    });

    it('the lock lives beside the directory, so a wipe keeps it', async () => {
      const dir = thread(0, '2_0');
      await dir.lock();
      await dir.create();
      await dir.wipe();
      expect(existsSync(join(root, 'app', '2_0.lock'))).toBe(true);
      await expect(thread(1, '2_0').lock(50)).rejects.toThrow('task 2_0: its state directory is still held by stream thread 0 after 50 ms');
      await dir.unlock();
    });

    it('at start, locks of an earlier run are cleared; a dead thread\'s locks are released, the others kept', async () => {
      mkdirSync(join(root, 'app'), { recursive: true });
      writeFileSync(join(root, 'app', '0_0.lock'), JSON.stringify({ run: 'crashed-run', thread: 0 }));
      writeFileSync(join(root, 'app', '0_2.lock'), JSON.stringify({ run, thread: 1 }));
      // Thread 1's state cleaner, caught inside a pass when the thread died.
      writeFileSync(join(root, 'app', '0_4.lock'), JSON.stringify({ run, thread: -2 }));
      await clearStaleLocks(root, 'app', run);
      expect(existsSync(join(root, 'app', '0_0.lock'))).toBe(false);
      expect(existsSync(join(root, 'app', '0_2.lock'))).toBe(true);
      await thread(0, '0_0').lock(50);
      await releaseThreadLocks(root, 'app', { run, thread: 1 });
      expect(existsSync(join(root, 'app', '0_2.lock'))).toBe(false);
      expect(existsSync(join(root, 'app', '0_4.lock'))).toBe(false);
      expect(existsSync(join(root, 'app', '0_0.lock'))).toBe(true);
      // Another process's lock found after start (two instances on one state dir) is not taken.
      writeFileSync(join(root, 'app', '0_3.lock'), JSON.stringify({ run: 'other-process', thread: 0 }));
      await expect(thread(0, '0_3').lock(30)).rejects.toThrow('another process (run other-process): two instances on one state dir?');
    });
  });
});
