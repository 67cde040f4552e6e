// Test input and output topics of the TopologyTestDriver (Kafka Streams' TestInputTopic /
// TestOutputTopic): typed handles over the driver's topics, with optional serdes.
import type { Headers } from '../processor/api.ts';
import type { Deserializer, Serializer } from '../serdes/api.ts';
import type { ProducedRecord } from '../processor/internals/records.ts';

/** A record as tests write and read it. */
export interface TestRecord<K, V> {
  key: K;
  value: V;
  timestamp: number;
  headers?: Headers;
}

/** A record piped in, with optional source metadata (partition defaults to 0, offset to the topic's next). */
export interface PipedRecord<K, V> {
  key: K;
  value: V;
  timestamp?: number;
  headers?: Headers;
  partition?: number;
  offset?: number;
}

/** What an input topic needs from the driver. */
export interface InputSink {
  pipe(topic: string, record: { key: unknown; value: unknown; timestamp: number; headers?: Headers; partition?: number; offset?: number }): void;
}

/** Pipes records into one topic; timestamps default to a clock that starts at `start` and moves by `autoAdvanceMs` per record. */
export class TestInputTopic<K, V> {
  readonly topic: string;
  readonly #sink: InputSink;
  readonly #keySer: Serializer<K> | undefined;
  readonly #valueSer: Serializer<V> | undefined;
  #time: number;
  readonly #advance: number;

  constructor(sink: InputSink, topic: string, keySer?: Serializer<K>, valueSer?: Serializer<V>, start = 0, autoAdvanceMs = 0) {
    this.#sink = sink;
    this.topic = topic;
    this.#keySer = keySer;
    this.#valueSer = valueSer;
    this.#time = start;
    this.#advance = autoAdvanceMs;
  }

  /** Pipes one key/value, at `timestamp` or the topic's clock. */
  pipeInput(key: K, value: V, timestamp?: number): void {
    this.pipeRecord({ key, value, timestamp });
  }

  /** Pipes one record with optional headers and metadata. */
  pipeRecord(record: PipedRecord<K, V>): void {
    let timestamp = record.timestamp;
    if (timestamp === undefined) {
      timestamp = this.#time;
      this.#time += this.#advance;
    }
    const key = this.#keySer ? this.#keySer.serialize(this.topic, record.key, record.headers) : record.key;
    const value = this.#valueSer ? this.#valueSer.serialize(this.topic, record.value, record.headers) : record.value;
    this.#sink.pipe(this.topic, { key, value, timestamp, headers: record.headers, partition: record.partition, offset: record.offset });
  }

  /** Pipes values with null keys. */
  pipeValueList(values: readonly V[]): void {
    for (const value of values) this.pipeRecord({ key: null as K, value });
  }

  /** Pipes key/value pairs. */
  pipeKeyValueList(pairs: ReadonlyArray<readonly [K, V]>): void {
    for (const [key, value] of pairs) this.pipeRecord({ key, value });
  }

  /** Moves the topic's default-timestamp clock. */
  advanceTime(ms: number): void {
    this.#time += ms;
  }
}

/** Reads (and removes) what the topology produced to one topic, in order. */
export class TestOutputTopic<K, V> {
  readonly topic: string;
  readonly #queue: ProducedRecord[];
  readonly #keyDe: Deserializer<K> | undefined;
  readonly #valueDe: Deserializer<V> | undefined;

  constructor(queue: ProducedRecord[], topic: string, keyDe?: Deserializer<K>, valueDe?: Deserializer<V>) {
    this.#queue = queue;
    this.topic = topic;
    this.#keyDe = keyDe;
    this.#valueDe = valueDe;
  }

  /** The next record; throws when the topic is empty (as Kafka's does). */
  readRecord(): TestRecord<K, V> {
    const r = this.#queue.shift();
    if (!r) throw new Error(`output topic ${this.topic} is empty`);
    const key = (this.#keyDe ? this.#keyDe.deserialize(this.topic, r.key as Buffer | null, r.headers) : r.key) as K;
    const value = (this.#valueDe ? this.#valueDe.deserialize(this.topic, r.value as Buffer | null, r.headers) : r.value) as V;
    return r.headers ? { key, value, timestamp: r.timestamp, headers: r.headers } : { key, value, timestamp: r.timestamp };
  }

  /** The next value. */
  readValue(): V {
    return this.readRecord().value;
  }

  /** The next key and value. */
  readKeyValue(): [K, V] {
    const r = this.readRecord();
    return [r.key, r.value];
  }

  /** Every remaining record. */
  readRecordsToList(): TestRecord<K, V>[] {
    const out: TestRecord<K, V>[] = [];
    while (!this.isEmpty()) out.push(this.readRecord());
    return out;
  }

  /** Every remaining value. */
  readValuesToList(): V[] {
    return this.readRecordsToList().map((r) => r.value);
  }

  /** Every remaining record as key → latest value. */
  readKeyValuesToMap(): Map<K, V> {
    const map = new Map<K, V>();
    for (const r of this.readRecordsToList()) map.set(r.key, r.value);
    return map;
  }

  /** Whether nothing is left to read. */
  isEmpty(): boolean {
    return this.#queue.length === 0;
  }

  /** How many records are left. */
  getQueueSize(): number {
    return this.#queue.length;
  }
}
