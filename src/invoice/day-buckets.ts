// Members grouped by day in a key-value store, one entry per (day, member):
// `pad(day) + '\u0000' + member` → 1. The clock rules take whole days at a time (overdue on the due
// date's next day; until 2026-12-06 also dedup expiry by day of first sight), so a clock move
// range-scans the days it passed, once, instead of scanning an index per record: its cost is the
// entries those days hold, not the number of days (a clock may jump from year 0001 to 9999).
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
import { pad, unpad } from './stores.ts';

/** What the store holds: 1 per (day, member); a whole-day bucket under `pad(day)` written by earlier versions. */
export type DayBucketValue = 1 | string[] | Record<string, 1>;

// Between a day and its member. `pad` writes fixed-width text of digits and signs, never a prefix
// of another day's, so `pad(from) <= key < pad(to)` holds exactly the days in [from, to).
const SEPARATOR = '\u0000';

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
    return this.takeDays(day, day + 1)[0]?.members ?? [];
  }

  /**
   * Removes and returns every day in [from, to) that has members, earliest first, with its members
   * as `take` gives them. One range scan: the cost is what the days hold, never the number of
   * days between `from` and `to` (a clock may jump thousands of years).
   */
  takeDays(from: number, to: number): Array<{ day: number; members: string[] }> {
    if (!(from < to)) return [];
    const days: Array<{ day: number; members: string[] }> = [];
    let current: { day: number; members: string[] } = { day: Number.NaN, members: [] };
    let currentText: string | undefined;
    // Keys first, deletes after: a store's range is not to be changed while it is walked.
    const keys: string[] = [];
    for (const [key, value] of this.#store.range(pad(from, 7), pad(to, 7))) {
      keys.push(key);
      const separator = key.indexOf(SEPARATOR);
      const dayText = separator < 0 ? key : key.slice(0, separator);
      if (dayText !== currentText) {
        currentText = dayText;
        current = { day: unpad(dayText), members: [] };
        days.push(current);
      }
      if (separator >= 0) {
        current.members.push(key.slice(separator + 1));
      } else if (value !== 1) {
        // A bucket of an earlier version (its key sorts before the day's entries): an array
        // (repeats possible) or an object of members.
        for (const member of new Set(Array.isArray(value) ? value : Object.keys(value))) current.members.push(member);
      }
    }
    for (const key of keys) this.#store.delete(key);
    return days;
  }
}
