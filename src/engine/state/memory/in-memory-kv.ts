// The in-memory key-value store: a Map for point access plus, once the store is first scanned,
// a sorted key index maintained on each insert and delete. Stores that are never scanned pay
// nothing for order; stores scanned on every record never re-sort.
import type { KeyValueStore } from '../api.ts';
import { SortedKeySet } from '../sorted-keys.ts';

/** A sorted in-memory store of typed values (no serialization). */
export class InMemoryKeyValueStore<V> implements KeyValueStore<V> {
  readonly name: string;
  readonly #map = new Map<string, V>();
  #index: SortedKeySet | undefined;

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
    if (this.#index && !this.#map.has(key)) this.#index.add(key);
    this.#map.set(key, value);
  }

  delete(key: string): void {
    if (this.#map.delete(key)) this.#index?.delete(key);
  }

  *range(from?: string, to?: string): Iterable<[string, V]> {
    this.#index ??= SortedKeySet.from(this.#map.keys());
    // Keys first, values at yield time: the caller may write while iterating.
    const keys = [...this.#index.range(from, to)];
    for (const key of keys) {
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
    this.#index = undefined;
  }
}
