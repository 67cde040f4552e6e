// Between the engine's records (topology topic names, loosely typed keys and values) and the
// client's (physical topic names, bytes).
import type { ConsumedRecord as EngineRecord, ProducedRecord } from '../../engine/processor/internals/records.ts';
import type { ConsumedRecord, OutgoingRecord } from '../client/api.ts';
import { FatalRuntimeError } from '../errors.ts';

/** A consumed record as the engine's task wants it, under its topology topic name, with its extracted timestamp. */
export function toEngineRecord(record: ConsumedRecord, topologyTopic: string, timestamp: number = record.timestamp): EngineRecord {
  return {
    topic: topologyTopic,
    partition: record.partition,
    offset: record.offset,
    key: record.key,
    value: record.value,
    timestamp,
    headers: record.headers,
  };
}

function toBytes(what: string, topic: string, data: unknown): Buffer | null {
  if (data === null || data === undefined) return null;
  if (Buffer.isBuffer(data)) return data;
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // Fatal by design: a sink without a serializer cannot write to Kafka, retrying will not help.
  throw new FatalRuntimeError(`a sink writing to ${topic} produced a ${what} that is not bytes (${typeof data}): give the sink a serializer`);
}

/** An engine output as a record to produce, with its physical topic. */
export function toOutgoing(record: ProducedRecord, physicalTopic: string): OutgoingRecord {
  // Most records carry no headers: no object for them (the hot path produces millions).
  // Own names only (as Object.entries), into an object with no prototype: a `__proto__` header
  // stays a header (see fetched.ts).
  let headers: Record<string, Buffer | string> | undefined;
  if (record.headers) {
    for (const name in record.headers) {
      if (!Object.hasOwn(record.headers, name)) continue;
      const value = record.headers[name];
      if (value !== undefined) (headers ??= Object.create(null) as Record<string, Buffer | string>)[name] = value;
    }
  }
  return {
    topic: physicalTopic,
    partition: record.partition,
    key: toBytes('key', physicalTopic, record.key),
    value: toBytes('value', physicalTopic, record.value),
    timestamp: Number.isFinite(record.timestamp) && record.timestamp >= 0 ? record.timestamp : undefined,
    ...(headers ? { headers } : {}),
  };
}
