// What the query layer needs of the running instance: where a store's partitions are, reads of a
// partition's store when a stream thread of this instance runs its task, and the owner of any
// other partition. Reads are asynchronous because with several stream threads
// (`numStreamThreads`) the stores live in worker threads and are read by message
// (observe/thread-queries.ts). Kept small so HTTP tests run against a fake; `streams-host.ts`
// adapts KafkaStreams.
import type { KeyValueStore } from '../../engine/index.ts';
import type { InvoiceState } from '../../invoice/invoice.ts';
import { STORE } from '../../invoice/stores.ts';
import { owedInStore, type OwedByDueDay } from './aging.ts';

/** A store's placement: the sub-topology that holds it and its partition (task) count. */
export interface StorePlacement {
  readonly subtopology: number;
  readonly partitions: number;
}

/** Reads of local stores; each answers undefined when no stream thread here runs the partition's task (restored). */
export interface StoreReads {
  /** `key` in the store of `partition`: `{ value }` (value undefined when absent). */
  get<V>(store: string, partition: number, key: string): Promise<{ value: V | undefined } | undefined>;
  /** The values of the store of `partition` with keys in [from, to], in key order. */
  range<V>(store: string, partition: number, from: string, to: string): Promise<V[] | undefined>;
  /** What is owed per currency and due day in the invoices store of `partition` (aging.ts). */
  owed(partition: number): Promise<OwedByDueDay | undefined>;
}

/** The instance as the query layer sees it. */
export interface QueryHost extends StoreReads {
  /** This instance's advertised `host:port`. */
  readonly self: string;
  /** Where a store lives; undefined before the instance has started. */
  placement(store: string): StorePlacement | undefined;
  /** The advertised `host:port` of the instance that owns a task, if known and a valid endpoint (endpoint.ts). */
  owner(subtopology: number, partition: number): Promise<string | undefined>;
}

/** StoreReads over the stores of one thread: `localStore` gives a partition's store when its task runs here (restored). */
export function localReads(localStore: <V>(store: string, partition: number) => KeyValueStore<V> | undefined): StoreReads {
  return {
    async get<V>(store: string, partition: number, key: string) {
      const s = localStore<V>(store, partition);
      return s ? { value: s.get(key) } : undefined;
    },
    async range<V>(store: string, partition: number, from: string, to: string) {
      const s = localStore<V>(store, partition);
      if (!s) return undefined;
      const values: V[] = [];
      for (const [, value] of s.range(from, to)) values.push(value);
      return values;
    },
    async owed(partition: number) {
      const s = localStore<InvoiceState>(STORE.invoices, partition);
      // Summed where the store is, so only the summary crosses threads; reused until the next commit.
      return s ? owedInStore(s) : undefined;
    },
  };
}
