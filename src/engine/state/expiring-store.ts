// Keys that expire: a view over any key-value store that keeps, beside each entry, an index
// entry ordered by time, so `purgeBefore(t)` is one range scan over what expired, not a walk of
// every key. Meant for a dedup horizon (event ids seen in the last N days) purged by a
// stream-time punctuator. Both entries live in the same store, under two prefixes.
import type { KeyValueStore } from './api.ts';

interface Entry<V> {
  v: V;
  t: number;
}

const DATA = 'd\u0000';
const INDEX = 't\u0000';
// Fixed-width decimal keeps numeric order equal to byte order (epoch ms fits in 15 digits).
const WIDTH = 15;

function indexKey(timestamp: number, key: string): string {
  return `${INDEX}${String(Math.max(0, Math.floor(timestamp))).padStart(WIDTH, '0')}\u0000${key}`;
}

/** Entries stamped with a time, removable in bulk by age. */
export class ExpiringKeyValueStore<V> {
  readonly #store: KeyValueStore<unknown>;

  /** Wraps a store (give it to this view only: it owns the store's key space). */
  constructor(store: KeyValueStore<unknown>) {
    this.#store = store;
  }

  /** The value of a live key. */
  get(key: string): V | undefined {
    return (this.#store.get(DATA + key) as Entry<V> | undefined)?.v;
  }

  /** The time a key was stamped with. */
  timestampOf(key: string): number | undefined {
    return (this.#store.get(DATA + key) as Entry<V> | undefined)?.t;
  }

  /** Stores `value` stamped with `timestamp` (epoch ms); a re-put moves the key's expiry. */
  put(key: string, value: V, timestamp: number): void {
    const old = this.#store.get(DATA + key) as Entry<V> | undefined;
    if (old && old.t !== timestamp) this.#store.delete(indexKey(old.t, key));
    this.#store.put(DATA + key, { v: value, t: timestamp } satisfies Entry<V>);
    this.#store.put(indexKey(timestamp, key), 1);
  }

  /** Removes a key. */
  delete(key: string): void {
    const old = this.#store.get(DATA + key) as Entry<V> | undefined;
    if (!old) return;
    this.#store.delete(indexKey(old.t, key));
    this.#store.delete(DATA + key);
  }

  /** Removes every key stamped before `timestamp`; returns how many. */
  purgeBefore(timestamp: number): number {
    const expired: string[] = [];
    // Collect first, delete after: no writes while the scan is open.
    for (const [ik] of this.#store.range(INDEX, indexKey(timestamp, ''))) expired.push(ik);
    for (const ik of expired) {
      const key = ik.slice(INDEX.length + WIDTH + 1);
      this.#store.delete(ik);
      this.#store.delete(DATA + key);
    }
    return expired.length;
  }
}
