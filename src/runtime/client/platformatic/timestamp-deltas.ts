// Exact record timestamps on @platformatic/kafka.
//
// A record stores its timestamp as a signed varlong delta to its batch's first timestamp.
// @platformatic/dynamic-buffer 0.3.1 (the client's buffer, latest release) writes that varlong
// wrong once the delta reaches 2^31 ms (24.9 days): its zigzag shifts by 31 instead of 63 and its
// varint loop stops at 32 bits, so the broker stored a record stamped 07-02 as 04-15. Only the
// record timestamp delta is written through it.
//
// Bounding each send so that no partition's batch spans 2^31 ms (what the runtime did first) cost
// a produce round trip per jump: a task fed by four upstream tasks whose clocks are weeks apart
// jumps at nearly every record, and a live-invoices commit went out in ~140 sends instead of one
// (docs/BENCHMARKS.md, "Exact timestamp deltas"). So the client's `Writer.appendVarInt64` (a
// public export, the one caller) is given an exact encoder, once, only while the library's own
// round trip is wrong, and checked again after: when an upstream release fixes the bug, nothing is
// replaced (and the unit test that pins the bug fails, saying this file can go).
import { createRecordsBatch, readRecordsBatch, Reader, Writer, type MessageRecord } from '@platformatic/kafka';
import { FatalRuntimeError } from '../../errors.ts';

/** Does the client store a batch whose timestamps are 2^40 ms apart, both ways, exactly? */
export function timestampDeltasExact(): boolean {
  const base = 1_780_000_000_000n;
  const stamps = [base, base + 2n ** 40n, base - 2n ** 40n, base + 2n ** 31n];
  const messages: MessageRecord[] = stamps.map((timestamp) => ({ topic: 't', partition: 0, key: Buffer.from('k'), value: Buffer.from('v'), timestamp }));
  const batch = readRecordsBatch(Reader.from(createRecordsBatch(messages).buffer));
  return batch.records.every((r, i) => batch.firstTimestamp + r.timestampDelta === stamps[i]);
}

/** Whether the library wrote deltas exactly before anything here was installed (false on 0.3.1). */
export const upstreamTimestampDeltasExact = timestampDeltasExact();

/** Zigzag varlong of a signed 64-bit value, as Kafka's record format (and Java's ByteUtils) writes it. */
export function varlong(value: bigint): Buffer {
  let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Buffer.from(bytes);
}

// Within ±2^30 the library's 32-bit zigzag varint writes the same bytes, without BigInt work:
// nearly every record's delta is there.
const NARROW = 2n ** 30n;

if (!upstreamTimestampDeltasExact) {
  Writer.prototype.appendVarInt64 = function appendVarInt64(this: Writer, value: bigint, append = true): Writer {
    if (value > -NARROW && value < NARROW) return this.appendVarInt(Number(value), append);
    return append ? this.append(varlong(value)) : this.prepend(varlong(value));
  };
  // Never produce a wrong timestamp silently: a client whose writer this cannot reach stops here.
  if (!timestampDeltasExact()) throw new FatalRuntimeError('@platformatic/kafka writes record timestamp deltas of 2^31 ms or more wrong, and the exact encoder could not be installed');
}
