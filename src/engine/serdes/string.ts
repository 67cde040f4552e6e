// String and raw-bytes serdes.
import type { Serde } from './api.ts';

/** UTF-8 strings; null stays null. */
export function stringSerde(): Serde<string | null> {
  return {
    serialize: (_topic, data) => (data === null ? null : Buffer.from(data, 'utf8')),
    deserialize: (_topic, data) => (data === null ? null : data.toString('utf8')),
  };
}

/** Bytes as they are (the replay's values, dead letters). */
export function bytesSerde(): Serde<Buffer | null> {
  return {
    serialize: (_topic, data) => data,
    deserialize: (_topic, data) => data,
  };
}
