// Stall detection. A task is stalled when records wait for it (the last stable offset of one of its
// input partitions is past the group's committed offset) and its committed offsets have not moved
// for `stallTimeoutMs`. Both sides are read from the broker (ListOffsets read_committed, the
// group's OffsetFetch), not from the runtime's own bookkeeping: a fault anywhere in the fetch,
// process or commit path shows up, whichever Kafka client the runtime stands on.
import type { RuntimeAdmin } from '../client/api.ts';

/** One task's progress as the watch last saw it. */
export interface TaskProgress {
  /** Records between the committed offsets and the last stable offsets of the task's inputs. */
  lag: number;
  /** Milliseconds since the task last committed further, or last had nothing waiting. */
  progressAgeMs: number;
  /** Records wait and nothing moved for longer than the stall timeout. */
  stalled: boolean;
}

/** The decision, apart from any I/O: fed one observation per task and check. */
export class ProgressTracker {
  readonly #stallTimeoutMs: number;
  readonly #seen = new Map<string, { committed: string; progressAt: number; last: TaskProgress }>();

  constructor(stallTimeoutMs: number) {
    this.#stallTimeoutMs = stallTimeoutMs;
  }

  /** Records what a check saw of `task`: its lag and its committed offsets (any stable text form). */
  observe(task: string, lag: number, committed: string, now: number): TaskProgress {
    const previous = this.#seen.get(task);
    // Progress: first sight, committed offsets moved, or nothing is waiting.
    const progressAt = previous === undefined || previous.committed !== committed || lag === 0 ? now : previous.progressAt;
    const ageMs = now - progressAt;
    const last = { lag, progressAgeMs: ageMs, stalled: lag > 0 && ageMs >= this.#stallTimeoutMs };
    this.#seen.set(task, { committed, progressAt, last });
    return last;
  }

  /** Drops tasks no longer watched (revoked, paused, closing). */
  retain(tasks: ReadonlySet<string>): void {
    for (const task of this.#seen.keys()) if (!tasks.has(task)) this.#seen.delete(task);
  }

  /** The last observation of every watched task. */
  snapshot(): Map<string, TaskProgress> {
    return new Map([...this.#seen].map(([task, s]) => [task, s.last]));
  }
}

/** What the watch needs of the instance. */
export interface StallWatchOptions {
  admin: RuntimeAdmin;
  groupId: string;
  stallTimeoutMs: number;
  /** How often the broker is asked (default: a quarter of the timeout, 1 s to 10 s). */
  intervalMs?: number;
  /** Tasks to watch now (running and not paused on purpose), with their input partitions. */
  tasks(): Map<string, ReadonlyArray<{ topic: string; partition: number }>>;
  /** A task turned stalled, or recovered. */
  onChange?(task: string, progress: TaskProgress): void;
  onError?(error: unknown): void;
}

/** Asks the broker on an interval and keeps each task's progress. */
export class StallWatch {
  readonly #o: StallWatchOptions;
  readonly #tracker: ProgressTracker;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: StallWatchOptions) {
    this.#o = options;
    this.#tracker = new ProgressTracker(options.stallTimeoutMs);
  }

  /** Starts checking on the interval. */
  start(): void {
    const every = this.#o.intervalMs ?? Math.max(1_000, Math.min(10_000, Math.floor(this.#o.stallTimeoutMs / 4)));
    this.#timer = setInterval(() => void this.check().catch((e: unknown) => this.#o.onError?.(e)), every);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Progress of every watched task, as of the last check. */
  progress(): Map<string, TaskProgress> {
    return this.#tracker.snapshot();
  }

  /** Checks now (one at a time; a call during a check waits for it). */
  check(): Promise<void> {
    this.#running ??= this.#checkOnce().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #checkOnce(): Promise<void> {
    const tasks = this.#o.tasks();
    const topics = new Set<string>();
    for (const inputs of tasks.values()) for (const { topic } of inputs) topics.add(topic);
    const ends = new Map<string, number>();
    const committed = new Map<string, number>();
    for (const p of await this.#o.admin.groupOffsets(this.#o.groupId, [...topics])) {
      ends.set(`${p.topic}:${p.partition}`, p.end);
      if (p.committed !== undefined) committed.set(`${p.topic}:${p.partition}`, p.committed);
    }
    const now = Date.now();
    const before = this.#tracker.snapshot();
    for (const [task, inputs] of tasks) {
      let lag = 0;
      const parts: string[] = [];
      for (const { topic, partition } of inputs) {
        const end = ends.get(`${topic}:${partition}`) ?? 0;
        let position = committed.get(`${topic}:${partition}`);
        // Never committed: the task starts at the log start, which retention may have moved.
        position ??= end === 0 ? 0 : (await this.#o.admin.offsetRange(topic, partition)).low;
        lag += Math.max(0, end - position);
        parts.push(`${topic}:${partition}@${position}`);
      }
      const progress = this.#tracker.observe(task, lag, parts.join(','), now);
      if (progress.stalled !== (before.get(task)?.stalled ?? false)) this.#o.onChange?.(task, progress);
    }
    this.#tracker.retain(new Set(tasks.keys()));
  }
}
