// The Processor API: what a processor sees of the engine. Public and stable; the DSL is built on
// it, the invoice domain implements it, and the runtimes (test driver, replay, Kafka) host it.
import type { StateStore } from '../state/api.ts';

/** Record headers: Kafka header values are bytes; strings are accepted when producing. */
export type Headers = Record<string, Buffer | string | undefined>;

/** One keyed record flowing through a topology; `timestamp` is event time in epoch ms (UTC). */
export interface StreamRecord<K, V> {
  key: K;
  value: V;
  timestamp: number;
  /** A consumed record's headers are read-only (a frozen shared object when it had none): forward a copy to add one. */
  headers?: Headers;
}

/** Where the record being processed came from: the source topic, partition and offset. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: number;
}

/** A task is one (sub-topology, partition) pair, as in Kafka Streams: `"0_3"`. */
export interface TaskId {
  subtopology: number;
  partition: number;
}

/** Which clock a punctuator follows. */
export const PunctuationType = {
  /** Fires as the task's stream time (the largest record timestamp seen) passes each schedule. */
  STREAM_TIME: 'stream_time',
  /** Fires on the runtime's wall clock (the test driver's is advanced by hand). */
  WALL_CLOCK_TIME: 'wall_clock_time',
} as const;
export type PunctuationType = (typeof PunctuationType)[keyof typeof PunctuationType];

/** A scheduled callback; receives the time (stream or wall clock, ms) at which it fires. */
export type Punctuator = (timestamp: number) => void;

/** Handle returned by `schedule`, to stop a punctuator. */
export interface Cancellable {
  cancel(): void;
}

/** What a processor may do: forward records, use stores, schedule punctuators, read clocks. */
export interface ProcessorContext<KOut = unknown, VOut = unknown> {
  readonly applicationId: string;
  readonly taskId: TaskId;
  /** Sends a record to all children, or to the one named. */
  forward<K extends KOut, V extends VOut>(record: StreamRecord<K, V>, childName?: string): void;
  /** A store connected to this processor in the topology. */
  getStateStore<S extends StateStore>(name: string): S;
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
  /** The task's stream time: the largest timestamp of the records it has processed, or -Infinity. */
  currentStreamTimeMs(): number;
  currentSystemTimeMs(): number;
  /** Source topic/partition/offset of the record being processed; undefined inside a wall-clock punctuation. */
  recordMetadata(): RecordMetadata | undefined;
}

/** A node of the topology: synchronous by design, so a record goes through the whole topology before the next. */
export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): void;
  process(record: StreamRecord<KIn, VIn>): void;
  close?(): void;
}

/** Makes a fresh processor per task. */
export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>;
