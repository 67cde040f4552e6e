import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../../src/engine/state/key-order.ts';
import { SortedKeySet } from '../../../src/engine/state/sorted-keys.ts';

describe('SortedKeySet', () => {
  it('matches a sorted model across chunk splits', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3000 })), { maxLength: 4000 }), fc.integer({ min: 0, max: 3000 }), (ops, bound) => {
        const set = new SortedKeySet();
        const model = new Set<string>();
        for (const [add, n] of ops) {
          const key = `k${n}`;
          expect(add ? set.add(key) : set.delete(key)).toBe(add ? !model.has(key) : model.has(key));
          if (add) model.add(key);
          else model.delete(key);
        }
        const sorted = [...model].sort(compareKeys);
        expect(set.size).toBe(model.size);
        expect([...set.range()]).toEqual(sorted);
        const from = `k${bound}`;
        expect([...set.range(from, 'k5')]).toEqual(sorted.filter((k) => compareKeys(k, from) >= 0 && compareKeys(k, 'k5') < 0));
      }),
      { numRuns: 50 },
    );
  });

  it('builds from unsorted keys', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `x${(i * 7919) % 2000}`);
    const set = SortedKeySet.from([...keys, 'x1', 'x2']);
    expect([...set.range()]).toEqual([...keys].sort(compareKeys));
    set.add('x0a');
    expect([...set.range('x0', 'x1')]).toEqual(['x0', 'x0a']);
  });
});
