// The dedup window: a duplicate within the horizon is one whatever the sweep has done; expired
// entries go by the sweep, a bounded number per call, and the store stays within about 1.5
// horizons of entries. Through the real store layers (write-back cache over a backend), flushed
// as commits do, so the sweep's scans see both dirty and flushed entries.
import { describe, expect, it } from 'vitest';
import { Stores, type KeyValueStore } from '../../../src/engine/index.ts';
import { DEDUP_CACHE_ENTRIES, DedupWindow, dedupClockSerde, SWEEP_EVERY, SWEEP_PER_RECORD } from '../../../src/invoice/dedup-window.ts';

const HOUR = 3_600_000_000;
const HORIZON = 24 * HOUR;

// As the pipeline builds it (topologies/invoice-pipeline.ts): its value bytes and its small cache,
// so entries also come back from below the cache.
function store(): KeyValueStore<number> & { flush(): Promise<void> } {
  return Stores.keyValueStoreBuilder<number>(Stores.inMemoryKeyValueStore('dedup'), dedupClockSerde).withCachingEnabled(DEDUP_CACHE_ENTRIES).withLoggingDisabled().build();
}

const keys = (s: KeyValueStore<number>): string[] => [...s.range()].map(([k]) => k);

describe('DedupWindow', () => {
  it('a repeat within the horizon is a duplicate; past it, a new first sighting', () => {
    const s = store();
    const window = new DedupWindow(s, HORIZON);
    expect(window.seen('orders\u0000e1', 0)).toBe(false);
    expect(window.seen('orders\u0000e1', HORIZON)).toBe(true); // exactly at the horizon: still within
    expect(window.seen('payments\u0000e1', HORIZON)).toBe(false); // another topic's id
    expect(window.seen('orders\u0000e1', HORIZON + 1)).toBe(false); // past it
    expect(s.get('orders\u0000e1')).toBe(HORIZON + 1); // seen anew from then on
    expect(window.seen('orders\u0000e1', 2 * HORIZON)).toBe(true);
  });

  it('a sweep deletes expired entries only, looks at `budget` entries, and resumes where it stopped', async () => {
    const s = store();
    const window = new DedupWindow(s, HORIZON);
    for (let i = 0; i < 10; i++) s.put(`k${i}`, i % 2 === 0 ? 0 : 10 * HORIZON); // even: expired at clock 10h+
    await s.flush();
    s.put('k10', 0); // dirty, not flushed: expired too
    const clock = 10 * HORIZON + 1;
    window.sweep(clock, 4); // k0 k1 k10 k2
    expect(keys(s)).toEqual(['k1', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']);
    window.sweep(clock, 4); // k3 k4 k5 k6
    expect(keys(s)).toEqual(['k1', 'k3', 'k5', 'k7', 'k8', 'k9']);
    window.sweep(clock, 4); // k7 k8 k9, the end: the next pass starts over
    expect(keys(s)).toEqual(['k1', 'k3', 'k5', 'k7', 'k9']);
    s.put('a-first', 0);
    window.sweep(clock, 100);
    expect(keys(s)).toEqual(['k1', 'k3', 'k5', 'k7', 'k9']);
  });

  it('under a steady stream of new ids the store holds at most ~1.5 horizons of entries', async () => {
    const s = store();
    const window = new DedupWindow(s, HORIZON);
    const perHour = 500;
    let most = 0;
    for (let hour = 0; hour < 24 * 6; hour++) {
      for (let i = 0; i < perHour; i++) expect(window.seen(`orders\u0000${hour}-${i}`, hour * HOUR + i)).toBe(false);
      await s.flush(); // a commit
      most = Math.max(most, keys(s).length);
    }
    const horizonEntries = 24 * perHour;
    expect(most).toBeGreaterThan(horizonEntries); // expired entries do wait for the sweep
    expect(most).toBeLessThanOrEqual((horizonEntries * SWEEP_PER_RECORD) / (SWEEP_PER_RECORD - 1) + SWEEP_EVERY + perHour);
    // And nothing within the horizon was swept: the last day's ids are all duplicates now.
    const now = (24 * 6 - 1) * HOUR + perHour;
    for (let hour = 24 * 5; hour < 24 * 6; hour++) expect(window.seen(`orders\u0000${hour}-0`, now)).toBe(true);
  });
});

describe('dedupClockSerde', () => {
  it('round-trips clocks, before 1970 and past year 9999 too, as 9 bytes', () => {
    for (const clock of [0, 1, 1_796_637_031_770_123, -62_135_596_800_000_000, 253_402_300_800_000_000, -1]) {
      const bytes = dedupClockSerde.serialize('dedup', clock) as Buffer;
      expect(bytes).toHaveLength(9);
      expect(dedupClockSerde.deserialize('dedup', bytes)).toBe(clock);
    }
  });

  it('reads the JSON text that earlier versions stored and logged', () => {
    for (const clock of [1_796_637_031_770_123, -5, 12_345_678, 0]) {
      expect(dedupClockSerde.deserialize('dedup', Buffer.from(JSON.stringify(clock)))).toBe(clock);
    }
  });
});
