// State store interfaces. Processors read and write synchronously (the cache layer serves reads
// and absorbs writes); durable work happens in `flush`, at commit time, in batches.

/** Anything a topology can attach to processors by name. */
export interface StateStore {
  readonly name: string;
  /** Writes dirty entries down the stack (cache → changelog → backend). Called at commit. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** A sorted key-value store. Keys are strings compared by their UTF-8 bytes, as RocksDB orders them. */
export interface KeyValueStore<V> extends StateStore {
  get(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): void;
  /** Entries with from <= key < to, in key order. Either bound may be omitted. */
  range(from?: string, to?: string): Iterable<[string, V]>;
  /** Approximate number of entries (for metrics). */
  approximateSize(): number;
}

/** One change for a store's changelog topic; a null value is a tombstone. */
export interface ChangelogRecord {
  readonly key: string;
  readonly value: Buffer | null;
}

/** Stores built with logging enabled: the Kafka runtime drains changes at commit and restores from the topic. */
export interface ChangeLoggingStore extends StateStore {
  /** False when the store was built with logging disabled (then nothing is ever drained). */
  readonly logged: boolean;
  /** True when its data outlives the process (LMDB): the runtime then restores only past a clean checkpoint. */
  readonly persistent: boolean;
  /** Changes flushed since the last drain (call after `flush()`), in order. */
  drainChangelog(): ChangelogRecord[];
  /** Applies changelog records to the backend (restoration), bypassing cache and logging. */
  restore(records: readonly ChangelogRecord[]): Promise<void>;
}

/** Whether a store keeps a changelog. */
export function isChangeLogging(store: StateStore): store is ChangeLoggingStore {
  const s = store as Partial<ChangeLoggingStore>;
  return typeof s.drainChangelog === 'function' && s.logged === true;
}
