// Day buckets hold ids that come from input data: names like `__proto__` and `constructor` are
// members like any other. One store entry per (day, member) keeps every changelog record small
// however many members a day holds; buckets written whole by earlier versions are still read.
import { describe, expect, it } from 'vitest';
import { Stores, type KeyValueStore } from '../../../src/engine/index.ts';
import { DayBuckets, type DayBucketValue } from '../../../src/invoice/day-buckets.ts';

function buckets(): { store: KeyValueStore<DayBucketValue>; days: DayBuckets } {
  const store = Stores.inMemoryKeyValueStore('due').get() as unknown as KeyValueStore<DayBucketValue>;
  return { store, days: new DayBuckets(store) };
}

describe('DayBuckets', () => {
  it('keeps `__proto__` and `constructor` as members; each member once; only the day taken', () => {
    const { days } = buckets();
    days.add(20_000, 'inv_a');
    days.add(20_000, '__proto__');
    days.add(20_000, 'constructor');
    days.add(20_000, 'inv_a');
    days.add(20_001, 'inv_next_day');
    days.add(19_999, 'inv_day_before');
    expect(days.take(20_000).sort()).toEqual(['__proto__', 'constructor', 'inv_a']);
    expect(days.take(20_000)).toEqual([]);
    expect(days.take(20_001)).toEqual(['inv_next_day']);
    expect(days.take(19_999)).toEqual(['inv_day_before']);
  });

  it('keeps members with separators and high characters whole', () => {
    const { days } = buckets();
    const odd = ['a\u0000b', '\u0001', '\uffff\u{10ffff}', 'topic\u0000p-1', ''];
    for (const m of odd) days.add(20_003, m);
    expect(days.take(20_003).sort()).toEqual([...odd].sort());
  });

  it('stores every member as its own small entry, however many a day holds', () => {
    const { store, days } = buckets();
    for (let i = 0; i < 50_000; i++) days.add(20_004, `bench-live-invoices-1796529840985.payments\u0000p-11-${String(i).padStart(8, '0')}`);
    let largest = 0;
    let entries = 0;
    for (const [key, value] of store.range()) {
      entries++;
      largest = Math.max(largest, Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(value)));
    }
    expect(entries).toBe(50_000);
    expect(largest).toBeLessThan(200);
    expect(days.take(20_004)).toHaveLength(50_000);
    expect([...store.range()]).toEqual([]);
  });

  it('reads and removes whole-day buckets written by earlier versions (arrays and objects)', () => {
    const { store, days } = buckets();
    store.put('0020005', ['inv_a', 'inv_a', '__proto__']);
    days.add(20_005, 'inv_c');
    expect(days.take(20_005).sort()).toEqual(['__proto__', 'inv_a', 'inv_c']);
    store.put('0020006', JSON.parse('{"inv_a":1,"__proto__":1}') as Record<string, 1>);
    expect(days.take(20_006).sort()).toEqual(['__proto__', 'inv_a']);
    expect([...store.range()]).toEqual([]);
  });

  it('takes every day of a range in one scan, earliest first, across the year-0000 to 9999 keys', () => {
    const { store, days } = buckets();
    const first = -719_528; // 0000-01-01
    const last = 2_932_896; // 9999-12-31
    days.add(last, 'z');
    days.add(first, 'a');
    days.add(-1, 'b');
    days.add(0, 'c');
    store.put('0020005', ['legacy', 'legacy']);
    days.add(20_005, 'new');
    days.add(last + 1, 'after');
    expect(days.takeDays(first, last + 1)).toEqual([
      { day: first, members: ['a'] },
      { day: -1, members: ['b'] },
      { day: 0, members: ['c'] },
      { day: 20_005, members: ['legacy', 'new'] },
      { day: last, members: ['z'] },
    ]);
    expect(days.takeDays(first, last + 1)).toEqual([]);
    expect(days.takeDays(last + 1, last + 1)).toEqual([]);
    expect(days.take(last + 1)).toEqual(['after']);
  });
});
