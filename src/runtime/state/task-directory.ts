// One directory per task under the state dir (`<stateDir>/<applicationId>/<taskId>/`), holding
// the `.checkpoint` file: the changelog offsets the local state reflects after a clean commit.
//
// The stream threads of an instance share the state dir, as in Kafka Streams: a task that moves
// from one thread to another, or a thread count that changes, finds its local state where it was
// and restores only the changelog's tail. So a task directory has one owner at a time: the thread
// that opens a task takes `<taskId>.lock` beside the directory (outside it: a wipe must not drop
// it), and gives it back when the task has closed. During a rebalance the old owner closes its
// revoked tasks before the new owner opens them, usually within milliseconds; the lock makes that
// an invariant instead of a timing.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTaskId } from '../task/task-id.ts';

/** Changelog topic-partition → next offset to restore from. */
export type Checkpoint = Map<string, number>;

/** `topic:partition`, the key of a checkpoint entry. */
export function checkpointKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** Who may use a task directory: one stream thread of one run of the process. */
export interface StateOwner {
  /** Random per process start: a lock left by an earlier run (a crash, a restarted pod) is stale. */
  readonly run: string;
  readonly thread: number;
}

/** The owner when nothing else says (an instance with one stream thread): this process's run. */
export const PROCESS_OWNER: StateOwner = { run: randomUUID(), thread: 0 };

/** How long `lock` waits for another thread to close the task (it closes revoked tasks first thing). */
const LOCK_WAIT_MS = 60_000;
const LOCK_POLL_MS = 10;

/**
 * How old a checkpoint may be and still be trusted. A restore from a checkpoint replays what the
 * changelog holds past it, and a tombstone written after it stays in the compacted changelog for
 * at least the topic's `delete.retention.ms` (the brokers' default: 24 h); past that, a key deleted
 * meanwhile would come back from the local store. Kafka Streams bounds the same risk by deleting
 * task directories nobody owns after `state.cleanup.delay.ms`. Half the default: an older
 * checkpoint counts as none (the directory is wiped and restored in full).
 */
export const CHECKPOINT_MAX_AGE_MS = 12 * 60 * 60 * 1000;

/** The directory of one task and its checkpoint. */
export class TaskDirectory {
  readonly path: string;
  readonly #taskId: string;
  readonly #lockPath: string;
  readonly #owner: StateOwner;
  #held = false;

  constructor(stateDir: string, applicationId: string, taskId: string, owner: StateOwner = PROCESS_OWNER) {
    this.path = join(stateDir, applicationId, taskId);
    this.#taskId = taskId;
    this.#lockPath = join(stateDir, applicationId, `${taskId}${LOCK_SUFFIX}`);
    this.#owner = owner;
  }

  /** True between `lock` and `unlock`: only then may the directory be written or wiped. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Takes the directory for this owner, waiting while another thread of this run holds it. A lock
   * of an earlier run is stale and was cleared at start (`clearStaleLocks`); one still there is
   * another process on the same state dir, and after the wait that is an error.
   */
  async lock(waitMs = LOCK_WAIT_MS): Promise<void> {
    const deadline = Date.now() + waitMs;
    await mkdir(join(this.path, '..'), { recursive: true });
    for (;;) {
      if (await this.tryLock()) return;
      const holder = await readOwner(this.#lockPath);
      if (Date.now() >= deadline) {
        const who = holder === undefined ? 'an unreadable lock' : holder.run === this.#owner.run ? `stream thread ${holder.thread}` : `another process (run ${holder.run}): two instances on one state dir?`;
        throw new Error(`task ${this.#taskId}: its state directory is still held by ${who} after ${waitMs} ms (${this.#lockPath})`);
      }
      await sleep(LOCK_POLL_MS);
    }
  }

  /** Takes the directory for this owner if no other holds it; false when another does. */
  async tryLock(): Promise<boolean> {
    await mkdir(join(this.path, '..'), { recursive: true });
    try {
      await writeFile(this.#lockPath, JSON.stringify(this.#owner), { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = await readOwner(this.#lockPath);
      if (!holder || holder.run !== this.#owner.run || holder.thread !== this.#owner.thread) return false;
    }
    this.#held = true;
    return true;
  }

  /** Gives the directory back (a no-op when this owner does not hold it). */
  async unlock(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    const holder = await readOwner(this.#lockPath);
    if (holder && holder.run === this.#owner.run && holder.thread === this.#owner.thread) await rm(this.#lockPath, { force: true });
  }

  get #checkpointPath(): string {
    return join(this.path, '.checkpoint');
  }

  async create(): Promise<void> {
    await mkdir(this.path, { recursive: true });
  }

  /** The checkpoint, or undefined when there is none (fresh task, an unclean stop) or it is older than `maxAgeMs`. */
  async readCheckpoint(maxAgeMs = CHECKPOINT_MAX_AGE_MS): Promise<Checkpoint | undefined> {
    try {
      if (Date.now() - (await stat(this.#checkpointPath)).mtimeMs > maxAgeMs) return undefined;
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

const LOCK_SUFFIX = '.lock';

async function readOwner(path: string): Promise<StateOwner | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<StateOwner>;
    return typeof parsed.run === 'string' && typeof parsed.thread === 'number' ? { run: parsed.run, thread: parsed.thread } : undefined;
  } catch {
    return undefined;
  }
}

/** Names under `<stateDir>/<applicationId>/` (none when it does not exist yet). */
async function entries(stateDir: string, applicationId: string): Promise<string[]> {
  try {
    return await readdir(join(stateDir, applicationId));
  } catch {
    return [];
  }
}

/** Lock files of the application's task directories, with their holders. */
async function locks(stateDir: string, applicationId: string): Promise<Array<{ path: string; holder: StateOwner | undefined }>> {
  const root = join(stateDir, applicationId);
  const found = [];
  for (const name of await entries(stateDir, applicationId)) {
    if (!name.endsWith(LOCK_SUFFIX)) continue;
    const path = join(root, name);
    found.push({ path, holder: await readOwner(path) });
  }
  return found;
}

/** Removes the locks no thread of `run` holds: left by an earlier run of the process (a crash). Call before any thread opens a task. */
export async function clearStaleLocks(stateDir: string, applicationId: string, run: string): Promise<void> {
  for (const { path, holder } of await locks(stateDir, applicationId)) if (holder?.run !== run) await rm(path, { force: true });
}

/** Removes the locks one thread of this run held (its state cleaner's too): it died without closing its tasks. */
export async function releaseThreadLocks(stateDir: string, applicationId: string, owner: StateOwner): Promise<void> {
  const threads = new Set([owner.thread, cleanerThread(owner.thread)]);
  for (const { path, holder } of await locks(stateDir, applicationId)) if (holder?.run === owner.run && threads.has(holder.thread)) await rm(path, { force: true });
}

/** The thread number of `thread`'s cleaner in the locks it takes: one no stream thread has, and
 * another for each thread's cleaner, so two cleaners never take one directory together. */
function cleanerThread(thread: number): number {
  return -1 - thread;
}

/**
 * Removes the task directories that no task could use: without a checkpoint, or with one older
 * than the bound, a task wipes its directory when it opens, so until then it is only disk. Kafka
 * Streams' state cleaner does the same for directories nobody owns, under the directory's lock as
 * here: a directory another thread holds (or takes while this looks) is never touched. Call at
 * start, after `clearStaleLocks`, and then periodically (the state cleaner in kafka-streams.ts),
 * as `owner`; returns the task ids removed.
 */
export async function removeUnusableTaskDirs(stateDir: string, applicationId: string, owner: StateOwner = PROCESS_OWNER): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await entries(stateDir, applicationId)) {
    if (!isTaskId(name)) continue;
    // Not as `owner`, whose tryLock would take again a lock the caller's own thread holds (an open task).
    const dir = new TaskDirectory(stateDir, applicationId, name, { run: owner.run, thread: cleanerThread(owner.thread) });
    if (!(await dir.tryLock())) continue;
    try {
      if ((await dir.readCheckpoint()) !== undefined) continue;
      await dir.wipe();
      removed.push(name);
    } finally {
      await dir.unlock();
    }
  }
  return removed;
}

/** Task ids with a checkpoint on disk: what this instance can resume without a full restore. */
export async function tasksOnDisk(stateDir: string, applicationId: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of await entries(stateDir, applicationId)) {
    if (!isTaskId(name)) continue;
    if (await new TaskDirectory(stateDir, applicationId, name).readCheckpoint()) found.push(name);
  }
  return found;
}
