// The read_committed filter of the @platformatic/kafka client (src/runtime/client/platformatic/fetched.ts),
// on hand-built record batches as the broker returns them.
import { describe, expect, it } from 'vitest';
import { readPartition, type RawBatch } from '../../../src/runtime/client/platformatic/fetched.ts';
import { toOutgoing } from '../../../src/runtime/task/records.ts';
import type { ProducedRecord } from '../../../src/engine/processor/internals/records.ts';

const TXN = 1 << 4;
const CONTROL = 1 << 5;

/** A data batch of `count` records from `first`, values `v<offset>`. */
function data(first: number, count: number, producerId: bigint, transactional = true): RawBatch {
  return {
    firstOffset: BigInt(first),
    lastOffsetDelta: count - 1,
    attributes: transactional ? TXN : 0,
    firstTimestamp: 1_000n,
    producerId,
    records: Array.from({ length: count }, (_, i) => ({ timestampDelta: BigInt(i), offsetDelta: i, key: Buffer.from(`k${first + i}`), value: Buffer.from(`v${first + i}`), headers: [] })),
  };
}

/** A transaction marker at `offset`: ABORT (type 0) or COMMIT (type 1). */
function marker(offset: number, producerId: bigint, type: 0 | 1): RawBatch {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return { firstOffset: BigInt(offset), lastOffsetDelta: 0, attributes: TXN | CONTROL, firstTimestamp: 1_000n, producerId, records: [{ timestampDelta: 0n, offsetDelta: 0, key, value: Buffer.alloc(6), headers: [] }] };
}

const values = (r: ReturnType<typeof readPartition>): string[] => r.records.map((x) => String(x.value));

describe('readPartition (read_committed)', () => {
  it('drops every aborted transaction of a producer that alternates commit and abort', () => {
    // One producer: committed [0,1] C@2, aborted [3,4] A@5, committed [6] C@7, aborted [8,9] A@10.
    const batches = [data(0, 2, 7n), marker(2, 7n, 1), data(3, 2, 7n), marker(5, 7n, 0), data(6, 1, 7n), marker(7, 7n, 1), data(8, 2, 7n), marker(10, 7n, 0)];
    const aborted = [{ producerId: 7n, firstOffset: 8n }, { producerId: 7n, firstOffset: 3n }];
    const read = readPartition('t', 0, 0, batches, aborted);
    expect(values(read)).toEqual(['v0', 'v1', 'v6']);
    expect(read.nextOffset).toBe(11);
  });

  it('keeps other producers while one of them is aborting (interleaved transactions)', () => {
    const batches = [data(0, 1, 1n), data(1, 1, 2n), data(2, 1, 1n), marker(3, 2n, 1), marker(4, 1n, 0)];
    const read = readPartition('t', 0, 0, batches, [{ producerId: 1n, firstOffset: 0n }]);
    expect(values(read)).toEqual(['v1']);
  });

  it('drops an aborted transaction whose marker is not in this response', () => {
    const read = readPartition('t', 0, 0, [data(0, 1, 1n, false), data(1, 3, 5n)], [{ producerId: 5n, firstOffset: 1n }]);
    expect(values(read)).toEqual(['v0']);
    expect(read.nextOffset).toBe(4);
  });

  it('drops an aborted transaction that began before the fetch offset', () => {
    const read = readPartition('t', 0, 12, [data(12, 2, 9n), marker(14, 9n, 0), data(15, 1, 3n, false)], [{ producerId: 9n, firstOffset: 10n }]);
    expect(values(read)).toEqual(['v15']);
  });

  it('skips records before the fetch offset inside a batch, and markers always', () => {
    const read = readPartition('t', 0, 2, [data(0, 4, 1n), marker(4, 1n, 1)], []);
    expect(values(read)).toEqual(['v2', 'v3']);
    expect(read.records[0]).toMatchObject({ topic: 't', partition: 0, offset: 2, timestamp: 1_002 });
    expect(read.nextOffset).toBe(5);
  });

  it('reports a marker-only response as a position without records', () => {
    const read = readPartition('t', 3, 5, [marker(5, 1n, 1)], null);
    expect(read).toEqual({ records: [], nextOffset: 6 });
  });

  it('returns aborted records to a read_uncommitted consumer', () => {
    const read = readPartition('t', 0, 0, [data(0, 2, 4n), marker(2, 4n, 0)], [{ producerId: 4n, firstOffset: 0n }], true);
    expect(values(read)).toEqual(['v0', 'v1']);
  });

  it('keeps the last value of a repeated header', () => {
    const plain = data(0, 1, 1n, false);
    const batch: RawBatch = { ...plain, records: plain.records.map((r) => ({ ...r, headers: [[Buffer.from('h'), Buffer.from('a')], [Buffer.from('h'), Buffer.from('b')]] })) };
    expect(String(readPartition('t', 0, 0, [batch], null).records[0]?.headers.h)).toBe('b');
  });
});

describe('readPartition headers', () => {
  it('keeps a header named __proto__ as a header, through to the record produced from it', () => {
    const batch: RawBatch = {
      ...data(0, 1, -1n, false),
      records: [{ timestampDelta: 0n, offsetDelta: 0, key: null, value: Buffer.from('v'), headers: [[Buffer.from('__proto__'), Buffer.from('xy')], [Buffer.from('a'), Buffer.from('b')]] }],
    };
    const [record] = readPartition('t', 0, 0, [batch], []).records;
    expect(Object.keys(record?.headers ?? {})).toEqual(['__proto__', 'a']);
    expect(record?.headers['__proto__']).toEqual(Buffer.from('xy'));
    // Forwarded as it came (a dead letter, a pass-through topology): the same two headers go out.
    const out = toOutgoing({ topic: 'in', key: null, value: Buffer.from('v'), headers: record?.headers, timestamp: 1 } as ProducedRecord, 'out');
    expect(Object.entries(out.headers ?? {})).toEqual([['__proto__', Buffer.from('xy')], ['a', Buffer.from('b')]]);
  });
});
