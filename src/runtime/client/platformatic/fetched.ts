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
//
// The records field is read here, straight from its bytes into a RecordBlock (record-block.ts:
// where each key and value sits, records made only when read): the client's own decoder makes an
// object per record with BigInt varints, and records waiting as objects were about an eighth of
// what survived the young-generation GC in a live run (docs/BENCHMARKS.md). Compressed batches, rare on
// these topics, go through the client's decoder (it has the codecs).
import { Reader, readRecordsBatch } from '@platformatic/kafka';
import { ByteReader } from '../../../engine/serdes/byte-reader.ts';
import { NO_HEADERS, RecordBlock } from '../record-block.ts';

/** An aborted transaction as a Fetch response lists it. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;
const COMPRESSION = 0x07;
/** Control record key: version (int16) then type (int16); type 0 = ABORT, 1 = COMMIT. */
const ABORT = 0;

// Record batch v2 layout: base offset (8), length (4), then from byte 12 the leader epoch (4),
// magic (1), CRC (4), attributes (2) at 21, last offset delta (4) at 23, first timestamp (8) at 27,
// max timestamp (8), producer id (8) at 43, epoch (2), base sequence (4), record count (4) at 57.
const LOG_OVERHEAD = 12;
const HEADER_BYTES = 61;

/** What one partition's fetched data gives the consumer. */
export interface ReadPartition {
  records: RecordBlock;
  /** Offset after the last batch the response held (markers and aborted batches included); -1 if it held none. */
  nextOffset: number;
}

/**
 * Records of the record batches in `data` (a Fetch response's records field) visible to a
 * read_committed (or, with `readUncommitted`, any) consumer at or after `fromOffset` (a batch can
 * start before the fetch offset: its earlier records are skipped). A last batch cut short by the
 * response's size limit is left for the next fetch, as Kafka's consumers do; bytes that are not
 * a whole v2 batch where one starts (a first batch cut short, a corrupt length, an old message
 * format) throw.
 */
export function readPartition(topic: string, partition: number, fromOffset: number, data: Buffer | null | undefined, aborted: readonly AbortedTransaction[] | null | undefined, readUncommitted = false): ReadPartition {
  let nextOffset = -1;
  if (!data || data.length === 0) return { records: new RecordBlock(topic, partition, EMPTY, 1), nextOffset };
  // Sized for records of ~128 bytes; it grows past that.
  const records = new RecordBlock(topic, partition, data, (data.length >> 7) + 16);
  const pending = !readUncommitted && aborted && aborted.length > 0 ? [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : [];
  const active = new Set<bigint>();
  let next = 0;
  for (let start = 0; data.length - start >= LOG_OVERHEAD; ) {
    const end = start + LOG_OVERHEAD + data.readInt32BE(start + 8);
    // A last batch cut short by the response's size limit waits for the next fetch; the first
    // never is (the broker returns it whole, however large: KIP-74), so one cut short is an error,
    // as in Java's consumer, not a position that never moves.
    if (end > data.length && start > 0) break;
    if (end > data.length || end < start + HEADER_BYTES || data[start + 16] !== 2) {
      throw new Error(`fetch ${topic}-${partition} at ${fromOffset}: not a whole v2 record batch at byte ${start} of ${data.length} (length field ${end - start - LOG_OVERHEAD}, magic ${data[start + 16]})`);
    }
    const batch = data.subarray(start, end);
    start = end;
    const firstOffset = Number(batch.readBigInt64BE(0));
    const lastOffset = firstOffset + batch.readInt32BE(23);
    nextOffset = lastOffset + 1;
    if (lastOffset < fromOffset) continue;
    const attributes = batch.readInt16BE(21);
    const producerId = batch.readBigInt64BE(43);
    const transactional = (attributes & IS_TRANSACTIONAL) !== 0;
    if (transactional) {
      while (next < pending.length && Number((pending[next] as AbortedTransaction).firstOffset) <= lastOffset) active.add((pending[next++] as AbortedTransaction).producerId);
    }
    if ((attributes & IS_CONTROL) !== 0) {
      const key = controlKey(batch);
      if (key && key.length >= 4 && key.readInt16BE(2) === ABORT) active.delete(producerId);
      continue;
    }
    if (transactional && active.has(producerId)) continue;
    if ((attributes & COMPRESSION) !== 0) readCompressed(topic, partition, fromOffset, batch, records);
    else readRecords(topic, partition, fromOffset, data, batch.byteOffset - data.byteOffset, batch, records);
  }
  return { records, nextOffset };
}

const EMPTY = Buffer.alloc(0);

// The batch being read (reading is synchronous).
const rd = new ByteReader('record batch');

// Where each record's key and value are (positions in `data`, which holds `batch` at `batchStart`):
// the block makes the record when it is read.
function readRecords(topic: string, partition: number, fromOffset: number, data: Buffer, batchStart: number, batch: Buffer, out: RecordBlock): void {
  const base = Number(batch.readBigInt64BE(0));
  const baseTime = Number(batch.readBigInt64BE(27));
  const count = batch.readInt32BE(57);
  rd.reset(batch, HEADER_BYTES);
  for (let i = 0; i < count; i++) {
    const length = rd.zigzag();
    const end = rd.pos + length;
    rd.pos += 1; // record attributes: unused
    const timestamp = baseTime + rd.zigzag();
    const offset = base + rd.zigzag();
    const keyLength = rd.skipBytes();
    const keyStart = rd.pos - Math.max(0, keyLength);
    const valueLength = rd.skipBytes();
    const valueStart = rd.pos - Math.max(0, valueLength);
    const headerCount = rd.zigzag();
    // No prototype: a header named `__proto__` (any producer may send one) is a header like the
    // others, not the object's prototype. A repeated header keeps the last value, as a Java
    // consumer's lastHeader does. Most records have none: the block gives them NO_HEADERS.
    let headers: Record<string, Buffer | undefined> | undefined;
    if (headerCount > 0) {
      headers = Object.create(null) as Record<string, Buffer | undefined>;
      for (let h = 0; h < headerCount; h++) {
        const name = rd.bytes();
        const headerValue = rd.bytes();
        if (name) headers[name.toString('utf8')] = headerValue ?? undefined;
      }
    }
    if (rd.pos !== end) throw new Error(`record batch: record ${i} of ${topic}-${partition} is ${length} bytes long, its fields ${length + rd.pos - end}`);
    if (offset >= fromOffset) out.add(offset, timestamp, batchStart + keyStart, keyLength, batchStart + valueStart, valueLength, headers);
  }
}

// The first record's key of a control batch (the marker's type).
function controlKey(batch: Buffer): Buffer | null {
  if (batch.readInt32BE(57) < 1) return null;
  rd.reset(batch, HEADER_BYTES);
  rd.zigzag(); // length
  rd.pos += 1; // attributes
  rd.zigzag(); // timestamp delta
  rd.zigzag(); // offset delta
  return rd.bytes();
}

function readCompressed(topic: string, partition: number, fromOffset: number, batch: Buffer, out: RecordBlock): void {
  const decoded = readRecordsBatch(Reader.from(batch));
  const base = Number(decoded.firstOffset);
  const baseTime = Number(decoded.firstTimestamp);
  for (const r of decoded.records) {
    const offset = base + r.offsetDelta;
    if (offset < fromOffset) continue;
    out.addDecoded({ topic, partition, offset, key: r.key ?? null, value: r.value ?? null, timestamp: baseTime + Number(r.timestampDelta), headers: toHeaders(r.headers) });
  }
}

function toHeaders(headers: ReadonlyArray<[Buffer | null, Buffer | null]>): Record<string, Buffer | undefined> {
  // As readRecords builds them (no prototype; the last of a repeated header).
  if (headers.length === 0) return NO_HEADERS;
  const out: Record<string, Buffer | undefined> = Object.create(null) as Record<string, Buffer | undefined>;
  // A repeated header keeps the last value, as a Java consumer's lastHeader does.
  for (const [name, value] of headers) if (name) out[name.toString('utf8')] = value ?? undefined;
  return out;
}
