// A stream task: one sub-topology instantiated for one partition, with its own processors,
// stores, stream time and punctuation queues. Processing is synchronous and depth-first.
// It is the processing half of Kafka Streams' StreamTask and knows no Kafka: its host feeds it
// records and takes what it produces (TopologyRunner in process; the Kafka runtime's RuntimeTask,
// src/runtime/task/runtime-task.ts, which adds offsets, changelogs, restore and commits).
import type { Cancellable, Processor, ProcessorContext, Punctuator, RecordMetadata, StreamRecord, TaskId } from '../api.ts';
import { PunctuationType } from '../api.ts';
import type { StateStore } from '../../state/api.ts';
import type { Subtopology } from '../../topology/subtopologies.ts';
import type { SinkNodeDef, SourceNodeDef, StoreBuilder } from '../../topology/topology.ts';
import type { DeserializationExceptionHandler } from './deserialization.ts';
import { PunctuationQueue } from './punctuation.ts';
import type { ConsumedRecord, RecordCollector } from './records.ts';

/** What a stream task needs from its host (TopologyRunner, or the Kafka runtime's RuntimeTask). */
export interface TaskOptions {
  readonly id: TaskId;
  readonly applicationId: string;
  readonly subtopology: Subtopology;
  readonly storeBuilders: ReadonlyMap<string, StoreBuilder>;
  readonly collector: RecordCollector;
  /** The runtime's wall clock (the test driver's is moved by hand). */
  readonly wallClock: () => number;
  readonly onDeserializationError: DeserializationExceptionHandler;
  /** The runtime's directory of this task: persistent stores live in it (absent in process: replay, test driver). */
  readonly taskDir?: string;
}

type Erased = StreamRecord<unknown, unknown>;

interface RuntimeNode {
  readonly name: string;
  process(record: Erased): void;
}

/** A running sub-topology for one partition: processors, stores, stream time, punctuation (no Kafka). */
export class StreamTask {
  readonly id: TaskId;
  readonly stores = new Map<string, StateStore>();
  readonly #options: TaskOptions;
  readonly #sources = new Map<string, { def: SourceNodeDef; children: RuntimeNode[] }>();
  readonly #processors: Processor<unknown, unknown, unknown, unknown>[] = [];
  readonly #streamPunctuation = new PunctuationQueue();
  readonly #wallPunctuation = new PunctuationQueue();
  #streamTime = -Infinity;
  // Processors built and wired, not yet initialized (see initializeTopology).
  #uninitialized: Array<[Processor<unknown, unknown, unknown, unknown>, NodeContext]> | undefined;
  #metadata: RecordMetadata | undefined;

  constructor(options: TaskOptions) {
    this.id = options.id;
    this.#options = options;
    const sub = options.subtopology;
    for (const name of sub.stores) {
      const builder = options.storeBuilders.get(name);
      if (!builder) throw new Error(`no builder for store ${name}`);
      this.stores.set(name, builder.build(options.id, options.taskDir));
    }
    this.#wire();
  }

  /** The largest valid record timestamp seen, or -Infinity before the first. */
  get streamTime(): number {
    return this.#streamTime;
  }

  /** Topics this task reads. */
  get sourceTopics(): readonly string[] {
    return this.#options.subtopology.sourceTopics;
  }

  /** Runs one record through the sub-topology, then fires due stream-time punctuators. */
  process(record: ConsumedRecord): void {
    if (this.#uninitialized) throw new Error(`task ${taskName(this.id)}: process before initializeTopology`);
    const source = this.#sources.get(record.topic);
    if (!source) throw new Error(`task ${taskName(this.id)} does not read topic ${record.topic}`);
    // A negative or NaN timestamp is processed but does not move stream time.
    if (record.timestamp >= 0 && record.timestamp > this.#streamTime) this.#streamTime = record.timestamp;
    this.#metadata = { topic: record.topic, partition: record.partition, offset: record.offset };
    try {
      const decoded = this.#deserialize(source.def, record);
      if (decoded) for (const child of source.children) child.process(decoded);
    } finally {
      this.#metadata = undefined;
    }
    this.#streamPunctuation.mayPunctuate(this.#streamTime, this.#runPunctuator);
  }

  /** Moves stream time forward (never back) and fires due stream-time punctuators. */
  advanceStreamTime(timestamp: number): boolean {
    if (timestamp > this.#streamTime) this.#streamTime = timestamp;
    return this.#streamPunctuation.mayPunctuate(this.#streamTime, this.#runPunctuator);
  }

  /** Fires wall-clock punctuators due at the runtime's current wall clock. */
  punctuateWallClock(): boolean {
    return this.#wallPunctuation.mayPunctuate(this.#options.wallClock(), this.#runPunctuator);
  }

  /** Flushes every store (cache → changelog → backend). */
  async flush(): Promise<void> {
    for (const store of this.stores.values()) await store.flush();
  }

  /** Closes the processors, once: a dirty close (the runtime's) does only this and drops the stores unflushed. */
  closeProcessors(): void {
    const processors = this.#processors.splice(0);
    for (const p of processors) p.close?.();
  }

  /** Closes processors, then flushes and closes stores. */
  async close(): Promise<void> {
    this.closeProcessors();
    for (const store of this.stores.values()) {
      await store.flush();
      await store.close();
    }
  }

  readonly #runPunctuator = (_node: string, fire: () => void): void => {
    // Punctuations have no source record (Kafka Streams gives a dummy context; we give none).
    this.#metadata = undefined;
    fire();
  };

  #deserialize(def: SourceNodeDef, record: ConsumedRecord): Erased | undefined {
    let part: 'key' | 'value' = 'key';
    try {
      const key = def.keyDeserializer ? def.keyDeserializer.deserialize(record.topic, record.key as Buffer | null, record.headers) : record.key;
      part = 'value';
      const value = def.valueDeserializer ? def.valueDeserializer.deserialize(record.topic, record.value as Buffer | null, record.headers) : record.value;
      return { key, value, timestamp: record.timestamp, headers: record.headers };
    } catch (error) {
      const action = this.#options.onDeserializationError({ record, error, part }, this.#options.collector);
      if (action === 'fail') throw error;
      return undefined;
    }
  }

  // Instantiates nodes children-first so each context can hold its children directly.
  #wire(): void {
    const defs = this.#options.subtopology.nodes;
    const childNames = new Map<string, string[]>();
    for (const def of defs) {
      if (def.kind === 'source') continue;
      for (const p of def.parents) {
        const list = childNames.get(p);
        if (list) list.push(def.name);
        else childNames.set(p, [def.name]);
      }
    }
    const built = new Map<string, RuntimeNode>();
    const contexts: Array<[Processor<unknown, unknown, unknown, unknown>, NodeContext]> = [];
    const build = (name: string): RuntimeNode => {
      const existing = built.get(name);
      if (existing) return existing;
      const def = defs.find((d) => d.name === name);
      if (!def || def.kind === 'source') throw new Error(`node ${name} is not a processor or sink of this sub-topology`);
      if (def.kind === 'sink') {
        const node = this.#sinkNode(def);
        built.set(name, node);
        return node;
      }
      const children = (childNames.get(name) ?? []).map(build);
      const processor = def.supplier();
      const context = new NodeContext(this, name, children, new Set(def.stores));
      const node: RuntimeNode = { name, process: (r) => processor.process(r) };
      built.set(name, node);
      this.#processors.push(processor);
      contexts.push([processor, context]);
      return node;
    };
    for (const def of defs) {
      if (def.kind !== 'source') continue;
      const children = (childNames.get(def.name) ?? []).map(build);
      for (const topic of def.topics) this.#sources.set(topic, { def, children });
    }
    // Init in topology order, as Kafka Streams does, once every node exists.
    contexts.sort((a, b) => defs.findIndex((d) => d.name === a[1].nodeName) - defs.findIndex((d) => d.name === b[1].nodeName));
    this.#uninitialized = contexts;
  }

  /**
   * Calls every processor's `init`, in topology order. After the stores are restored, as Kafka
   * Streams' `initializeTopology`: a processor reads its state (a clock, a sequence) in `init`,
   * and before restoration it would read empty stores and run on from nothing.
   */
  initializeTopology(): void {
    const contexts = this.#uninitialized;
    if (!contexts) return;
    this.#uninitialized = undefined;
    for (const [processor, context] of contexts) processor.init?.(context);
  }

  #sinkNode(def: SinkNodeDef): RuntimeNode {
    const { key: keySer, value: valueSer } = def.serializers;
    const collector = this.#options.collector;
    return {
      name: def.name,
      process: (r) => {
        const topic = typeof def.topic === 'string' ? def.topic : def.topic(r.key, r.value, { timestamp: r.timestamp, metadata: this.#metadata });
        const key = keySer ? keySer.serialize(topic, r.key, r.headers) : r.key;
        const value = valueSer ? valueSer.serialize(topic, r.value, r.headers) : r.value;
        collector({ topic, key, value, timestamp: r.timestamp, headers: r.headers });
      },
    };
  }

  /** @internal used by node contexts */
  scheduleFor(node: string, interval: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    if (type === PunctuationType.STREAM_TIME) {
      // Aligned to 0, so the first record with a valid timestamp fires it (Kafka Streams semantics).
      return this.#streamPunctuation.schedule(node, 0, interval, punctuator);
    }
    return this.#wallPunctuation.schedule(node, this.#options.wallClock() + interval, interval, punctuator);
  }

  /** @internal used by node contexts */
  get metadata(): RecordMetadata | undefined {
    return this.#metadata;
  }

  /** @internal used by node contexts */
  get options(): TaskOptions {
    return this.#options;
  }
}

/** `"<subtopology>_<partition>"`, as Kafka Streams prints task ids. */
export function taskName(id: TaskId): string {
  return `${id.subtopology}_${id.partition}`;
}

// One context per processor node: forwarding goes straight to that node's children.
class NodeContext implements ProcessorContext<unknown, unknown> {
  readonly applicationId: string;
  readonly taskId: TaskId;
  readonly nodeName: string;
  readonly #task: StreamTask;
  readonly #children: RuntimeNode[];
  readonly #stores: ReadonlySet<string>;

  constructor(task: StreamTask, nodeName: string, children: RuntimeNode[], stores: ReadonlySet<string>) {
    this.#task = task;
    this.nodeName = nodeName;
    this.#children = children;
    this.#stores = stores;
    this.applicationId = task.options.applicationId;
    this.taskId = task.id;
  }

  forward<K, V>(record: StreamRecord<K, V>, childName?: string): void {
    if (childName === undefined) {
      for (const child of this.#children) child.process(record);
      return;
    }
    const child = this.#children.find((c) => c.name === childName);
    if (!child) throw new Error(`${this.nodeName} has no child ${childName}`);
    child.process(record);
  }

  getStateStore<S extends StateStore>(name: string): S {
    if (!this.#stores.has(name)) throw new Error(`processor ${this.nodeName} is not connected to store ${name}`);
    return this.#task.stores.get(name) as S;
  }

  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable {
    return this.#task.scheduleFor(this.nodeName, intervalMs, type, punctuator);
  }

  currentStreamTimeMs(): number {
    return this.#task.streamTime;
  }

  currentSystemTimeMs(): number {
    return this.#task.options.wallClock();
  }

  recordMetadata(): RecordMetadata | undefined {
    return this.#task.metadata;
  }
}
