// JSON serdes. `jsonSerde()` trusts its input (stores, internal topics); `zodJsonSerde` (in
// zod-json.ts) validates what comes from outside.
import { DeserializationError, type Serde } from './api.ts';

/** UTF-8 JSON without validation; a null value stays null (a tombstone). */
export function jsonSerde<T>(): Serde<T> {
  return {
    serialize: (_topic, data) => (data === null || data === undefined ? null : Buffer.from(JSON.stringify(data), 'utf8')),
    deserialize: (_topic, data) => {
      if (data === null) return null as T;
      try {
        return JSON.parse(data.toString('utf8')) as T;
      } catch (error) {
        throw new DeserializationError('invalid_json', error instanceof Error ? error.message : String(error), data, { cause: error });
      }
    },
  };
}
