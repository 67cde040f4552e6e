// What every DSL object shares: the topology being built, node naming, and defaults.
import type { Processor, ProcessorContext, StreamRecord } from '../processor/api.ts';
import type { Serde } from '../serdes/api.ts';
import { Stores, type KeyValueStoreSupplier } from '../state/stores.ts';
import type { Topology } from '../topology/topology.ts';
import type { Materialized } from './options.ts';

/** Builder-wide state of the DSL (internal). */
export class DslContext {
  readonly topology: Topology;
  readonly applicationId: string;
  readonly defaultStoreSupplier: (name: string) => KeyValueStoreSupplier;
  readonly defaultKeySerde: Serde<unknown> | undefined;
  readonly defaultValueSerde: Serde<unknown> | undefined;
  #index = 0;

  constructor(topology: Topology, options: { applicationId: string; defaultStoreSupplier?: (name: string) => KeyValueStoreSupplier; defaultKeySerde?: Serde<unknown>; defaultValueSerde?: Serde<unknown> }) {
    this.topology = topology;
    this.applicationId = options.applicationId;
    this.defaultStoreSupplier = options.defaultStoreSupplier ?? ((name) => Stores.inMemoryKeyValueStore(name));
    this.defaultKeySerde = options.defaultKeySerde;
    this.defaultValueSerde = options.defaultValueSerde;
  }

  /** `KSTREAM-FILTER-0000000003`-style names, as Kafka Streams generates them. */
  newName(prefix: string): string {
    return `${prefix}-${String(this.#index++).padStart(10, '0')}`;
  }

  /** Adds a key-value store for a table and connects it to `processorName`; returns its name. */
  addTableStore<V>(processorName: string, materialized: Materialized<V> | undefined): string {
    const name = materialized?.storeName ?? this.newName('KSTREAM-AGGREGATE-STATE-STORE');
    const supplier = (materialized?.supplier ?? this.defaultStoreSupplier)(name);
    const builder = Stores.keyValueStoreBuilder<V>(supplier, materialized?.valueSerde);
    if (materialized?.caching === false) builder.withCachingDisabled();
    if (materialized?.logging === false) builder.withLoggingDisabled();
    this.topology.addStateStore(builder, processorName);
    return name;
  }
}

/** A processor from a function of (record, context); for the DSL's stateless operators. */
export function processorOf<KIn, VIn>(process: (record: StreamRecord<KIn, VIn>, context: ProcessorContext) => void): () => Processor<KIn, VIn, unknown, unknown> {
  return () => {
    let ctx: ProcessorContext;
    return {
      init: (c) => {
        ctx = c;
      },
      process: (record) => process(record, ctx),
    };
  };
}

/** The store key of a record key: strings as they are, anything else as JSON (null keys are dropped before). */
export function storeKey(key: unknown): string {
  return typeof key === 'string' ? key : JSON.stringify(key);
}
