// Purging repartition topics (Kafka Streams' `repartition.purge.interval.ms`): their retention is
// infinite (topics/layout.ts), so what the group has committed is deleted from them now and then
// (DeleteRecords up to the committed offset). No task reads a repartition partition below its
// committed offset again: a task resumes from there, and restores its state from changelogs.
import type { PartitionOffset } from '../client/api.ts';

/** Kafka Streams' default purge interval. */
export const REPARTITION_PURGE_INTERVAL_MS = 30_000;

/** The committed offsets of repartition partitions not purged yet, handed out once per interval. */
export class RepartitionPurge {
  readonly #topics: ReadonlySet<string>;
  readonly #intervalMs: number;
  readonly #pending = new Map<string, PartitionOffset>();
  #last: number;

  /** `topics`: the physical repartition topics; the first purge is due `intervalMs` after `now`. */
  constructor(topics: ReadonlySet<string>, intervalMs = REPARTITION_PURGE_INTERVAL_MS, now = Date.now()) {
    this.#topics = topics;
    this.#intervalMs = intervalMs;
    this.#last = now;
  }

  /** Offsets a commit made durable; only repartition partitions are kept, the highest per partition. */
  committed(offsets: readonly PartitionOffset[]): void {
    for (const o of offsets) {
      if (!this.#topics.has(o.topic)) continue;
      const key = `${o.topic}\u0000${o.partition}`;
      if ((this.#pending.get(key)?.offset ?? -1) < o.offset) this.#pending.set(key, { ...o });
    }
  }

  /** What to delete records before, once the interval has passed and something was committed; else undefined. */
  take(now: number): PartitionOffset[] | undefined {
    if (now - this.#last < this.#intervalMs || this.#pending.size === 0) return undefined;
    this.#last = now;
    const due = [...this.#pending.values()];
    this.#pending.clear();
    return due;
  }
}
