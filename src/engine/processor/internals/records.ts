// Records as the runtime moves them between topics and tasks (before deserialization / after
// serialization), and the callback that receives what sinks produce.
import type { Headers } from '../api.ts';

/** A record read from a topic partition, not yet deserialized. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: unknown;
  value: unknown;
  timestamp: number;
  headers?: Headers;
}

/** A record a sink produced, already serialized (when the sink had serializers). */
export interface ProducedRecord {
  topic: string;
  key: unknown;
  value: unknown;
  timestamp: number;
  headers?: Headers;
  /** Set when the producer must write to a given partition; otherwise the runtime partitions by key. */
  partition?: number;
}

/** Receives every record sinks produce, in order. */
export type RecordCollector = (record: ProducedRecord) => void;
