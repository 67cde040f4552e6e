import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { compareKeys } from '../../../src/engine/state/key-order.ts';
import { InMemoryKeyValueStore } from '../../../src/engine/state/memory/in-memory-kv.ts';
import { SortedKeySet } from '../../../src/engine/state/sorted-keys.ts';

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

  it('walks the keys a scan started with, whatever writes, clears and other scans do meanwhile', () => {
    type Op =
      | { op: 'put'; k: string; v: number }
      | { op: 'del'; k: string }
      | { op: 'clear' }
      | { op: 'open'; from: string | undefined; to: string | undefined }
      | { op: 'step' | 'stop'; i: number };
    // Few distinct keys, so deletes and puts hit keys that open scans hold.
    const key = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), maxLength: 2 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('put' as const), k: key, v: fc.integer() }) },
      { weight: 4, arbitrary: fc.record({ op: fc.constant('del' as const), k: key }) },
      { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('open' as const), from: fc.option(key, { nil: undefined }), to: fc.option(key, { nil: undefined }) }) },
      { weight: 8, arbitrary: fc.record({ op: fc.constant('step' as const), i: fc.nat(3) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('stop' as const), i: fc.nat(3) }) },
    );
    fc.assert(
      fc.property(fc.array(key, { maxLength: 12 }), fc.boolean(), fc.array(op, { maxLength: 80 }), (initial, scanFirst, ops) => {
        const store = new InMemoryKeyValueStore<number>('s');
        const model = new Map<string, number>();
        for (const k of initial) {
          store.put(k, 1);
          model.set(k, 1);
        }
        if (scanFirst) Array.from(store.range()); // the index exists before the first write below, or is built by a scan
        // Each open scan: its iterator and the keys the model held in its range when it opened, still to come.
        const scans: Array<{ it: Iterator<[string, number]>; rest: string[] }> = [];
        for (const o of ops) {
          if (o.op === 'put') {
            store.put(o.k, o.v);
            model.set(o.k, o.v);
          } else if (o.op === 'del') {
            store.delete(o.k);
            model.delete(o.k);
          } else if (o.op === 'clear') {
            store.clear();
            model.clear();
          } else if (o.op === 'open') {
            const inRange = (k: string) => (o.from === undefined || compareKeys(k, o.from) >= 0) && (o.to === undefined || compareKeys(k, o.to) < 0);
            scans.push({ it: store.range(o.from, o.to)[Symbol.iterator](), rest: [...model.keys()].filter(inRange).sort(compareKeys) });
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
      { numRuns: 3000 },
    );
  });

  it('copies its key index only for a write while a scan is open, once per scan', () => {
    const clone = vi.spyOn(SortedKeySet.prototype, 'clone');
    try {
      const store = new InMemoryKeyValueStore<number>('s');
      for (let i = 0; i < 2000; i++) store.put(`k${String(i).padStart(4, '0')}`, i); // several chunks
      // A bounded scan that stops early, then writes: no scan is open, nothing is copied.
      for (const [k] of store.range('k0100')) if (k >= 'k0105') break;
      store.put('k9999', 1);
      store.delete('k0000');
      expect(clone).not.toHaveBeenCalled();
      // Writes during a scan: one copy, and the scan still walks the keys it started with.
      let walked = 0;
      for (const [k] of store.range('k1990')) {
        walked++;
        store.delete(k);
        store.put(`z${k}`, 0);
      }
      expect(walked).toBe(11); // k1990..k1999 and k9999
      expect(clone).toHaveBeenCalledTimes(1);
      // A scan left open after the copy closes without touching the count of the scans on the copy.
      const left = store.range()[Symbol.iterator]();
      left.next();
      store.put('a', 1); // copies: `left` is open
      const open = store.range()[Symbol.iterator]();
      open.next();
      left.return?.();
      store.put('b', 1); // `open` is still open on the current index: copies again
      expect(clone).toHaveBeenCalledTimes(3);
      expect(open.next().value).toEqual(['k0001', 1]);
      open.return?.();
      store.put('c', 1);
      expect(clone).toHaveBeenCalledTimes(3);
    } finally {
      clone.mockRestore();
    }
  });
});
