// Splitting a send into chunks under the broker's size limit.
import type { OutgoingRecord } from './api.ts';

/** Splits records into sends of at most `maxBytes` (estimated), so that no partition's record
 * batch exceeds the broker's message.max.bytes (1 MiB by default): a client puts all of one
 * partition's records of a send into one batch. Order is kept. */
export function chunkBySize(records: readonly OutgoingRecord[], maxBytes = 768 * 1024): OutgoingRecord[][] {
  const chunks: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let size = 0;
  for (const r of records) {
    let bytes = 70 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    for (const [name, value] of Object.entries(r.headers ?? {})) bytes += name.length + value.length + 4;
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(r);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
