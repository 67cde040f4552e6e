// The Processor API topology builder: sources, processors, sinks and stores, wired by name.
// It only records the graph; `buildSubtopologies` splits it and the runtime instantiates it.
import type { ProcessorSupplier, RecordMetadata, TaskId } from '../processor/api.ts';
import type { StateStore } from '../state/api.ts';
import type { Deserializer, Serializer } from '../serdes/api.ts';
import { buildSubtopologies, type Subtopology } from './subtopologies.ts';
import { describeTopology } from './description.ts';

/** Makes a store for one task; the topology holds builders, each task builds its own stores. */
export interface StoreBuilder<S extends StateStore = StateStore> {
  readonly name: string;
  /** Whether the store writes a changelog (the Kafka runtime creates `<appId>-<name>-changelog`). */
  readonly loggingEnabled: boolean;
  /** A fresh store for one task (persistent stores use the task id in their path). */
  /** One instance for a task; `taskDir` is where the runtime keeps that task's state (persistent stores live there). */
  build(taskId?: TaskId, taskDir?: string): S;
}

/** What a dynamic sink sees to choose a topic. */
export interface RecordContext {
  readonly timestamp: number;
  readonly metadata: RecordMetadata | undefined;
}

/** Picks a sink topic per record (Kafka Streams' TopicNameExtractor). */
export type TopicNameExtractor<K = unknown, V = unknown> = (key: K, value: V, context: RecordContext) => string;

/** Serializers of a sink; a missing one passes the object through (fine in-process, not on Kafka). */
export interface SinkSerializers<K = unknown, V = unknown> {
  key?: Serializer<K>;
  value?: Serializer<V>;
}

/**
 * Event time of a consumed record, from its raw key and value (Kafka Streams' TimestampExtractor):
 * epoch ms; negative or NaN = none. The Kafka runtime orders a task's input partitions by it.
 */
export type TimestampExtractor = (record: { readonly key: Buffer | null; readonly value: Buffer | null; readonly timestamp: number }) => number;

/** A source node: reads one or more topics and deserializes. */
export interface SourceNodeDef {
  readonly kind: 'source';
  readonly name: string;
  readonly topics: readonly string[];
  readonly keyDeserializer?: Deserializer<unknown>;
  readonly valueDeserializer?: Deserializer<unknown>;
  /** Record timestamps of this source (default: the Kafka record timestamp). */
  readonly timestampExtractor?: TimestampExtractor;
}

/** A processor node and the stores it may use. */
export interface ProcessorNodeDef {
  readonly kind: 'processor';
  readonly name: string;
  readonly supplier: ProcessorSupplier<unknown, unknown, unknown, unknown>;
  readonly parents: readonly string[];
  readonly stores: string[];
}

/** A sink node: serializes and writes to a fixed or per-record topic. */
export interface SinkNodeDef {
  readonly kind: 'sink';
  readonly name: string;
  readonly topic: string | TopicNameExtractor;
  readonly serializers: SinkSerializers;
  readonly parents: readonly string[];
}

/** Any node of the topology. */
export type NodeDef = SourceNodeDef | ProcessorNodeDef | SinkNodeDef;

/** The graph of a stream-processing application, built with the Processor API (or by the DSL). */
export class Topology {
  readonly #nodes = new Map<string, NodeDef>();
  readonly #stores = new Map<string, StoreBuilder>();
  readonly #repartitionTopics = new Set<string>();
  readonly #sourceTopics = new Map<string, string>();

  /** Adds a source reading `topics`; deserializers are optional (raw values pass through). */
  addSource(name: string, topics: string | readonly string[], keyDeserializer?: Deserializer<unknown>, valueDeserializer?: Deserializer<unknown>): this {
    const list = typeof topics === 'string' ? [topics] : [...topics];
    if (list.length === 0) throw new Error(`source ${name}: no topics`);
    this.#checkNewName(name);
    for (const topic of list) {
      const owner = this.#sourceTopics.get(topic);
      // One source per topic, as Kafka Streams requires: a record must have one path in.
      if (owner) throw new Error(`topic ${topic} is already read by source ${owner}`);
      this.#sourceTopics.set(topic, name);
    }
    this.#nodes.set(name, { kind: 'source', name, topics: list, keyDeserializer, valueDeserializer });
    return this;
  }

  /** Sets a source's timestamp extractor (Kafka Streams' `Consumed.withTimestampExtractor`). */
  withTimestampExtractor(sourceName: string, extractor: TimestampExtractor): this {
    const node = this.#nodes.get(sourceName);
    if (!node || node.kind !== 'source') throw new Error(`no source ${sourceName}`);
    this.#nodes.set(sourceName, { ...node, timestampExtractor: extractor });
    return this;
  }

  /** Adds a processor fed by `parents` (sources or processors). */
  addProcessor<KIn, VIn, KOut, VOut>(name: string, supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>, ...parents: string[]): this {
    this.#checkNewName(name);
    this.#checkParents(name, parents);
    const erased = supplier as unknown as ProcessorSupplier<unknown, unknown, unknown, unknown>;
    this.#nodes.set(name, { kind: 'processor', name, supplier: erased, parents, stores: [] });
    return this;
  }

  /** Registers a store and connects it to processors (more may be connected later). */
  addStateStore(builder: StoreBuilder, ...processorNames: string[]): this {
    if (this.#stores.has(builder.name)) throw new Error(`store ${builder.name} already added`);
    this.#stores.set(builder.name, builder);
    this.connectProcessorAndStateStores(...processorNames.map((p) => [p, builder.name] as const));
    return this;
  }

  /** Gives processors access to already registered stores. */
  connectProcessorAndStateStores(...pairs: ReadonlyArray<readonly [processorName: string, storeName: string]>): this {
    for (const [processorName, storeName] of pairs) {
      const node = this.#nodes.get(processorName);
      if (!node || node.kind !== 'processor') throw new Error(`store ${storeName}: no processor ${processorName}`);
      if (!this.#stores.has(storeName)) throw new Error(`no store ${storeName}`);
      if (!node.stores.includes(storeName)) node.stores.push(storeName);
    }
    return this;
  }

  /** Adds a sink writing to `topic` (or a topic chosen per record). */
  addSink<K, V>(name: string, topic: string | TopicNameExtractor<K, V>, serializers: SinkSerializers<K, V> | undefined, ...parents: string[]): this {
    this.#checkNewName(name);
    this.#checkParents(name, parents);
    this.#nodes.set(name, {
      kind: 'sink',
      name,
      topic: topic as string | TopicNameExtractor,
      serializers: (serializers ?? {}) as SinkSerializers,
      parents,
    });
    return this;
  }

  /** Marks a topic as internal (a repartition topic): it splits sub-topologies and the runtime owns it. */
  addRepartitionTopic(topic: string): this {
    this.#repartitionTopics.add(topic);
    return this;
  }

  /** The nodes in insertion order. */
  nodes(): readonly NodeDef[] {
    return [...this.#nodes.values()];
  }

  /** The store builders by name. */
  storeBuilders(): ReadonlyMap<string, StoreBuilder> {
    return this.#stores;
  }

  /** Repartition (internal) topics. */
  repartitionTopics(): ReadonlySet<string> {
    return this.#repartitionTopics;
  }

  /** The source node reading a topic, if any. */
  sourceOf(topic: string): string | undefined {
    return this.#sourceTopics.get(topic);
  }

  /** The connected components of the graph, numbered as Kafka Streams numbers them. */
  subtopologies(): Subtopology[] {
    return buildSubtopologies(this.nodes(), this.#repartitionTopics);
  }

  /** A TopologyDescription-like text: sub-topologies, nodes with arrows, stores, topics. */
  describe(): string {
    return describeTopology(this.subtopologies());
  }

  #checkNewName(name: string): void {
    if (!name) throw new Error('node name must not be empty');
    if (this.#nodes.has(name)) throw new Error(`node ${name} already exists`);
  }

  #checkParents(name: string, parents: readonly string[]): void {
    if (parents.length === 0) throw new Error(`node ${name}: needs at least one parent`);
    for (const parent of parents) {
      const node = this.#nodes.get(parent);
      if (!node) throw new Error(`node ${name}: unknown parent ${parent}`);
      if (node.kind === 'sink') throw new Error(`node ${name}: a sink (${parent}) cannot be a parent`);
    }
  }
}
