// The in-memory key-value store: a Map for point access plus a key index sorted by UTF-8
// bytes for range scans. New keys wait in a small unsorted list and are merged into the index
// only when a range scan needs it, so a write-heavy task pays no ordering cost per put.
import type { KeyValueStore } from '../api.ts';
import { compareKeys } from '../key-order.ts';

/** A sorted in-memory store of typed values (no serialization). */
export class InMemoryKeyValueStore<V> implements KeyValueStore<V> {
  readonly name: string;
  readonly #map = new Map<string, V>();
  #sorted: string[] = [];
  #added: string[] = [];
  // Deleted keys stay in #sorted until the next merge; this counts them to bound the waste.
  #stale = 0;

  constructor(name: string) {
    this.name = name;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  put(key: string, value: V): void {
    if (value === undefined) throw new Error(`store ${this.name}: undefined value for ${key} (use delete)`);
    if (!this.#map.has(key)) this.#added.push(key);
    this.#map.set(key, value);
  }

  delete(key: string): void {
    if (this.#map.delete(key)) this.#stale++;
  }

  *range(from?: string, to?: string): Iterable<[string, V]> {
    const keys = this.#index();
    let i = from === undefined ? 0 : lowerBound(keys, from);
    for (; i < keys.length; i++) {
      const key = keys[i] as string;
      if (to !== undefined && compareKeys(key, to) >= 0) return;
      // Read at yield time: the caller may delete or update while iterating.
      const value = this.#map.get(key);
      if (value !== undefined) yield [key, value];
    }
  }

  approximateSize(): number {
    return this.#map.size;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  /** Removes everything (used by tests and restores). */
  clear(): void {
    this.#map.clear();
    this.#sorted = [];
    this.#added = [];
    this.#stale = 0;
  }

  // Merges new keys into the index and drops deleted ones; a fresh array, so live iterators keep theirs.
  #index(): string[] {
    if (this.#added.length === 0 && this.#stale === 0) return this.#sorted;
    const added = [...new Set(this.#added)].filter((k) => this.#map.has(k)).sort(compareKeys);
    const merged: string[] = [];
    const old = this.#sorted;
    let i = 0;
    let j = 0;
    while (i < old.length || j < added.length) {
      let key: string;
      if (j >= added.length || (i < old.length && compareKeys(old[i] as string, added[j] as string) <= 0)) key = old[i++] as string;
      else key = added[j++] as string;
      if (this.#map.has(key) && merged[merged.length - 1] !== key) merged.push(key);
    }
    this.#sorted = merged;
    this.#added = [];
    this.#stale = 0;
    return merged;
  }
}

/** First index whose key is >= `key`. */
export function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid] as string, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
