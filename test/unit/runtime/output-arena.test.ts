// OutputArena: outputs held as bytes until the commit come back as the records they were, in
// order, whatever their shape, and records taken stay intact while the next interval fills.
import { describe, expect, it } from 'vitest';
import type { OutgoingRecord } from '../../../src/runtime/client/api.ts';
import { OutputArena } from '../../../src/runtime/task/output-arena.ts';

const plain = (r: OutgoingRecord): Record<string, unknown> => ({
  topic: r.topic,
  partition: r.partition,
  key: r.key === null ? null : Buffer.from(r.key).toString('hex'),
  value: r.value === null ? null : Buffer.from(r.value).toString('hex'),
  timestamp: r.timestamp,
  headers: r.headers,
});

describe('OutputArena', () => {
  it('gives back every record as it was pushed: null and empty keys and values, partitions given or not, timestamps or none, headers', () => {
    const records: OutgoingRecord[] = [
      { topic: 'a', partition: 3, key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: 1_700_000_000_000 },
      { topic: 'b', partition: undefined, key: null, value: Buffer.from([0, 255, 7]), timestamp: undefined },
      { topic: 'a', partition: 0, key: Buffer.alloc(0), value: null, timestamp: -5 },
      { topic: 'dlq', partition: undefined, key: Buffer.from('x'), value: Buffer.alloc(0), timestamp: 0, headers: { error: 'boom', bytes: Buffer.from([1, 2]) } },
    ];
    const arena = new OutputArena();
    for (const r of records) arena.push(r);
    expect(arena.length).toBe(4);
    const taken = arena.take();
    expect(taken.map(plain)).toEqual(records.map(plain));
    expect(taken[1]?.key).toBeNull();
    expect(taken[2]?.value).toBeNull();
    expect(taken[2]?.key?.length).toBe(0);
    expect('headers' in (taken[0] as object)).toBe(false);
    expect(arena.length).toBe(0);
    expect(arena.take()).toEqual([]);
  });

  it('keeps copies: the pushed Buffers may change afterwards, and records taken survive the next interval', () => {
    const arena = new OutputArena();
    const key = Buffer.from('key-1');
    arena.push({ topic: 't', partition: 1, key, value: Buffer.from('value-1'), timestamp: 1 });
    key.write('XXXXX');
    const first = arena.take();
    // The next interval writes as much again: it must not land in the first interval's bytes.
    for (let i = 0; i < 1000; i++) arena.push({ topic: 't', partition: 1, key: Buffer.from(`key-${i}`), value: Buffer.alloc(100, i % 256), timestamp: i });
    expect(first[0]?.key?.toString()).toBe('key-1');
    expect(first[0]?.value?.toString()).toBe('value-1');
    expect(arena.take()).toHaveLength(1000);
  });

  it('grows past its first buffer and record arrays: many records and values larger than the buffer', () => {
    const arena = new OutputArena();
    const big = Buffer.alloc(200_000, 7);
    const pushed: OutgoingRecord[] = [];
    for (let i = 0; i < 5000; i++) {
      const r: OutgoingRecord = { topic: `t${i % 3}`, partition: i % 4, key: Buffer.from(String(i)), value: i % 1000 === 0 ? big : Buffer.from(`v${i}`), timestamp: i };
      pushed.push(r);
      arena.push(r);
    }
    const taken = arena.take();
    expect(taken).toHaveLength(5000);
    expect(taken.map(plain)).toEqual(pushed.map(plain));
  });

  it('clear drops what is held', () => {
    const arena = new OutputArena();
    arena.push({ topic: 't', key: null, value: Buffer.from('v') });
    arena.clear();
    expect(arena.length).toBe(0);
    arena.push({ topic: 'u', key: Buffer.from('k'), value: null });
    expect(arena.take().map((r) => r.topic)).toEqual(['u']);
  });
});
