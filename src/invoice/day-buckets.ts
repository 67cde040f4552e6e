// Members grouped by day in a key-value store: `pad(day)` → { member: 1 }. The clock rules take
// whole days at a time (overdue on the due date's next day, dedup expiry by day of first sight),
// so a day change reads a few buckets by key instead of range-scanning an index per record.
import type { KeyValueStore } from '../engine/index.ts';
import { pad } from './stores.ts';

/** A set of members per day (days since the epoch). */
export class DayBuckets {
  readonly #store: KeyValueStore<Record<string, 1>>;

  constructor(store: KeyValueStore<Record<string, 1>>) {
    this.#store = store;
  }

  /** Adds `member` to `day`. */
  add(day: number, member: string): void {
    const key = pad(day, 7);
    // Updated in place then put again: a day's bucket can hold many thousands of members, and a
    // copy per add would be quadratic. Stores serialize at put or flush, never keep our reference
    // below the cache, so this is safe.
    const bucket = this.#store.get(key) ?? {};
    // Ids are input data: `__proto__` assigned would set the prototype, not add a member.
    if (member === '__proto__') Object.defineProperty(bucket, member, { value: 1, enumerable: true, writable: true, configurable: true });
    else bucket[member] = 1;
    this.#store.put(key, bucket);
  }

  /** Removes `member` from `day` (no-op when absent; an empty bucket stays until taken). */
  remove(day: number, member: string): void {
    const key = pad(day, 7);
    const bucket = this.#store.get(key);
    // Own members only: `in` would also find inherited names such as `constructor`.
    if (!bucket || !Object.hasOwn(bucket, member)) return;
    delete bucket[member];
    // An emptied bucket stays until `take` reads it: checking emptiness would enumerate a large
    // object on every removal.
    this.#store.put(key, bucket);
  }

  /** Removes and returns the members of `day`, in insertion order. */
  take(day: number): string[] {
    const key = pad(day, 7);
    const bucket = this.#store.get(key);
    if (!bucket) return [];
    this.#store.delete(key);
    return Object.keys(bucket);
  }
}
