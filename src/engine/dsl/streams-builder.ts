// StreamsBuilder: the entry point of the DSL. It builds a Processor API Topology as operators
// are called; `build()` hands it over.
import type { KeyValueStore } from '../state/api.ts';
import type { Serde } from '../serdes/api.ts';
import type { KeyValueStoreSupplier } from '../state/stores.ts';
import { Topology, type StoreBuilder } from '../topology/topology.ts';
import { DslContext, processorOf, storeKey } from './context.ts';
import { KStream } from './kstream.ts';
import { KTable } from './ktable.ts';
import type { Consumed, Materialized } from './options.ts';

/** Options of a StreamsBuilder. */
export interface StreamsBuilderOptions {
  /** Prefix of repartition and changelog topics. */
  applicationId: string;
  /** Store supplier for tables with no `Materialized.supplier` (default in-memory). */
  defaultStoreSupplier?: (name: string) => KeyValueStoreSupplier;
  /** Serdes of repartition topics when a `Grouped` gives none; without them objects pass in-process only. */
  defaultKeySerde?: Serde<unknown>;
  defaultValueSerde?: Serde<unknown>;
}

/** Builds a topology with the DSL. */
export class StreamsBuilder {
  readonly #ctx: DslContext;

  constructor(options: StreamsBuilderOptions) {
    this.#ctx = new DslContext(new Topology(), options);
  }

  /** A stream of one or more topics. */
  stream<K = unknown, V = unknown>(topics: string | readonly string[], consumed?: Consumed<K, V>): KStream<K, V> {
    const name = consumed?.name ?? this.#ctx.newName('KSTREAM-SOURCE');
    this.#ctx.topology.addSource(name, topics, consumed?.keyDeserializer, consumed?.valueDeserializer);
    return new KStream<K, V>(this.#ctx, name, false);
  }

  /** A table read from a topic: each record upserts its key; a null value deletes it. */
  table<K = unknown, V = unknown>(topic: string, consumed?: Consumed<K, V>, materialized?: Materialized<V>): KTable<K, V> {
    const source = this.#ctx.newName('KSTREAM-SOURCE');
    this.#ctx.topology.addSource(source, topic, consumed?.keyDeserializer, consumed?.valueDeserializer);
    const name = this.#ctx.newName('KTABLE-SOURCE');
    let storeName = '';
    this.#ctx.topology.addProcessor(
      name,
      processorOf<K, V | null>((r, c) => {
        if (r.key === null || r.key === undefined) return;
        const store = c.getStateStore<KeyValueStore<V>>(storeName);
        if (r.value === null || r.value === undefined) store.delete(storeKey(r.key));
        else store.put(storeKey(r.key), r.value);
        c.forward(r);
      }),
      source,
    );
    storeName = this.#ctx.addTableStore<V>(name, { storeName: materialized?.storeName ?? `${topic}-STATE-STORE`, ...materialized });
    return new KTable<K, V>(this.#ctx, name, storeName);
  }

  /** Registers a store for `KStream.process(supplier, storeName)`. */
  addStateStore(builder: StoreBuilder): this {
    this.#ctx.topology.addStateStore(builder);
    return this;
  }

  /** The topology built so far. */
  build(): Topology {
    return this.#ctx.topology;
  }
}
