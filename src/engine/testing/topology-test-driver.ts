// The TopologyTestDriver: runs a topology in memory, deterministically, one record at a time
// through every sub-topology (repartition topics included) before the next is piped.
import type { Headers } from '../processor/api.ts';
import type { KeyValueStore, StateStore } from '../state/api.ts';
import type { Deserializer, Serializer } from '../serdes/api.ts';
import type { ProducedRecord } from '../processor/internals/records.ts';
import { TopologyRunner, type RunnerOptions } from '../processor/internals/runner.ts';
import type { Topology } from '../topology/topology.ts';
import { TestInputTopic, TestOutputTopic } from './test-topics.ts';

/** Options of the driver; the wall clock starts at 0 unless told. */
export type TestDriverOptions = Omit<RunnerOptions, 'onOutput'>;

/** Drives a topology by hand: pipe inputs, move clocks, read outputs, inspect stores. */
export class TopologyTestDriver {
  /** The runner underneath (the replay runner uses the same class). */
  readonly runner: TopologyRunner;
  readonly #outputs = new Map<string, ProducedRecord[]>();

  constructor(topology: Topology, options: TestDriverOptions = {}) {
    this.runner = new TopologyRunner(topology, { ...options, onOutput: (r) => this.#queue(r.topic).push(r) });
  }

  /** A handle to pipe records into `topic`. */
  createInputTopic<K, V>(topic: string, keySerializer?: Serializer<K>, valueSerializer?: Serializer<V>, options: { start?: number; autoAdvanceMs?: number } = {}): TestInputTopic<K, V> {
    if (!this.runner.reads(topic)) throw new Error(`no source reads topic ${topic}`);
    return new TestInputTopic<K, V>({ pipe: (t, r) => this.pipeRecord(t, r) }, topic, keySerializer, valueSerializer, options.start, options.autoAdvanceMs);
  }

  /** A handle to read what the topology produced to `topic`. */
  createOutputTopic<K, V>(topic: string, keyDeserializer?: Deserializer<K>, valueDeserializer?: Deserializer<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic<K, V>(this.#queue(topic), topic, keyDeserializer, valueDeserializer);
  }

  /** Pipes one raw record (already serialized if the source has deserializers). */
  pipeRecord(topic: string, record: { key: unknown; value: unknown; timestamp: number; headers?: Headers; partition?: number; offset?: number }): void {
    this.runner.process({
      topic,
      partition: record.partition ?? 0,
      offset: record.offset ?? this.#nextOffset(topic),
      key: record.key,
      value: record.value,
      timestamp: record.timestamp,
      headers: record.headers,
    });
  }

  /** Moves the wall clock and fires due wall-clock punctuators. */
  advanceWallClockTime(ms: number): void {
    this.runner.advanceWallClockTime(ms);
  }

  /** Moves every task's stream time to `timestamp` (if later) and fires due stream-time punctuators. */
  advanceStreamTime(timestamp: number): void {
    this.runner.advanceStreamTime(timestamp);
  }

  /** A key-value store by name (reads go through its cache, so uncommitted writes are visible). */
  getKeyValueStore<V>(name: string): KeyValueStore<V> {
    const store = this.runner.store<KeyValueStore<V>>(name);
    if (!store) throw new Error(`no store ${name}`);
    return store;
  }

  /** Any store by name. */
  getStateStore<S extends StateStore>(name: string): S | undefined {
    return this.runner.store<S>(name);
  }

  /** Topics something was produced to, repartition topics included. */
  producedTopicNames(): string[] {
    return [...this.#outputs.keys()];
  }

  /** Flushes every store (a commit without Kafka). */
  async commit(): Promise<void> {
    await this.runner.commit();
  }

  /** Closes processors and stores. */
  async close(): Promise<void> {
    await this.runner.close();
  }

  #offsets = new Map<string, number>();

  #nextOffset(topic: string): number {
    const next = this.#offsets.get(topic) ?? 0;
    this.#offsets.set(topic, next + 1);
    return next;
  }

  #queue(topic: string): ProducedRecord[] {
    let q = this.#outputs.get(topic);
    if (!q) {
      q = [];
      this.#outputs.set(topic, q);
    }
    return q;
  }
}
