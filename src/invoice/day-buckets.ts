// Members grouped by day in a key-value store, one entry per (day, member):
// `pad(day) + '\u0000' + member` → 1. The clock rules take whole days at a time (overdue on the due
// date's next day, dedup expiry by day of first sight), so a day change range-scans one day's
// prefix instead of scanning an index per record.
//
// Why an entry per member, not one bucket value per day (as before 2026-12-06): a day's bucket was
// one record that grew with every member added that day. Every commit wrote the whole of it to the
// changelog again (bytes quadratic in the day's size), and once it passed the broker's 1 MiB
// message limit the changelog write failed and the instance stopped: the live "stall" of issue 17.
// An entry per member keeps every changelog record a few dozen bytes, whatever the day holds.
//
// Entries only come in until taken: there is no removal. A member whose reason to be there went
// away (an invoice paid before its due date, a due date moved) stays, and whoever takes the day
// checks each member against current state anyway.
import type { KeyValueStore } from '../engine/index.ts';
import { pad } from './stores.ts';

/** What the store holds: 1 per (day, member); a whole-day bucket under `pad(day)` written by earlier versions. */
export type DayBucketValue = 1 | string[] | Record<string, 1>;

const SEPARATOR = '\u0000';
// The first character after the separator: `prefix + SEPARATOR <= key < prefix + END` is one day.
const END = '\u0001';

/** A set of members per day (days since the epoch); takers re-check what they get. */
export class DayBuckets {
  readonly #store: KeyValueStore<DayBucketValue>;

  constructor(store: KeyValueStore<DayBucketValue>) {
    this.#store = store;
  }

  /** Adds `member` to `day` (adding it again changes nothing). */
  add(day: number, member: string): void {
    this.#store.put(`${pad(day, 7)}${SEPARATOR}${member}`, 1);
  }

  /** Removes and returns the members of `day`, each once, in key order. */
  take(day: number): string[] {
    const prefix = pad(day, 7);
    const members: string[] = [];
    // A bucket of an earlier version: an array (repeats possible) or an object of members.
    const legacy = this.#store.get(prefix);
    if (legacy !== undefined && legacy !== 1) {
      members.push(...new Set(Array.isArray(legacy) ? legacy : Object.keys(legacy)));
      this.#store.delete(prefix);
    }
    // Keys first, deletes after: a store's range is not to be changed while it is walked.
    const keys: string[] = [];
    for (const [key] of this.#store.range(`${prefix}${SEPARATOR}`, `${prefix}${END}`)) keys.push(key);
    for (const key of keys) {
      members.push(key.slice(prefix.length + 1));
      this.#store.delete(key);
    }
    return members;
  }
}
