// Splitting a send into chunks, for every client library: under the broker's size limit, and with
// each partition's timestamps close enough to the first of its batch for the client to encode.
import type { OutgoingRecord } from './api.ts';

interface Chunk {
  records: OutgoingRecord[];
  bytes: number;
  /** First timestamp of each partition's records in the chunk (its record batch's base). */
  firsts: Map<string, number>;
}

/**
 * Splits records into sends of at most `maxBytes` (estimated), so that no partition's record batch
 * exceeds the broker's message.max.bytes (1 MiB by default): a client puts all of one partition's
 * records of a send into one batch. With `maxTimestampDeltaMs`, each record's timestamp also stays
 * within that distance of the first timestamp of its partition's records in the chunk (the batch's
 * base, to which the record's delta is written); a record without one counts as now (the client
 * stamps it so). Records go to the earliest chunk that takes them after their partition's previous
 * record, so each partition's order is kept and a partition whose timestamps jump back and forth
 * costs chunks of its own only, not every partition's. The partition of a record is `partition`;
 * records without one are grouped by topic (give them one when timestamps are bounded).
 */
export function chunkBySize(records: readonly OutgoingRecord[], maxBytes = 768 * 1024, maxTimestampDeltaMs = Infinity): OutgoingRecord[][] {
  const chunks: Chunk[] = [];
  const lastChunkOf = new Map<string, number>();
  const now = Date.now();
  for (const r of records) {
    let bytes = 70 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    for (const [name, value] of Object.entries(r.headers ?? {})) bytes += name.length + value.length + 4;
    const ts = r.timestamp ?? now;
    const partition = r.partition === undefined ? r.topic : `${r.topic}\u0000${r.partition}`;
    let index = lastChunkOf.get(partition) ?? 0;
    for (;; index++) {
      const chunk = chunks[index];
      if (chunk === undefined || chunk.records.length === 0) break;
      const first = chunk.firsts.get(partition);
      if (chunk.bytes + bytes <= maxBytes && (first === undefined || Math.abs(ts - first) <= maxTimestampDeltaMs)) break;
    }
    const chunk = (chunks[index] ??= { records: [], bytes: 0, firsts: new Map() });
    chunk.records.push(r);
    chunk.bytes += bytes;
    if (!chunk.firsts.has(partition)) chunk.firsts.set(partition, ts);
    lastChunkOf.set(partition, index);
  }
  return chunks.map((c) => c.records);
}
