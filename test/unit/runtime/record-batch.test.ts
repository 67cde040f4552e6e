// Our record batch encoder (src/runtime/client/platformatic/record-batch.ts) against the client
// library's decoder and encoder: the same bytes where the library's encoder is right, exact
// timestamps where it is not, and Java's partitioner.
import { compatibilityPartitioner, crc32c, createRecordsBatch, readRecordsBatch, Reader, type MessageRecord } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { rng } from '../../../bench/lib.ts';
import type { OutgoingRecord } from '../../../src/runtime/client/api.ts';
import { partitionForBytes } from '../../../src/runtime/client/partitioner.ts';
import { ByteWriter, zigzagSize } from '../../../src/engine/serdes/byte-writer.ts';
import { encodeRecordBatch, nextSequence } from '../../../src/runtime/client/platformatic/record-batch.ts';
import { zigzagVarintHex } from '../support/avro-long.ts';

const producer = { producerId: 4242n, producerEpoch: 7, baseSequence: 1000, transactional: true };
const decode = (bytes: Buffer) => readRecordsBatch(Reader.from(bytes));
const at = (ms: number, i = 0): OutgoingRecord => ({ topic: 't', key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: ms });

describe('encodeRecordBatch', () => {
  it('writes the bytes the client library writes for the same batch (bar the leader epoch, -1 as Java sends it)', () => {
    const random = rng(7);
    const records: OutgoingRecord[] = Array.from({ length: 300 }, (_, i) => ({
      topic: 't',
      key: i % 7 === 0 ? null : Buffer.from(`key-${Math.floor(random() * 1e9)}`),
      value: i % 11 === 0 ? null : Buffer.alloc(Math.floor(random() * 300), i),
      timestamp: 1_780_000_000_000 + Math.floor(random() * 1e9) - 5e8,
      ...(i % 5 === 0 ? { headers: { reason: 'schema_violation', raw: Buffer.from([0, 255, i & 255]) } } : {}),
    }));
    const ours = encodeRecordBatch(records, producer);
    const messages: MessageRecord[] = records.map((r) => ({
      topic: r.topic, partition: 0, key: r.key as Buffer, value: r.value as Buffer, timestamp: BigInt(r.timestamp as number),
      headers: new Map(Object.entries(r.headers ?? {}).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
    }));
    const theirs = Buffer.from(createRecordsBatch(messages, { producerId: 4242n, producerEpoch: 7, sequences: { getWithDefault: () => 1000 } as never, transactionalId: 'x' }).buffer);
    theirs.writeInt32BE(-1, 12);
    expect(ours.equals(theirs)).toBe(true);
  });

  it('keeps every timestamp of a batch spanning months or millennia (the client writes deltas of 2^31 ms or more wrong)', () => {
    const DAY = 86_400_000;
    const first = Date.parse('2026-05-24T01:02:06.894Z');
    const stamps = [
      first, Date.parse('2026-07-02T01:04:15.182Z'),
      ...Array.from({ length: 20 }, (_, i) => first + (i % 2 === 0 ? -90 : 90) * i * DAY),
      Date.parse('0001-01-01T00:00:00Z'), Date.parse('9999-12-31T23:59:59.999Z'), 0, -1,
    ];
    const batch = decode(encodeRecordBatch(stamps.map((ms, i) => at(ms, i)), producer));
    expect(batch.records.map((r) => Number(batch.firstTimestamp + r.timestampDelta))).toEqual(stamps);
    expect(batch.maxTimestamp).toBe(BigInt(Math.max(...stamps)));
    expect(batch.records.map((r) => r.key?.toString())).toEqual(stamps.map((_, i) => `k${i}`));
  });

  it('carries the producer identity, the sequence, the transactional flag and a CRC-32C over attributes … end', () => {
    const bytes = encodeRecordBatch([at(1), at(2, 1)], { producerId: 9n, producerEpoch: 3, baseSequence: 55, transactional: false });
    const batch = decode(bytes);
    expect([batch.producerId, batch.producerEpoch, batch.firstSequence, batch.attributes, batch.lastOffsetDelta, batch.magic]).toEqual([9n, 3, 55, 0, 1, 2]);
    expect(batch.crc).toBe(crc32c(bytes.subarray(21)));
    expect(decode(encodeRecordBatch([at(1)], producer)).attributes & 0x10).toBe(0x10);
    expect(bytes.readInt32BE(8)).toBe(bytes.length - 12);
  });

  it('writes whole milliseconds and a record without a timestamp at `now`', () => {
    const batch = decode(encodeRecordBatch([{ topic: 't', key: null, value: null, timestamp: 10.9 }, { topic: 't', key: null, value: null }], producer, 50));
    expect(batch.records.map((r) => Number(batch.firstTimestamp + r.timestampDelta))).toEqual([10, 50]);
    expect(batch.records[0]!.key).toBeNull();
  });
});

describe('varlongs and sequences', () => {
  it('the zigzag writer sizes and writes Kafka\'s varlong (Avro\'s long) on all three paths, as a BigInt reference computes it', () => {
    for (const v of [0, -1, 1, 63, 64, -64, -65, 2 ** 30 - 1, -(2 ** 30), 2 ** 30, -(2 ** 30) - 1, 2 ** 31, 2 ** 40 + 3, -(2 ** 40) - 3, 2 ** 52 - 1, -(2 ** 52) + 1, 2 ** 52, -(2 ** 60), 2 ** 63]) {
      const w = new ByteWriter(1);
      w.zigzag(v);
      expect(Buffer.from(w.view()).toString('hex'), String(v)).toBe(zigzagVarintHex(BigInt.asIntN(64, BigInt(v))));
      expect(zigzagSize(v), String(v)).toBe(w.pos);
      if (Math.abs(v) >= 2 ** 62) continue;
      const batch = decode(encodeRecordBatch([at(0), at(v)], producer));
      expect(batch.records[1]!.timestampDelta).toBe(BigInt(v));
    }
  });

  it('clamps a timestamp beyond a Kafka long (Long.MAX_VALUE read as a number is 2^63) instead of failing the send', () => {
    const batch = decode(encodeRecordBatch([at(0), at(2 ** 63), at(-Infinity), at(Number.NaN)], producer, 7));
    expect(batch.records.map((r) => batch.firstTimestamp + r.timestampDelta)).toEqual([0n, BigInt(2 ** 63 - 1024), -BigInt(2 ** 63 - 1024), 7n]);
  });

  it('sequences wrap at 2^31 - 1 as Java\'s producer wraps them', () => {
    expect(nextSequence(0, 5)).toBe(5);
    expect(nextSequence(0x7fffffff - 5, 5)).toBe(0x7fffffff);
    expect(nextSequence(0x7fffffff - 5, 6)).toBe(0);
    expect(nextSequence(0x7fffffff, 10)).toBe(9);
  });
});

describe('partitionForBytes', () => {
  it('picks the partition the client\'s Java-compatible partitioner picks', () => {
    const random = rng(3);
    for (let i = 0; i < 2000; i++) {
      const key = Buffer.from(Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
      const partitions = 1 + Math.floor(random() * 64);
      expect(partitionForBytes(key, partitions)).toBe(compatibilityPartitioner(0 as never, key) % partitions);
    }
  });
});
