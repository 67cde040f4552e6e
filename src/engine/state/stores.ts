// Store suppliers and builders: the public way to declare a store for a topology. A supplier
// makes the bottom layer (in-memory or persistent); the builder stacks the layers above it.
import type { Serde } from '../serdes/api.ts';
import type { StoreBuilder } from '../topology/topology.ts';
import type { KeyValueStore } from './api.ts';
import { InMemoryKeyValueStore } from './memory/in-memory-kv.ts';

/** Makes the bottom layer of a key-value store; each task calls `get()` for its own instance. */
export interface KeyValueStoreSupplier {
  readonly name: string;
  readonly persistent: boolean;
  get(): KeyValueStore<unknown>;
}

/** Declares a key-value store: its supplier, value serde and layers. */
export interface KeyValueStoreBuilder<V> extends StoreBuilder<KeyValueStore<V>> {
  /** Write-back cache of up to `maxEntries` (default 100k): reads and writes stay in memory until flush. */
  withCachingEnabled(maxEntries?: number): this;
  withCachingDisabled(): this;
  /** Changelog records are collected for the Kafka runtime (on by default, as in Kafka Streams). */
  withLoggingEnabled(): this;
  withLoggingDisabled(): this;
}

/** Factories for store suppliers and builders (Kafka Streams' `Stores`). */
export const Stores = {
  /** A sorted in-memory store. */
  inMemoryKeyValueStore(name: string): KeyValueStoreSupplier {
    return { name, persistent: false, get: () => new InMemoryKeyValueStore<unknown>(name) };
  },

  /** A builder over `supplier`; `valueSerde` is used where values become bytes (persistent backend, changelog). */
  keyValueStoreBuilder<V>(supplier: KeyValueStoreSupplier, valueSerde?: Serde<V>): KeyValueStoreBuilder<V> {
    return new Builder<V>(supplier, valueSerde);
  },
};

class Builder<V> implements KeyValueStoreBuilder<V> {
  readonly name: string;
  loggingEnabled = true;
  cacheEntries = 100_000;
  readonly #supplier: KeyValueStoreSupplier;
  readonly valueSerde: Serde<V> | undefined;

  constructor(supplier: KeyValueStoreSupplier, valueSerde?: Serde<V>) {
    this.name = supplier.name;
    this.#supplier = supplier;
    this.valueSerde = valueSerde;
  }

  withCachingEnabled(maxEntries = 100_000): this {
    this.cacheEntries = maxEntries;
    return this;
  }

  withCachingDisabled(): this {
    this.cacheEntries = 0;
    return this;
  }

  withLoggingEnabled(): this {
    this.loggingEnabled = true;
    return this;
  }

  withLoggingDisabled(): this {
    this.loggingEnabled = false;
    return this;
  }

  build(): KeyValueStore<V> {
    return this.#supplier.get() as KeyValueStore<V>;
  }
}
