// What the query layer needs of the running instance: where a store's partitions are, the local
// store of a partition when this instance runs its task, and the owner of any other partition.
// Kept small so HTTP tests run against a fake; `streams-host.ts` adapts KafkaStreams.
import type { KeyValueStore } from '../../engine/index.ts';

/** A store's placement: the sub-topology that holds it and its partition (task) count. */
export interface StorePlacement {
  readonly subtopology: number;
  readonly partitions: number;
}

/** The instance as the query layer sees it. */
export interface QueryHost {
  /** This instance's advertised `host:port`. */
  readonly self: string;
  /** Where a store lives; undefined before the instance has started. */
  placement(store: string): StorePlacement | undefined;
  /** The store of partition `partition` when its task runs here (restored), else undefined. */
  localStore<V>(store: string, partition: number): KeyValueStore<V> | undefined;
  /** The advertised `host:port` of the instance that owns a task, if known and a valid endpoint (endpoint.ts). */
  owner(subtopology: number, partition: number): Promise<string | undefined>;
}
