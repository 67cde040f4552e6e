// Runs a whole topology in one process for one partition: one task per sub-topology, records
// produced to topics the topology reads (repartition topics) fed back before the next input.
// The test driver and the replay runner are both thin shells around this class.
import type { StateStore } from '../../state/api.ts';
import type { Topology } from '../../topology/topology.ts';
import { deadLetterHandler, type DeserializationExceptionHandler } from './deserialization.ts';
import type { ConsumedRecord, ProducedRecord } from './records.ts';
import { StreamTask } from './stream-task.ts';

/** Options of an in-process run. */
export interface RunnerOptions {
  applicationId?: string;
  /** Partition number of the tasks (the test driver and replay use 0). */
  partition?: number;
  /** Start of the wall clock in epoch ms; 0 by default so runs are deterministic. */
  initialWallClockTimeMs?: number;
  /** Default: dead-letter to topic `dlq` and continue. */
  onDeserializationError?: DeserializationExceptionHandler;
  /** Every record any sink produces, repartition topics included, in production order. */
  onOutput?: (record: ProducedRecord) => void;
}

/** One process, one partition, every sub-topology: the engine without Kafka. */
export class TopologyRunner {
  readonly applicationId: string;
  readonly tasks: readonly StreamTask[];
  readonly #byTopic = new Map<string, StreamTask>();
  readonly #offsets = new Map<string, number>();
  readonly #pending: ConsumedRecord[] = [];
  readonly #onOutput: (record: ProducedRecord) => void;
  #wallClock: number;
  #draining = false;

  constructor(topology: Topology, options: RunnerOptions = {}) {
    this.applicationId = options.applicationId ?? 'app';
    this.#wallClock = options.initialWallClockTimeMs ?? 0;
    this.#onOutput = options.onOutput ?? (() => {});
    const partition = options.partition ?? 0;
    const handler = options.onDeserializationError ?? deadLetterHandler('dlq');
    const collector = (record: ProducedRecord): void => this.#collect(record);
    this.tasks = topology.subtopologies().map(
      (sub) =>
        new StreamTask({
          id: { subtopology: sub.id, partition },
          applicationId: this.applicationId,
          subtopology: sub,
          storeBuilders: topology.storeBuilders(),
          collector,
          wallClock: () => this.#wallClock,
          onDeserializationError: handler,
        }),
    );
    for (const task of this.tasks) {
      // In process, nothing to restore: the stores are as the builders give them.
      task.initializeTopology();
      for (const topic of task.sourceTopics) this.#byTopic.set(topic, task);
    }
  }

  /** Whether some source reads `topic`. */
  reads(topic: string): boolean {
    return this.#byTopic.has(topic);
  }

  /** Processes one input record and everything it causes through repartition topics. */
  process(record: ConsumedRecord): void {
    const task = this.#byTopic.get(record.topic);
    if (!task) throw new Error(`no source reads topic ${record.topic}`);
    this.#advanceOffset(record.topic, record.offset);
    task.process(record);
    this.#drain();
  }

  /** Moves every task's stream time to `timestamp` (if later) and fires due stream-time punctuators. */
  advanceStreamTime(timestamp: number): void {
    for (const task of this.tasks) task.advanceStreamTime(timestamp);
    this.#drain();
  }

  /** Moves the wall clock forward and fires due wall-clock punctuators. */
  advanceWallClockTime(ms: number): void {
    if (ms < 0) throw new Error('the wall clock only moves forward');
    this.setWallClockTime(this.#wallClock + ms);
  }

  /** Sets the wall clock (never backwards) and fires due wall-clock punctuators. */
  setWallClockTime(epochMs: number): void {
    if (epochMs > this.#wallClock) this.#wallClock = epochMs;
    for (const task of this.tasks) task.punctuateWallClock();
    this.#drain();
  }

  /** The wall clock now. */
  get wallClockTime(): number {
    return this.#wallClock;
  }

  /** A store by name (searching every task). */
  store<S extends StateStore>(name: string): S | undefined {
    for (const task of this.tasks) {
      const store = task.stores.get(name);
      if (store) return store as S;
    }
    return undefined;
  }

  /** Commit: flushes every task's stores. */
  async commit(): Promise<void> {
    for (const task of this.tasks) await task.flush();
  }

  /** Closes processors and stores. */
  async close(): Promise<void> {
    for (const task of this.tasks) await task.close();
  }

  #collect(record: ProducedRecord): void {
    this.#onOutput(record);
    if (!this.#byTopic.has(record.topic)) return;
    const offset = this.#advanceOffset(record.topic);
    this.#pending.push({ topic: record.topic, partition: 0, offset, key: record.key, value: record.value, timestamp: record.timestamp, headers: record.headers });
  }

  // Offsets of topics the runner writes itself; input offsets given by the caller move it too.
  #advanceOffset(topic: string, given?: number): number {
    const next = this.#offsets.get(topic) ?? 0;
    const offset = given ?? next;
    this.#offsets.set(topic, Math.max(next, offset + 1));
    return offset;
  }

  // FIFO over fed-back records: each record goes through the whole topology before the next input.
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let i = 0; i < this.#pending.length; i++) {
        const record = this.#pending[i] as ConsumedRecord;
        (this.#byTopic.get(record.topic) as StreamTask).process(record);
      }
    } finally {
      this.#pending.length = 0;
      this.#draining = false;
    }
  }
}
