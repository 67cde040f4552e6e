// One partition of a Fetch response, read as a read_committed consumer reads it: record batches of
// aborted transactions and control batches (transaction markers) are dropped, the rest become the
// runtime's records, and the position moves past everything the response held.
//
// Why our own: @platformatic/kafka 2.12.1 keeps one aborted range per producer id, so a producer
// that wrote committed, aborted, committed, aborted transactions to a partition has its first
// aborted one delivered (reproduced here, docs/BENCHMARKS.md). This follows the Java consumer's
// Fetcher: the response's aborted transactions sorted by first offset; each one is active for its
// producer from its first offset until that producer's ABORT marker; a transactional batch of an
// active producer is dropped whole (a batch belongs to one transaction).
import type { ConsumedRecord } from '../api.ts';

/** A record batch as @platformatic/kafka decodes it (the fields this module reads). */
export interface RawBatch {
  firstOffset: bigint;
  lastOffsetDelta: number;
  attributes: number;
  firstTimestamp: bigint;
  producerId: bigint;
  records: ReadonlyArray<{ timestampDelta: bigint; offsetDelta: number; key: Buffer | null; value: Buffer | null; headers: ReadonlyArray<[Buffer | null, Buffer | null]> }>;
}

/** An aborted transaction as a Fetch response lists it. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;
/** Control record key: version (int16) then type (int16); type 0 = ABORT, 1 = COMMIT. */
const ABORT = 0;

/** What one partition's fetched data gives the consumer. */
export interface ReadPartition {
  records: ConsumedRecord[];
  /** Offset after the last batch the response held (markers and aborted batches included); -1 if it held none. */
  nextOffset: number;
}

/**
 * Records of `batches` visible to a read_committed (or, with `readUncommitted`, any) consumer at
 * or after `fromOffset` (a batch can start before the fetch offset: its earlier records are skipped).
 */
export function readPartition(topic: string, partition: number, fromOffset: number, batches: readonly RawBatch[] | null | undefined, aborted: readonly AbortedTransaction[] | null | undefined, readUncommitted = false): ReadPartition {
  const records: ConsumedRecord[] = [];
  let nextOffset = -1;
  if (!batches || batches.length === 0) return { records, nextOffset };
  const pending = !readUncommitted && aborted && aborted.length > 0 ? [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : [];
  const active = new Set<bigint>();
  let next = 0;
  const from = BigInt(fromOffset);
  for (const batch of batches) {
    const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    nextOffset = Number(lastOffset) + 1;
    if (lastOffset < from) continue;
    const transactional = (batch.attributes & IS_TRANSACTIONAL) !== 0;
    if (transactional) {
      while (next < pending.length && (pending[next] as AbortedTransaction).firstOffset <= lastOffset) active.add((pending[next++] as AbortedTransaction).producerId);
    }
    if ((batch.attributes & IS_CONTROL) !== 0) {
      const key = batch.records[0]?.key;
      if (key && key.length >= 4 && key.readInt16BE(2) === ABORT) active.delete(batch.producerId);
      continue;
    }
    if (transactional && active.has(batch.producerId)) continue;
    const base = Number(batch.firstOffset);
    const baseTime = Number(batch.firstTimestamp);
    for (const r of batch.records) {
      const offset = base + r.offsetDelta;
      if (offset < fromOffset) continue;
      records.push({ topic, partition, offset, key: r.key ?? null, value: r.value ?? null, timestamp: baseTime + Number(r.timestampDelta), headers: toHeaders(r.headers) });
    }
  }
  return { records, nextOffset };
}

function toHeaders(headers: ReadonlyArray<[Buffer | null, Buffer | null]>): Record<string, Buffer | undefined> {
  // No prototype: a header named `__proto__` (any producer may send one) is a header like the
  // others, not the object's prototype (dropped, and a Buffer's indices seen as headers after).
  const out: Record<string, Buffer | undefined> = Object.create(null) as Record<string, Buffer | undefined>;
  if (headers.length === 0) return out;
  // A repeated header keeps the last value, as a Java consumer's lastHeader does.
  for (const [name, value] of headers) if (name) out[name.toString('utf8')] = value ?? undefined;
  return out;
}
