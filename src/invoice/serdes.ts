// Serdes of the invoice pipeline's Kafka topics (live mode). In-process runs (replay, test
// driver) pass objects through and need none of these.
import type { Serde } from '../engine/index.ts';

/**
 * JSON for internal topics (repartitions): Buffers (the original key and bytes a dead letter
 * needs) travel as `{"$b64": "..."}` and come back as Buffers.
 */
export function internalJsonSerde<T>(): Serde<T> {
  return {
    serialize: (_topic, data) =>
      data === null || data === undefined
        ? null
        : Buffer.from(JSON.stringify(data, function (this: Record<string, unknown>, key, value: unknown) {
          const raw = this[key];
          return Buffer.isBuffer(raw) ? { $b64: raw.toString('base64') } : value;
        }), 'utf8'),
    deserialize: (_topic, data) =>
      data === null
        ? (null as T)
        : (JSON.parse(data.toString('utf8'), (_key, value: unknown) => {
          if (value !== null && typeof value === 'object' && typeof (value as { $b64?: unknown }).$b64 === 'string') {
            return Buffer.from((value as { $b64: string }).$b64, 'base64');
          }
          return value;
        }) as T),
  };
}
