// Serdes of the invoice pipeline's Kafka topics (live mode). In-process runs (replay, test
// driver) pass objects through and need none of these.
import type { Serde } from '../engine/index.ts';

/**
 * JSON for internal topics (repartitions): Buffers (the original key and bytes a dead letter
 * needs) travel as `{"$b64": "..."}` and come back as Buffers.
 *
 * Buffers are found by a walk of our own, not by JSON.stringify's replacer and JSON.parse's
 * reviver: those call back into JavaScript for every key, and the reviver alone was 6 % of a live
 * run's CPU. Measured on an input envelope: serialize 7.1 → 3.4 µs, deserialize 10.4 → 4.7 µs
 * (same bytes on the wire).
 */
export function internalJsonSerde<T>(): Serde<T> {
  return {
    serialize: (_topic, data) => (data === null || data === undefined ? null : Buffer.from(JSON.stringify(encodeBuffers(data)), 'utf8')),
    deserialize: (_topic, data) => (data === null ? (null as T) : (decodeBuffers(JSON.parse(data.toString('utf8'))) as T)),
  };
}

// Sets a property as data, so a key named `__proto__` (input data may carry one) stays a key.
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** `value` with every Buffer replaced by `{ $b64 }`; objects are copied only along paths that hold one. */
function encodeBuffers(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return { $b64: value.toString('base64') };
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const encoded = encodeBuffers(value[i]);
      if (encoded !== value[i]) (copy ??= value.slice())[i] = encoded;
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const encoded = encodeBuffers(record[key]);
    if (encoded !== record[key]) setOwn((copy ??= { ...record }), key, encoded);
  }
  return copy ?? record;
}

/** Turns `{ $b64 }` objects of freshly parsed JSON back into Buffers, in place. */
function decodeBuffers(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = decodeBuffers(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.$b64 === 'string') return Buffer.from(record.$b64, 'base64');
  for (const key of Object.keys(record)) {
    const decoded = decodeBuffers(record[key]);
    if (decoded !== record[key]) setOwn(record, key, decoded);
  }
  return record;
}
