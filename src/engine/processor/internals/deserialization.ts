// What happens to a record whose key or value cannot be deserialized. The default sends it,
// with its original bytes, to a dead-letter topic with the docs/contract.md headers, and continues.
import type { Headers } from '../api.ts';
import { DeserializationError } from '../../serdes/api.ts';
import type { ConsumedRecord, RecordCollector } from './records.ts';

/** A record that failed deserialization, with the error. */
export interface DeserializationFailure {
  readonly record: ConsumedRecord;
  readonly error: unknown;
  /** Which part failed. */
  readonly part: 'key' | 'value';
}

/** Decides whether processing continues; may produce (e.g. to a dead-letter topic) through `produce`. */
export type DeserializationExceptionHandler = (failure: DeserializationFailure, produce: RecordCollector) => 'continue' | 'fail';

/** Header names of a dead letter, as docs/contract.md defines them. */
export const DLQ_HEADERS = {
  reason: 'dlq.reason',
  error: 'dlq.error',
  sourceTopic: 'dlq.source.topic',
  sourcePartition: 'dlq.source.partition',
  sourceOffset: 'dlq.source.offset',
} as const;

/** The headers of a dead letter for a record taken from `source`. */
export function deadLetterHeaders(reason: string, error: string, source: { topic: string; partition: number; offset: number }, original?: Headers): Headers {
  return {
    ...original,
    [DLQ_HEADERS.reason]: reason,
    [DLQ_HEADERS.error]: error,
    [DLQ_HEADERS.sourceTopic]: source.topic,
    [DLQ_HEADERS.sourcePartition]: String(source.partition),
    [DLQ_HEADERS.sourceOffset]: String(source.offset),
  };
}

/** Default handler: produce the original record to `topic` with the dead-letter headers, continue. */
export function deadLetterHandler(topic: string): DeserializationExceptionHandler {
  return ({ record, error, part }, produce) => {
    const reason = error instanceof DeserializationError ? error.reason : `${part}_deserialization_error`;
    const message = error instanceof Error ? error.message : String(error);
    produce({
      topic,
      key: record.key,
      value: record.value,
      timestamp: record.timestamp,
      headers: deadLetterHeaders(reason, message, record, record.headers),
    });
    return 'continue';
  };
}

/** Handler that stops processing (Kafka Streams' LogAndFail). */
export const failOnDeserializationError: DeserializationExceptionHandler = () => 'fail';
