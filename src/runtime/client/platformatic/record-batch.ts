// Kafka's record batch (magic v2, uncompressed), encoded straight into one Buffer per partition.
//
// Why not the client's `createRecordsBatch`: it builds every record in a growable buffer of its
// own (a dozen tiny Buffers per record), concatenates them once for the CRC and again for the
// request, and does its varlongs in BigInt; that was ~10 % of a live input record's CPU
// (docs/BENCHMARKS.md, "Produce encoding"). Here sizes are computed first and every byte is written
// once. Timestamp deltas are exact for any millisecond timestamp a JavaScript Date holds (the
// client's own writer got deltas of 2^31 ms and more wrong).
import { crc32c } from '@platformatic/kafka';
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
    size += varintSize(body) + body;
  }
  const out = Buffer.allocUnsafe(size);
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
  let o = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const r = records[i]!;
    o = writeVarint(out, o, bodies[i]!);
    out[o++] = 0; // record attributes: unused
    o = writeVarlong(out, o, timestampOf(r, now) - base);
    o = writeVarint(out, o, i);
    o = writeBytes(out, o, r.key);
    o = writeBytes(out, o, r.value);
    const headers = r.headers;
    if (headers === undefined) out[o++] = 0; // no headers: a zero count
    else {
      o = writeVarint(out, o, Object.keys(headers).length);
      for (const name in headers) {
        const value = headers[name]!;
        o = writeString(out, o, name);
        o = typeof value === 'string' ? writeString(out, o, value) : writeBytes(out, o, value);
      }
    }
  }
  out.writeUInt32BE(crc32c(out.subarray(CRC_FROM)), 17);
  return out;
}

/** The next sequence after `count` records from `sequence` (it wraps at 2^31 - 1, as Java's). */
export function nextSequence(sequence: number, count: number): number {
  return sequence > 0x7fffffff - count ? count - (0x7fffffff - sequence) - 1 : sequence + count;
}

// Whole milliseconds, as the protocol stores them.
function timestampOf(r: OutgoingRecord, now: number): number {
  return r.timestamp === undefined ? now : Math.floor(r.timestamp);
}

function recordBodySize(r: OutgoingRecord, timestampDelta: number, offsetDelta: number): number {
  let size = 1 + varlongSize(timestampDelta) + varintSize(offsetDelta) + bytesSize(r.key) + bytesSize(r.value);
  const headers = r.headers;
  if (headers === undefined) return size + 1;
  size += varintSize(Object.keys(headers).length);
  for (const name in headers) {
    const value = headers[name]!;
    size += stringSize(name);
    size += typeof value === 'string' ? stringSize(value) : bytesSize(value);
  }
  return size;
}

function bytesSize(bytes: Buffer | null): number {
  return bytes === null ? 1 : varintSize(bytes.length) + bytes.length;
}

function stringSize(text: string): number {
  const n = Buffer.byteLength(text, 'utf8');
  return varintSize(n) + n;
}

function writeBytes(out: Buffer, o: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarint(out, o, -1);
  o = writeVarint(out, o, bytes.length);
  bytes.copy(out, o);
  return o + bytes.length;
}

function writeString(out: Buffer, o: number, text: string): number {
  const n = Buffer.byteLength(text, 'utf8');
  o = writeVarint(out, o, n);
  out.write(text, o, 'utf8');
  return o + n;
}

// Kafka's varint and varlong are zigzag: small magnitudes of either sign take few bytes.

/** Bytes of a zigzag varint of a 32-bit signed value. */
export function varintSize(value: number): number {
  let z = ((value << 1) ^ (value >> 31)) >>> 0;
  let n = 1;
  while (z >= 0x80) {
    z >>>= 7;
    n++;
  }
  return n;
}

function writeVarint(out: Buffer, o: number, value: number): number {
  let z = ((value << 1) ^ (value >> 31)) >>> 0;
  while (z >= 0x80) {
    out[o++] = (z & 0x7f) | 0x80;
    z >>>= 7;
  }
  out[o++] = z;
  return o;
}

// A timestamp delta is an integer number of milliseconds. Below 2^52 in magnitude (±142,000
// years, far beyond an ISO date's ±10,000) its zigzag is exact in a double, written by division
// (shifts are 32-bit); a larger one (a hostile record timestamp) takes the BigInt path.
const EXACT_DOUBLE_ZIGZAG = 2 ** 52;

/** Bytes of a zigzag varlong of an integer delta. */
export function varlongSize(delta: number): number {
  if (Math.abs(delta) >= EXACT_DOUBLE_ZIGZAG) return bigVarlong(delta).length;
  let z = delta >= 0 ? delta * 2 : -delta * 2 - 1;
  let n = 1;
  while (z >= 0x80) {
    z = Math.floor(z / 0x80);
    n++;
  }
  return n;
}

function writeVarlong(out: Buffer, o: number, delta: number): number {
  if (delta >= -0x40000000 && delta < 0x40000000) return writeVarint(out, o, delta);
  if (Math.abs(delta) >= EXACT_DOUBLE_ZIGZAG) {
    for (const byte of bigVarlong(delta)) out[o++] = byte;
    return o;
  }
  let z = delta >= 0 ? delta * 2 : -delta * 2 - 1;
  while (z >= 0x80) {
    out[o++] = (z % 0x80) | 0x80;
    z = Math.floor(z / 0x80);
  }
  out[o++] = z;
  return o;
}

/** The zigzag varlong of any delta, wrapped to 64 bits as Java's long arithmetic would. */
export function bigVarlong(delta: number): number[] {
  const v = BigInt.asIntN(64, BigInt(delta));
  let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  const bytes: number[] = [];
  while (z >= 0x80n) {
    bytes.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  bytes.push(Number(z));
  return bytes;
}
