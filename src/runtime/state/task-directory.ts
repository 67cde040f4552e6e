// One directory per task under the state dir (`<stateDir>/<applicationId>/<taskId>/`), holding
// the `.checkpoint` file: the changelog offsets the local state reflects after a clean commit.
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Changelog topic-partition → next offset to restore from. */
export type Checkpoint = Map<string, number>;

/** `topic:partition`, the key of a checkpoint entry. */
export function checkpointKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** The directory of one task and its checkpoint. */
export class TaskDirectory {
  readonly path: string;

  constructor(stateDir: string, applicationId: string, taskId: string) {
    this.path = join(stateDir, applicationId, taskId);
  }

  get #checkpointPath(): string {
    return join(this.path, '.checkpoint');
  }

  async create(): Promise<void> {
    await mkdir(this.path, { recursive: true });
  }

  /** The checkpoint, or undefined when there is none (fresh task, or an unclean stop). */
  async readCheckpoint(): Promise<Checkpoint | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.#checkpointPath, 'utf8')) as Record<string, number>;
      return new Map(Object.entries(parsed));
    } catch {
      return undefined;
    }
  }

  /** Writes atomically (temp file + rename): a torn checkpoint would claim state we do not have. */
  async writeCheckpoint(checkpoint: Checkpoint): Promise<void> {
    await this.create();
    const tmp = `${this.#checkpointPath}.tmp`;
    await writeFile(tmp, JSON.stringify(Object.fromEntries(checkpoint)));
    await rename(tmp, this.#checkpointPath);
  }

  async deleteCheckpoint(): Promise<void> {
    await rm(this.#checkpointPath, { force: true });
  }

  /** Removes all local state of the task (it will be restored from the changelog). */
  async wipe(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

/** Task ids with a checkpoint on disk: what this instance can resume without a full restore. */
export async function tasksOnDisk(stateDir: string, applicationId: string): Promise<string[]> {
  const root = join(stateDir, applicationId);
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of entries) {
    if (!/^\d+_\d+$/.test(name)) continue;
    if (await new TaskDirectory(stateDir, applicationId, name).readCheckpoint()) found.push(name);
  }
  return found;
}
