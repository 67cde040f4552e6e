// Serde interfaces: how keys and values cross the byte boundary at sources, sinks and stores.
import type { Headers } from '../processor/api.ts';

/** Turns a value into bytes for a topic; `null` stays `null` (a Kafka null value or key). */
export interface Serializer<T> {
  serialize(topic: string, data: T, headers?: Headers): Buffer | null;
}

/** Turns bytes read from a topic into a value; throws `DeserializationError` on bad input. */
export interface Deserializer<T> {
  deserialize(topic: string, data: Buffer | null, headers?: Headers): T;
}

/** Both directions for one type. */
export interface Serde<T> extends Serializer<T>, Deserializer<T> {}

/** Bytes that could not be turned into a value; keeps the original bytes for the dead-letter queue. */
export class DeserializationError extends Error {
  readonly bytes: Buffer | null;
  /** A short machine-readable cause, e.g. `invalid_json`, `schema_violation`, `unknown_schema`. */
  readonly reason: string;
  constructor(reason: string, message: string, bytes: Buffer | null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeserializationError';
    this.reason = reason;
    this.bytes = bytes;
  }
}
