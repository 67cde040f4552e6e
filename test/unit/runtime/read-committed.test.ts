// The read_committed filter and record decoder of the @platformatic/kafka client
// (src/runtime/client/platformatic/fetched.ts), on record batches written byte by byte here as the
// broker returns them (an encoder of the test's own, not the producer's), and on batches the
// client's own encoder wrote, compressed ones included.
import { createRecordsBatch, readRecordsBatches, Reader } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { readPartition } from '../../../src/runtime/client/platformatic/fetched.ts';
import { toOutgoing } from '../../../src/runtime/task/records.ts';
import type { ProducedRecord } from '../../../src/engine/processor/internals/records.ts';

const TXN = 1 << 4;
const CONTROL = 1 << 5;

interface TestRecord {
  timestampDelta: number;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<[Buffer | null, Buffer | null]>;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  while (z >= 0x80) {
    out.push((z % 128) | 0x80);
    z = Math.floor(z / 128);
  }
  out.push(z);
  return Buffer.from(out);
}

const field = (b: Buffer | null): Buffer => (b === null ? varint(-1) : Buffer.concat([varint(b.length), b]));

/** A v2 record batch: the 61-byte header, then each record with its varint length (CRC left 0: readers here do not check it). */
function batchBytes(firstOffset: number, attributes: number, producerId: bigint, records: TestRecord[], firstTimestamp = 1_000): Buffer {
  const bodies = records.map((r) => {
    const body = Buffer.concat([Buffer.from([0]), varint(r.timestampDelta), varint(r.offsetDelta), field(r.key), field(r.value), varint(r.headers.length), ...r.headers.flatMap(([k, v]) => [field(k), field(v)])]);
    return Buffer.concat([varint(body.length), body]);
  });
  const header = Buffer.alloc(61);
  header.writeBigInt64BE(BigInt(firstOffset), 0);
  header.writeInt32BE(61 - 12 + bodies.reduce((n, b) => n + b.length, 0), 8);
  header.writeInt8(2, 16);
  header.writeInt16BE(attributes, 21);
  header.writeInt32BE(Math.max(0, ...records.map((r) => r.offsetDelta)), 23);
  header.writeBigInt64BE(BigInt(firstTimestamp), 27);
  header.writeBigInt64BE(producerId, 43);
  header.writeInt32BE(records.length, 57);
  return Buffer.concat([header, ...bodies]);
}

/** A data batch of `count` records from `first`, keys `k<offset>`, values `v<offset>`. */
function data(first: number, count: number, producerId: bigint, transactional = true): Buffer {
  return batchBytes(first, transactional ? TXN : 0, producerId, Array.from({ length: count }, (_, i) => ({ timestampDelta: i, offsetDelta: i, key: Buffer.from(`k${first + i}`), value: Buffer.from(`v${first + i}`), headers: [] })));
}

/** A transaction marker at `offset`: ABORT (type 0) or COMMIT (type 1). */
function marker(offset: number, producerId: bigint, type: 0 | 1): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return batchBytes(offset, TXN | CONTROL, producerId, [{ timestampDelta: 0, offsetDelta: 0, key, value: Buffer.alloc(6), headers: [] }]);
}

const values = (r: ReturnType<typeof readPartition>): string[] => Array.from(r.records, (x) => String(x.value));

describe('readPartition (read_committed)', () => {
  it('drops every aborted transaction of a producer that alternates commit and abort', () => {
    // One producer: committed [0,1] C@2, aborted [3,4] A@5, committed [6] C@7, aborted [8,9] A@10.
    const batches = [data(0, 2, 7n), marker(2, 7n, 1), data(3, 2, 7n), marker(5, 7n, 0), data(6, 1, 7n), marker(7, 7n, 1), data(8, 2, 7n), marker(10, 7n, 0)];
    const aborted = [{ producerId: 7n, firstOffset: 8n }, { producerId: 7n, firstOffset: 3n }];
    const read = readPartition('t', 0, 0, Buffer.concat(batches), aborted);
    expect(values(read)).toEqual(['v0', 'v1', 'v6']);
    expect(read.nextOffset).toBe(11);
  });

  it('keeps other producers while one of them is aborting (interleaved transactions)', () => {
    const batches = [data(0, 1, 1n), data(1, 1, 2n), data(2, 1, 1n), marker(3, 2n, 1), marker(4, 1n, 0)];
    const read = readPartition('t', 0, 0, Buffer.concat(batches), [{ producerId: 1n, firstOffset: 0n }]);
    expect(values(read)).toEqual(['v1']);
  });

  it('drops an aborted transaction whose marker is not in this response', () => {
    const read = readPartition('t', 0, 0, Buffer.concat([data(0, 1, 1n, false), data(1, 3, 5n)]), [{ producerId: 5n, firstOffset: 1n }]);
    expect(values(read)).toEqual(['v0']);
    expect(read.nextOffset).toBe(4);
  });

  it('drops an aborted transaction that began before the fetch offset', () => {
    const read = readPartition('t', 0, 12, Buffer.concat([data(12, 2, 9n), marker(14, 9n, 0), data(15, 1, 3n, false)]), [{ producerId: 9n, firstOffset: 10n }]);
    expect(values(read)).toEqual(['v15']);
  });

  it('skips records before the fetch offset inside a batch, and markers always', () => {
    const read = readPartition('t', 0, 2, Buffer.concat([data(0, 4, 1n), marker(4, 1n, 1)]), []);
    expect(values(read)).toEqual(['v2', 'v3']);
    expect(read.records.at(0)).toMatchObject({ topic: 't', partition: 0, offset: 2, timestamp: 1_002 });
    expect(read.nextOffset).toBe(5);
  });

  it('reports a marker-only response as a position without records', () => {
    const read = readPartition('t', 3, 5, Buffer.concat([marker(5, 1n, 1)]), null);
    expect(read.records.length).toBe(0);
    expect(read.nextOffset).toBe(6);
  });

  it('returns aborted records to a read_uncommitted consumer', () => {
    const read = readPartition('t', 0, 0, Buffer.concat([data(0, 2, 4n), marker(2, 4n, 0)]), [{ producerId: 4n, firstOffset: 0n }], true);
    expect(values(read)).toEqual(['v0', 'v1']);
  });

  it('keeps the last value of a repeated header', () => {
    const batch = batchBytes(0, 0, 1n, [{ timestampDelta: 0, offsetDelta: 0, key: null, value: Buffer.from('v'), headers: [[Buffer.from('h'), Buffer.from('a')], [Buffer.from('h'), Buffer.from('b')]] }]);
    expect(String(readPartition('t', 0, 0, Buffer.concat([batch]), null).records.at(0)?.headers.h)).toBe('b');
  });
});

describe('readPartition headers', () => {
  it('gives records without headers one shared empty object that nothing can write to', () => {
    const plain = (offsetDelta: number): TestRecord => ({ timestampDelta: 0, offsetDelta, key: null, value: Buffer.from('v'), headers: [] });
    const withHeader: TestRecord = { timestampDelta: 0, offsetDelta: 2, key: null, value: Buffer.from('v'), headers: [[Buffer.from('a'), Buffer.from('b')]] };
    const [first, second, third] = readPartition('t', 0, 0, batchBytes(0, 0, -1n, [plain(0), plain(1), withHeader]), null).records;
    expect(first?.headers).toBe(second?.headers);
    expect(Object.keys(first?.headers ?? { x: 1 })).toEqual([]);
    expect(() => ((first as { headers: Record<string, Buffer | undefined> }).headers.x = Buffer.from('y'))).toThrow(TypeError);
    expect(Object.keys(third?.headers ?? {})).toEqual(['a']);
    expect(third?.headers).not.toBe(first?.headers);
  });

  it('keeps a header named __proto__ as a header, through to the record produced from it', () => {
    const batch = batchBytes(0, 0, -1n, [{ timestampDelta: 0, offsetDelta: 0, key: null, value: Buffer.from('v'), headers: [[Buffer.from('__proto__'), Buffer.from('xy')], [Buffer.from('a'), Buffer.from('b')]] }]);
    const [record] = readPartition('t', 0, 0, Buffer.concat([batch]), []).records;
    expect(Object.keys(record?.headers ?? {})).toEqual(['__proto__', 'a']);
    expect(record?.headers['__proto__']).toEqual(Buffer.from('xy'));
    // Forwarded as it came (a dead letter, a pass-through topology): the same two headers go out.
    const out = toOutgoing({ topic: 'in', key: null, value: Buffer.from('v'), headers: record?.headers, timestamp: 1 } as ProducedRecord, 'out');
    expect(Object.entries(out.headers ?? {})).toEqual([['__proto__', Buffer.from('xy')], ['a', Buffer.from('b')]]);
  });
});

describe('readPartition decoding', () => {
  const messages = Array.from({ length: 50 }, (_, i) => ({
    topic: 't', partition: 0,
    key: i % 7 === 0 ? undefined : Buffer.from(`key-${i}`),
    value: i % 11 === 0 ? undefined : Buffer.from('é'.repeat(i * 3)),
    // Deltas past 2^31 ms and before the first record's time.
    timestamp: BigInt(1_700_000_000_000 + (i % 5 === 0 ? -(2 ** 33) : i * 2 ** 28)),
    headers: i % 3 === 0 ? new Map([[Buffer.from('h1'), Buffer.from(`x${i}`)], [Buffer.from('h2'), Buffer.from('')]]) : undefined,
  }));

  // What the client's own decoder reads from the same bytes, as the runtime's records.
  function expected(bytes: Buffer, firstOffset: number) {
    return readRecordsBatches(Reader.from(bytes)).flatMap((b) => b.records.map((r) => ({
      offset: firstOffset + r.offsetDelta,
      key: r.key ?? null,
      value: r.value,
      timestamp: Number(b.firstTimestamp + r.timestampDelta),
      headers: Object.fromEntries(r.headers.map(([k, v]) => [String(k), v])),
    })));
  }

  for (const compression of ['none', 'gzip'] as const) {
    it(`reads what the client's encoder wrote (${compression}) as the client's decoder does`, () => {
      const bytes = createRecordsBatch(messages.map((m) => ({ ...m })) as never, { compression, producerId: -1n, producerEpoch: -1 }).buffer;
      // The broker assigns offsets: this batch sits at offset 1,000.
      bytes.writeBigInt64BE(1_000n, 0);
      const read = readPartition('t', 0, 0, bytes, null);
      expect(read.nextOffset).toBe(1_050);
      expect(Array.from(read.records, (r) => ({ offset: r.offset, key: r.key, value: r.value, timestamp: r.timestamp, headers: { ...r.headers } }))).toEqual(expected(bytes, 1_000));
      expect(read.records.at(1)?.key).toEqual(Buffer.from('key-1'));
      expect(read.records.at(0)?.key).toBeNull();
    });
  }

  it('leaves a last batch the response cut short for the next fetch', () => {
    const whole = Buffer.concat([data(0, 2, 1n, false), data(2, 2, 1n, false)]);
    for (const cut of [whole.length - 1, whole.length - 30, data(0, 2, 1n, false).length + 5]) {
      const read = readPartition('t', 0, 0, whole.subarray(0, cut), null);
      expect(values(read)).toEqual(['v0', 'v1']);
      expect(read.nextOffset).toBe(2);
    }
  });

  it('fails loudly, never a position that does not move, on a first batch cut short, a corrupt batch length or an old message format', () => {
    const batch = data(5, 2, 1n, false);
    expect(() => readPartition('t', 0, 5, batch.subarray(0, batch.length - 3), null)).toThrow(/fetch t-0 at 5: not a whole v2 record batch at byte 0/);
    const short = Buffer.from(batch);
    short.writeInt32BE(20, 8); // shorter than a batch header
    expect(() => readPartition('t', 0, 5, short, null)).toThrow(/length field 20/);
    const v1 = Buffer.from(batch);
    v1[16] = 1;
    expect(() => readPartition('t', 0, 5, v1, null)).toThrow(/magic 1/);
    // The same fault in a later batch is as loud.
    expect(() => readPartition('t', 0, 0, Buffer.concat([data(0, 2, 1n, false), v1]), null)).toThrow(/at byte \d+ of/);
  });

  it('fails loudly on a record whose fields do not fill its length', () => {
    const bytes = data(0, 1, 1n, false);
    // The record's length (first byte after the header) one larger than its fields.
    bytes[61] = (bytes[61] as number) + 2;
    expect(() => readPartition('t', 0, 0, bytes, null)).toThrow(/record 0 of t-0/);
  });
});
