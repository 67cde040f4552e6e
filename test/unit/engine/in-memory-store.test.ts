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

  it('walks the keys a scan started with, whatever writes and other scans do meanwhile', () => {
    type Op = { op: 'put'; k: string; v: number } | { op: 'del'; k: string } | { op: 'open' } | { op: 'step' | 'stop'; i: number };
    const key = fc.string({ maxLength: 2 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('put' as const), k: key, v: fc.integer() }),
      fc.record({ op: fc.constant('del' as const), k: key }),
      fc.constant({ op: 'open' as const }),
      fc.record({ op: fc.constantFrom('step' as const, 'stop' as const), i: fc.nat(3) }),
    );
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 2 }), { maxLength: 12 }), fc.array(op, { maxLength: 60 }), (initial, ops) => {
        const store = new InMemoryKeyValueStore<number>('s');
        const model = new Map<string, number>();
        for (const k of initial) {
          store.put(k, 1);
          model.set(k, 1);
        }
        Array.from(store.range()); // the index exists from here on
        // Each open scan: its iterator and the keys the model held when it opened, still to come.
        const scans: Array<{ it: Iterator<[string, number]>; rest: string[] }> = [];
        for (const o of ops) {
          if (o.op === 'put') {
            store.put(o.k, o.v);
            model.set(o.k, o.v);
          } else if (o.op === 'del') {
            store.delete(o.k);
            model.delete(o.k);
          } else if (o.op === 'open') {
            scans.push({ it: store.range()[Symbol.iterator](), rest: [...model.keys()].sort(compareKeys) });
          } else {
            const scan = scans[o.i % Math.max(1, scans.length)];
            if (!scan) continue;
            if (o.op === 'stop') {
              scan.it.return?.();
              scans.splice(scans.indexOf(scan), 1);
              continue;
            }
            // The next key of its start that still has a value, with the value it has now.
            while (scan.rest.length > 0 && !model.has(scan.rest[0] as string)) scan.rest.shift();
            const k = scan.rest.shift();
            const next = scan.it.next();
            expect(next.done ? undefined : next.value).toEqual(k === undefined ? undefined : [k, model.get(k)]);
          }
        }
        expect([...store.range()]).toEqual([...model.entries()].sort(([a], [b]) => compareKeys(a, b)));
      }),
    );
  });
});
