// Day buckets hold ids that come from input data: names like `__proto__` and `constructor` are
// members like any other, through the cache and through a JSON round trip of the stored value.
import { describe, expect, it } from 'vitest';
import { Stores, type KeyValueStore } from '../../../src/engine/index.ts';
import { DayBuckets } from '../../../src/invoice/day-buckets.ts';

function buckets(): { store: KeyValueStore<unknown>; days: DayBuckets } {
  const store = Stores.inMemoryKeyValueStore('due').get() as unknown as KeyValueStore<unknown>;
  return { store, days: new DayBuckets(store as KeyValueStore<string[]>) };
}

describe('DayBuckets', () => {
  it('keeps `__proto__` and `constructor` as members, in insertion order', () => {
    const { days } = buckets();
    days.add(20_000, 'inv_a');
    days.add(20_000, '__proto__');
    days.add(20_000, 'constructor');
    expect(days.take(20_000)).toEqual(['inv_a', '__proto__', 'constructor']);
    expect(days.take(20_000)).toEqual([]);
  });

  it('keeps repeats (takers re-check) and survives a JSON round trip of the bucket', () => {
    const { store, days } = buckets();
    days.add(20_001, '__proto__');
    days.add(20_001, 'inv_b');
    const key = [...store.range()][0]?.[0] as string;
    store.put(key, JSON.parse(JSON.stringify(store.get(key))));
    days.add(20_001, 'inv_b');
    expect(days.take(20_001)).toEqual(['__proto__', 'inv_b', 'inv_b']);
  });

  it('reads buckets written as objects by earlier versions', () => {
    const { store, days } = buckets();
    days.add(20_002, 'x'); // creates the key with the store's padding
    const key = [...store.range()][0]?.[0] as string;
    store.put(key, JSON.parse('{"inv_a":1,"__proto__":1}'));
    days.add(20_002, 'inv_c');
    expect(days.take(20_002)).toEqual(['inv_a', '__proto__', 'inv_c']);
  });
});
