// Kafka's record batch (magic v2, uncompressed), encoded straight into one Buffer per partition.
//
// Why not the client's `createRecordsBatch`: it builds every record in a growable buffer of its
// own (a dozen tiny Buffers per record), concatenates them once for the CRC and again for the
// request, and does its varlongs in BigInt; that was ~10 % of a live input record's CPU
// (docs/BENCHMARKS.md, "Produce encoding"). Here sizes are computed first and every byte is written
// once, through the engine's ByteWriter (its zigzag varint is Avro's long and Kafka's varlong).
// Timestamp deltas are exact for any millisecond timestamp a JavaScript Date holds (the client's
// own writer got deltas of 2^31 ms and more wrong).
import { crc32c } from '@platformatic/kafka';
import { ByteWriter, zigzagSize } from '../../../engine/serdes/byte-writer.ts';
import type { OutgoingRecord } from '../api.ts';

/** Who writes the batch: the idempotent or transactional producer's identity and the partition's sequence. */
export interface BatchProducer {
  producerId: bigint;
  producerEpoch: number;
  /** Sequence number of the batch's first record in its partition. */
  baseSequence: number;
  transactional: boolean;
}

const HEADER_BYTES = 61; // baseOffset … records count
const CRC_FROM = 21; // the CRC covers attributes … end
const TRANSACTIONAL = 0x10;
const NO_PARTITION_LEADER_EPOCH = -1;

/** One partition's records as a v2 record batch (what a Produce request carries for it). */
export function encodeRecordBatch(records: readonly OutgoingRecord[], producer: BatchProducer, now = Date.now()): Buffer {
  const count = records.length;
  if (count === 0) throw new Error('encodeRecordBatch: no records');
  const base = timestampOf(records[0]!, now);
  let max = base;
  const bodies = new Array<number>(count);
  let size = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    const ts = timestampOf(r, now);
    if (ts > max) max = ts;
    const body = recordBodySize(r, ts - base, i);
    bodies[i] = body;
    size += zigzagSize(body) + body;
  }
  // Sized exactly, plus the 10 bytes a varint asks room for: the writer never grows.
  const w = new ByteWriter(size + 10);
  const out = w.buf;
  out.writeBigInt64BE(0n, 0); // base offset: the broker assigns it
  out.writeInt32BE(size - 12, 8); // batch length: after the offset and this field
  out.writeInt32BE(NO_PARTITION_LEADER_EPOCH, 12);
  out.writeInt8(2, 16); // magic
  out.writeInt16BE(producer.transactional ? TRANSACTIONAL : 0, 21);
  out.writeInt32BE(count - 1, 23); // last offset delta
  out.writeBigInt64BE(BigInt(base), 27);
  out.writeBigInt64BE(BigInt(max), 35);
  out.writeBigInt64BE(producer.producerId, 43);
  out.writeInt16BE(producer.producerEpoch, 51);
  out.writeInt32BE(producer.baseSequence, 53);
  out.writeInt32BE(count, 57);
  w.pos = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    w.zigzag(bodies[i]!);
    w.u8(0); // record attributes: unused
    w.zigzag(timestampOf(r, now) - base);
    w.zigzag(i); // offset delta
    writeBytes(w, r.key);
    writeBytes(w, r.value);
    const headers = r.headers;
    if (headers === undefined) w.u8(0); // no headers: a zero count
    else {
      w.zigzag(Object.keys(headers).length);
      for (const name in headers) {
        const value = headers[name]!;
        writeString(w, name);
        if (typeof value === 'string') writeString(w, value);
        else writeBytes(w, value);
      }
    }
  }
  if (w.pos !== size || w.buf !== out) throw new Error(`encodeRecordBatch: wrote ${w.pos} bytes of ${size}`);
  const batch = out.subarray(0, size);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_FROM)), 17);
  return batch;
}

/** The next sequence after `count` records from `sequence` (it wraps at 2^31 - 1, as Java's). */
export function nextSequence(sequence: number, count: number): number {
  return sequence > 0x7fffffff - count ? count - (0x7fffffff - sequence) - 1 : sequence + count;
}

/** The largest double below 2^63: the latest timestamp a Kafka long holds, as a number. */
const MAX_TIMESTAMP = 2 ** 63 - 1024;

// Whole milliseconds, as the protocol stores them. A time beyond a long (an input record stamped
// Long.MAX_VALUE is 2^63 as a number) is clamped: it must never fail a send, which would fail the
// commit again at every restart of its task.
function timestampOf(r: OutgoingRecord, now: number): number {
  const ts = r.timestamp;
  if (ts === undefined || Number.isNaN(ts)) return now;
  return Math.max(-MAX_TIMESTAMP, Math.min(MAX_TIMESTAMP, Math.floor(ts)));
}

function recordBodySize(r: OutgoingRecord, timestampDelta: number, offsetDelta: number): number {
  let size = 1 + zigzagSize(timestampDelta) + zigzagSize(offsetDelta) + bytesSize(r.key) + bytesSize(r.value);
  const headers = r.headers;
  if (headers === undefined) return size + 1;
  size += zigzagSize(Object.keys(headers).length);
  for (const name in headers) {
    const value = headers[name]!;
    size += stringSize(name);
    size += typeof value === 'string' ? stringSize(value) : bytesSize(value);
  }
  return size;
}

function bytesSize(bytes: Buffer | null): number {
  return bytes === null ? 1 : zigzagSize(bytes.length) + bytes.length;
}

function stringSize(text: string): number {
  const n = Buffer.byteLength(text, 'utf8');
  return zigzagSize(n) + n;
}

// Kafka's record fields use zigzag varints for lengths too (-1: null).
function writeBytes(w: ByteWriter, bytes: Buffer | null): void {
  if (bytes === null) return w.zigzag(-1);
  w.zigzag(bytes.length);
  w.bytes(bytes);
}

function writeString(w: ByteWriter, text: string): void {
  const n = Buffer.byteLength(text, 'utf8');
  w.zigzag(n);
  w.pos += w.buf.write(text, w.pos, 'utf8');
}
