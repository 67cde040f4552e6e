// Day buckets hold ids that come from input data: names like `__proto__` and `constructor` are
// members like any other, through the cache and through a JSON round trip of the stored value.
import { describe, expect, it } from 'vitest';
import { Stores, type KeyValueStore } from '../../../src/engine/index.ts';
import { DayBuckets } from '../../../src/invoice/day-buckets.ts';

function buckets(): { store: KeyValueStore<Record<string, 1>>; days: DayBuckets } {
  const store = Stores.inMemoryKeyValueStore('due').get() as unknown as KeyValueStore<Record<string, 1>>;
  return { store, days: new DayBuckets(store) };
}

describe('DayBuckets', () => {
  it('keeps `__proto__` and `constructor` as members', () => {
    const { days } = buckets();
    days.add(20_000, 'inv_a');
    days.add(20_000, '__proto__');
    days.remove(20_000, 'constructor'); // not a member: nothing happens
    days.add(20_000, 'constructor');
    expect(days.take(20_000)).toEqual(['inv_a', '__proto__', 'constructor']);
    expect(days.take(20_000)).toEqual([]);
  });

  it('removes only what was added, also after a JSON round trip of the bucket', () => {
    const { store, days } = buckets();
    days.add(20_001, '__proto__');
    days.add(20_001, 'inv_b');
    const key = [...store.range()][0]?.[0] as string;
    store.put(key, JSON.parse(JSON.stringify(store.get(key))) as Record<string, 1>);
    days.remove(20_001, '__proto__');
    days.add(20_001, 'toString');
    expect(days.take(20_001)).toEqual(['inv_b', 'toString']);
  });
});
