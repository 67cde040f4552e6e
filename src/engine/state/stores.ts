// Store suppliers and builders: the public way to declare a store for a topology. A supplier
// makes the bottom layer (in-memory or persistent); the builder stacks the layers above it:
// metered → caching (or serializing) → change-logging → backend.
import { join } from 'node:path';
import type { TaskId } from '../processor/api.ts';
import type { Serde } from '../serdes/api.ts';
import { jsonSerde } from '../serdes/json.ts';
import type { StoreBuilder } from '../topology/topology.ts';
import type { KeyValueBackend } from './backend.ts';
import { CachingKeyValueStore } from './caching-store.ts';
import { ChangeLoggingBackend } from './change-logging-backend.ts';
import { InMemoryBackend } from './memory/in-memory-backend.ts';
import { MeteredKeyValueStore } from './metered-store.ts';
import { LmdbBackend } from './persistent/lmdb-backend.ts';
import { SerializingKeyValueStore } from './serializing-store.ts';

/**
 * Makes the bottom layer of a key-value store; each task calls `get(taskId, taskDir)` for its own
 * instance. `taskDir` is the runtime's directory of that task: a persistent store lives in
 * `<taskDir>/<name>`, so what the runtime wipes (an unclean close under exactly_once) or
 * checkpoints is the store's data itself.
 */
export interface KeyValueStoreSupplier {
  readonly name: string;
  readonly persistent: boolean;
  get(taskId?: TaskId, taskDir?: string): KeyValueBackend;
}

/** Declares a key-value store: its supplier, value serde and layers. */
export interface KeyValueStoreBuilder<V> extends StoreBuilder<MeteredKeyValueStore<V>> {
  /** Write-back cache of about `maxEntries` (default 100k): writes stay in memory until flush. On by default. */
  withCachingEnabled(maxEntries?: number): this;
  withCachingDisabled(): this;
  /** Changelog records are collected for the Kafka runtime (on by default, as in Kafka Streams). */
  withLoggingEnabled(): this;
  withLoggingDisabled(): this;
}

/** Options of the persistent (LMDB) store. */
export interface PersistentStoreOptions {
  /**
   * State directory for runs with no task directory of their own (a replay, the test driver): the
   * store lives in `<dir>/<task>/<name>`. Under the Kafka runtime the task directory wins.
   */
  readonly dir: string;
  /** fsync on commit (default false: the changelog or the replayed files rebuild the state). */
  readonly sync?: boolean;
}

/** Factories for store suppliers and builders (Kafka Streams' `Stores`). */
export const Stores = {
  /** A sorted in-memory store. */
  inMemoryKeyValueStore(name: string): KeyValueStoreSupplier {
    return { name, persistent: false, get: () => new InMemoryBackend(name) };
  },

  /** A persistent store on LMDB (the backend chosen by benchmark; see state/README.md). */
  persistentKeyValueStore(name: string, options: PersistentStoreOptions): KeyValueStoreSupplier {
    return {
      name,
      persistent: true,
      get: (taskId, taskDir) => new LmdbBackend(name, { path: taskDir ? join(taskDir, name) : join(options.dir, taskId ? `${taskId.subtopology}_${taskId.partition}` : 'store', name), noSync: !options.sync }),
    };
  },

  /** A builder over `supplier`; values become bytes through `valueSerde` (default JSON) at flush. */
  keyValueStoreBuilder<V>(supplier: KeyValueStoreSupplier, valueSerde?: Serde<V>): KeyValueStoreBuilder<V> {
    return new Builder<V>(supplier, valueSerde ?? jsonSerde<V>());
  },
};

class Builder<V> implements KeyValueStoreBuilder<V> {
  readonly name: string;
  loggingEnabled = true;
  #cacheEntries = 100_000;
  readonly #supplier: KeyValueStoreSupplier;
  readonly #serde: Serde<V>;

  constructor(supplier: KeyValueStoreSupplier, serde: Serde<V>) {
    this.name = supplier.name;
    this.#supplier = supplier;
    this.#serde = serde;
  }

  withCachingEnabled(maxEntries = 100_000): this {
    this.#cacheEntries = maxEntries;
    return this;
  }

  withCachingDisabled(): this {
    this.#cacheEntries = 0;
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

  build(taskId?: TaskId, taskDir?: string): MeteredKeyValueStore<V> {
    const backend = this.#supplier.get(taskId, taskDir);
    const logged = this.loggingEnabled ? new ChangeLoggingBackend(backend) : undefined;
    const lower = logged ?? backend;
    const typed = this.#cacheEntries > 0 ? new CachingKeyValueStore<V>(lower, this.#serde, this.#cacheEntries) : new SerializingKeyValueStore<V>(lower, this.#serde);
    return new MeteredKeyValueStore<V>(typed, logged);
  }
}
