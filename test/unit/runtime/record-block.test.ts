// A fetched partition's records kept as bytes (src/runtime/client/record-block.ts): each record is
// made when read, from the positions the decoder noted, and a task's partition group takes them
// in timestamp order as it does from arrays.
import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../../../src/runtime/client/api.ts';
import { NO_HEADERS, offsetAt, RecordBlock } from '../../../src/runtime/client/record-block.ts';
import { PartitionGroup } from '../../../src/runtime/task/partition-group.ts';

// "k1v1" then "v2": record 0 has key k1 and value v1, record 1 a null key and value v2.
const bytes = Buffer.from('k1v1v2');

function block(expected?: number): RecordBlock {
  const b = new RecordBlock('t', 3, bytes, expected);
  b.add(10, 1_000, 0, 2, 2, 2);
  b.add(11, 1_001, 0, -1, 4, 2, { h: Buffer.from('x') });
  return b;
}

describe('RecordBlock', () => {
  it('makes each record from its positions in the bytes, nulls and headers included', () => {
    const b = block();
    expect(b.length).toBe(2);
    expect(b.at(0)).toEqual({ topic: 't', partition: 3, offset: 10, key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: 1_000, headers: NO_HEADERS });
    expect(b.at(1)?.key).toBeNull();
    expect(String(b.at(1)?.value)).toBe('v2');
    expect(String(b.at(1)?.headers.h)).toBe('x');
    expect(b.at(0)?.headers).toBe(NO_HEADERS);
  });

  it('reads from the end with a negative index, nothing outside, offsets without a record', () => {
    const b = block();
    expect(b.at(-1)?.offset).toBe(11);
    expect(b.at(2)).toBeUndefined();
    expect(b.at(-3)).toBeUndefined();
    expect(b.offsetAt(1)).toBe(11);
    expect(offsetAt(b, 0)).toBe(10);
    expect(offsetAt([{ offset: 7 } as ConsumedRecord], 0)).toBe(7);
  });

  it('grows past the size it was given, and iterates in order', () => {
    const b = new RecordBlock('t', 0, bytes, 1);
    for (let i = 0; i < 100; i++) b.add(i, i, 0, 2, 2, 2);
    expect(b.length).toBe(100);
    expect(Array.from(b, (r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('holds records decoded elsewhere (a compressed batch) as they are', () => {
    const b = block();
    const decoded: ConsumedRecord = { topic: 't', partition: 3, offset: 12, key: Buffer.from('z'), value: null, timestamp: 5, headers: NO_HEADERS };
    b.addDecoded(decoded);
    expect(b.at(2)).toBe(decoded);
    expect(b.offsetAt(2)).toBe(12);
  });

  it('feeds a partition group, which makes each record once, in timestamp order across partitions', () => {
    const reads: number[] = [];
    const g = new PartitionGroup(
      ['a', 'b'].map((topic) => ({ topic, partition: 0, extractor: (r: ConsumedRecord) => (reads.push(r.offset), r.timestamp) })),
      { onSkip: () => {} },
    );
    const a = new RecordBlock('a', 0, bytes);
    a.add(0, 10, 0, 2, 2, 2);
    a.add(1, 30, 0, 2, 2, 2);
    const b = new RecordBlock('b', 0, bytes);
    b.add(0, 20, 0, 2, 2, 2);
    g.add('a', 0, a, 2, 2);
    g.add('b', 0, b, 1, 1);
    const out: string[] = [];
    for (let r = g.next(0); r; r = g.next(0)) out.push(`${r.topic}:${r.offset}`);
    expect(out).toEqual(['a:0', 'b:0', 'a:1']);
    // Each head's timestamp was read once: the record taken is the one the extractor saw.
    expect(reads).toEqual([0, 0, 1]);
  });
});
