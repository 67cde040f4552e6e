import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../../src/engine/state/key-order.ts';
import { InMemoryKeyValueStore } from '../../../src/engine/state/memory/in-memory-kv.ts';

describe('compareKeys', () => {
  it('orders strings by their UTF-8 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const bytes = Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
        expect(Math.sign(compareKeys(a, b))).toBe(bytes);
      }),
    );
    expect(compareKeys('\u{1F600}', '\uFFFD')).toBeGreaterThan(0); // JS `<` says the opposite
  });
});

describe('InMemoryKeyValueStore', () => {
  it('gets, puts, deletes and scans ranges in key order', () => {
    const store = new InMemoryKeyValueStore<number>('s');
    for (const [i, k] of ['b', 'd', 'a', 'c', 'e'].entries()) store.put(k, i);
    expect([...store.range()].map(([k]) => k)).toEqual(['a', 'b', 'c', 'd', 'e']);
    store.delete('c');
    store.put('bb', 9);
    store.put('b', 7);
    expect([...store.range('b', 'd')]).toEqual([
      ['b', 7],
      ['bb', 9],
    ]);
    expect([...store.range(undefined, 'b')]).toEqual([['a', 2]]);
    expect([...store.range('d')].map(([k]) => k)).toEqual(['d', 'e']);
    expect(store.get('c')).toBeUndefined();
    expect(store.approximateSize()).toBe(5);
  });

  it('tolerates deletes and inserts during a scan', () => {
    const store = new InMemoryKeyValueStore<number>('s');
    for (let i = 0; i < 10; i++) store.put(`k${i}`, i);
    const seen: string[] = [];
    for (const [k] of store.range()) {
      seen.push(k);
      store.delete(k);
      store.put(`z${k}`, 0); // new keys appear in the next scan, not this one
    }
    expect(seen).toHaveLength(10);
    expect([...store.range()].map(([k]) => k)[0]).toBe('zk0');
  });

  it('matches a model under random operations', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.string({ maxLength: 3 }), fc.integer())), fc.string({ maxLength: 2 }), fc.string({ maxLength: 2 }), (ops, from, to) => {
        const store = new InMemoryKeyValueStore<number>('s');
        const model = new Map<string, number>();
        for (const [put, k, v] of ops) {
          if (put) {
            store.put(k, v);
            model.set(k, v);
          } else {
            store.delete(k);
            model.delete(k);
          }
          if (v % 5 === 0) Array.from(store.range()); // interleave scans with writes
        }
        const expected = [...model.entries()].filter(([k]) => compareKeys(k, from) >= 0 && compareKeys(k, to) < 0).sort(([a], [b]) => compareKeys(a, b));
        expect([...store.range(from, to)]).toEqual(expected);
      }),
    );
  });
});
