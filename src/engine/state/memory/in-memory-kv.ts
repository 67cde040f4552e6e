// The in-memory key-value store: a Map for point access plus, once the store is first scanned,
// a sorted key index maintained on each insert and delete. Stores that are never scanned pay
// nothing for order; stores scanned on every record never re-sort.
//
// A scan sees the keys as they were when it started (as Kafka Streams' in-memory store does) and
// walks the index lazily: a scan that stops early (a bounded sweep, the first due entry) pays for
// the keys it passed, not for the rest of the store. Until 2026-12-07 every scan copied its keys
// up front: the dedup sweep, which reads 512 entries every 256 records, copied the rest of the
// store each time, quadratic in a replay's length. A write while a scan is open copies the index
// once (copy on write), so the scan keeps walking the keys it started with.
import type { KeyValueStore } from '../api.ts';
import { SortedKeySet } from '../sorted-keys.ts';

/** A sorted in-memory store of typed values (no serialization). */
export class InMemoryKeyValueStore<V> implements KeyValueStore<V> {
  readonly name: string;
  readonly #map = new Map<string, V>();
  #index: SortedKeySet | undefined;
  // Scans open on the current #index: a write copies the index first while this is above 0.
  #openScans = 0;

  constructor(name: string) {
    this.name = name;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  put(key: string, value: V): void {
    if (value === undefined) throw new Error(`store ${this.name}: undefined value for ${key} (use delete)`);
    if (value === null) {
      // A null value is a delete, as in Kafka Streams.
      this.delete(key);
      return;
    }
    if (this.#index && !this.#map.has(key)) this.#writableIndex().add(key);
    this.#map.set(key, value);
  }

  delete(key: string): void {
    if (this.#map.delete(key) && this.#index) this.#writableIndex().delete(key);
  }

  range(from?: string, to?: string): Iterable<[string, V]> {
    // The scan holds the index from now, not from its first step: a write in between is after it.
    // A scan never walked, or walked and dropped without `return()`, keeps the count up until the
    // next write, which then copies once and starts the count again on the copy.
    const index = (this.#index ??= SortedKeySet.from(this.#map.keys()));
    this.#openScans++;
    return this.#walk(index, from, to);
  }

  *#walk(index: SortedKeySet, from: string | undefined, to: string | undefined): Generator<[string, V]> {
    try {
      // Values at yield time: a key the caller deleted during the scan is skipped.
      for (const key of index.range(from, to)) {
        const value = this.#map.get(key);
        if (value !== undefined) yield [key, value];
      }
    } finally {
      // A write during the scan moved the store to a copy; the scans open on that copy are its own.
      if (this.#index === index) this.#openScans--;
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
    this.#index = undefined;
    this.#openScans = 0;
  }

  // The index to change: a copy when scans are walking the current one (they keep the original).
  #writableIndex(): SortedKeySet {
    const index = this.#index as SortedKeySet;
    if (this.#openScans === 0) return index;
    this.#openScans = 0;
    return (this.#index = index.clone());
  }
}
