// Until 2026-12-06 each stream thread kept its tasks under `<stateDir>/thread-<i>/<application.id>/`;
// now the threads share `<stateDir>/<application.id>/` as Kafka Streams' do, so a task that changes
// thread keeps its local state. At start, task directories of the old layout move to the shared
// one instead of being restored from their changelogs again.
import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskDirectory } from '../../runtime/state/task-directory.ts';
import { isTaskId } from '../../runtime/task/task-id.ts';

/** What the move did, for the log. */
export interface LayoutMove {
  moved: string[];
  /** Old copies of tasks the shared layout already had (the changelog restores whatever they lacked). */
  dropped: string[];
}

/** Moves `<stateDir>/thread-<i>/<applicationId>/<task>/` to `<stateDir>/<applicationId>/<task>/`; call before any stream thread starts. */
export async function adoptThreadStateDirs(stateDir: string, applicationId: string): Promise<LayoutMove> {
  const result: LayoutMove = { moved: [], dropped: [] };
  for (const entry of await list(stateDir)) {
    if (!/^thread-\d+$/.test(entry)) continue;
    const oldRoot = join(stateDir, entry, applicationId);
    for (const task of await list(oldRoot)) {
      if (!isTaskId(task)) continue;
      const old = new TaskDirectory(join(stateDir, entry), applicationId, task);
      const shared = new TaskDirectory(stateDir, applicationId, task);
      // Of two copies, one with a checkpoint (a clean close) saves a full restore; the shared one wins a tie.
      const keepShared = (await exists(shared.path)) && ((await shared.readCheckpoint()) !== undefined || (await old.readCheckpoint()) === undefined);
      if (keepShared) {
        await rm(old.path, { recursive: true, force: true });
        result.dropped.push(`${entry}/${task}`);
        continue;
      }
      await rm(shared.path, { recursive: true, force: true });
      await mkdir(join(stateDir, applicationId), { recursive: true });
      await rename(old.path, shared.path);
      result.moved.push(`${entry}/${task}`);
    }
    // Only what is empty goes: another application's state under the same thread dir stays.
    await rmdir(oldRoot).catch(() => undefined);
    await rmdir(join(stateDir, entry)).catch(() => undefined);
  }
  return result;
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
