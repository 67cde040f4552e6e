import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TaskDirectory, tasksOnDisk } from '../../../src/runtime/state/task-directory.ts';

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

  it('treats a torn checkpoint as none and wipes the task', async () => {
    const dir = new TaskDirectory(root, 'app', '0_0');
    await dir.create();
    writeFileSync(join(dir.path, '.checkpoint'), '{"app-s-changelog:0": 4');
    expect(await dir.readCheckpoint()).toBeUndefined();
    await dir.wipe();
    expect(await tasksOnDisk(root, 'app')).toEqual([]);
  });
});
