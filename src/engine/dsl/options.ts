// Options of DSL operations (Kafka Streams' Consumed, Produced, Grouped, Materialized, Named),
// as plain objects.
import type { Deserializer, Serde, Serializer } from '../serdes/api.ts';
import type { KeyValueStoreSupplier } from '../state/stores.ts';

/** How a source topic is read. */
export interface Consumed<K, V> {
  readonly name?: string;
  readonly keyDeserializer?: Deserializer<K>;
  readonly valueDeserializer?: Deserializer<V>;
}

/** How records are written to a topic. */
export interface Produced<K, V> {
  readonly name?: string;
  readonly keySerializer?: Serializer<K>;
  readonly valueSerializer?: Serializer<V>;
}

/** Names and serdes of a grouping (and of its repartition topic, if one is needed). */
export interface Grouped<K, V> {
  /** Names the repartition topic: `<appId>-<name>-repartition`. */
  readonly name?: string;
  readonly keySerde?: Serde<K>;
  readonly valueSerde?: Serde<V>;
}

/** Where a table's state lives. */
export interface Materialized<V> {
  /** The store name (also the changelog topic's: `<appId>-<storeName>-changelog`). */
  readonly storeName?: string;
  readonly valueSerde?: Serde<V>;
  /** Default: the StreamsBuilder's default supplier (in-memory unless configured). */
  readonly supplier?: (name: string) => KeyValueStoreSupplier;
  readonly caching?: boolean;
  readonly logging?: boolean;
}

/** Names a processor node (otherwise `KSTREAM-<OP>-<index>`). */
export interface Named {
  readonly name?: string;
}
