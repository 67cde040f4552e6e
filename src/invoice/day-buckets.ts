// Members grouped by day in a key-value store: `pad(day)` → [member, ...]. The clock rules take
// whole days at a time (overdue on the due date's next day, dedup expiry by day of first sight),
// so a day change reads a few buckets by key instead of range-scanning an index per record.
//
// Buckets only grow until taken: there is no removal. A member whose reason to be in a bucket
// went away (an invoice paid before its due date, a due date moved) stays, and whoever takes the
// bucket checks each member against current state anyway. Appending to an array is the cheapest
// write there is; a set (an object keyed by member) made every add a hash insert into a big
// dictionary and every removal a read-modify-write of the bucket.
import type { KeyValueStore } from '../engine/index.ts';
import { pad } from './stores.ts';

// Buckets written by earlier versions are objects `{ member: 1 }`; both read the same.
type Bucket = string[] | Record<string, 1>;

/** A multiset of members per day (days since the epoch); takers re-check what they get. */
export class DayBuckets {
  readonly #store: KeyValueStore<Bucket>;

  constructor(store: KeyValueStore<Bucket>) {
    this.#store = store;
  }

  /** Adds `member` to `day` (a member may be added more than once). */
  add(day: number, member: string): void {
    const key = pad(day, 7);
    const bucket = this.#store.get(key);
    // Appended in place then put again: a day's bucket can hold many thousands of members, and a
    // copy per add would be quadratic. Stores serialize at put or flush, never keep our reference
    // below the cache, so this is safe.
    if (Array.isArray(bucket)) {
      bucket.push(member);
      this.#store.put(key, bucket);
    } else {
      this.#store.put(key, bucket ? [...Object.keys(bucket), member] : [member]);
    }
  }

  /** Removes and returns the members of `day`, in insertion order (repeats included). */
  take(day: number): string[] {
    const key = pad(day, 7);
    const bucket = this.#store.get(key);
    if (!bucket) return [];
    this.#store.delete(key);
    return Array.isArray(bucket) ? bucket : Object.keys(bucket);
  }
}
