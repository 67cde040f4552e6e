// A clock move costs what the due-date index holds, not the days it crosses: two valid orders in
// years 0001 and 9999 move the clock 3.65 million days at once. Walking every day read each day's
// bucket (9–12 s and ~475 MB); the index is now taken in one range scan per move.
// Work is counted at the bottom of the store stack (what the write-back cache could not answer).
import { describe, expect, it } from 'vitest';
import { Stores, type KeyValueBackend, type KeyValueStoreSupplier } from '../../../src/engine/index.ts';
import { STORE } from '../../../src/invoice/stores.ts';
import { make, run, trail } from './harness.ts';

interface Work {
  gets: number;
  ranges: number;
  visited: number;
}

// An in-memory store whose backend counts the reads that reach it.
function countingSupplier(work: Map<string, Work>): (name: string) => KeyValueStoreSupplier {
  return (name) => {
    const inner = Stores.inMemoryKeyValueStore(name);
    return {
      name,
      persistent: false,
      get: (...args) => {
        const backend = inner.get(...args);
        const w: Work = { gets: 0, ranges: 0, visited: 0 };
        work.set(name, w);
        const counted: KeyValueBackend = Object.create(backend) as KeyValueBackend;
        return Object.assign(counted, {
          get: (key: string) => {
            w.gets++;
            return backend.get(key);
          },
          range: function* (from?: string, to?: string) {
            w.ranges++;
            for (const entry of backend.range(from, to)) {
              w.visited++;
              yield entry;
            }
          },
        });
      },
    };
  };
}

describe('clock jumps', () => {
  it('two orders 9,998 years apart: work bounded by the index entries, the first one overdue once', async () => {
    const work = new Map<string, Work>();
    const started = performance.now();
    const out = await run([
      make.placed('o1', '0001-01-01T00:00:00Z'),
      make.placed('o2', '9999-01-01T00:00:00Z'),
      make.activity('invoice.sent', 'inv_o2', '9999-01-02T00:00:00Z'),
    ], { storeSupplier: countingSupplier(work) });
    const elapsedMs = performance.now() - started;

    expect(out.counts).toMatchObject({ read: 3, applied: 3, dead_lettered: 0 });
    expect(trail(out.events, 'inv_o1')).toEqual(['created@1', 'overdue@2']);
    expect(trail(out.events, 'inv_o2')).toEqual(['created@1', 'sent@2']);
    const overdue = out.events.find((e) => e.event_type === 'invoice.overdue');
    expect(overdue?.days_overdue).toBe(3_651_664); // 9999-01-01 − 0001-01-31, in days

    // Day-by-day walking did a get and a range per day crossed on the index (millions).
    const w = work.get(STORE.dueIndex) as Work;
    expect(w.gets + w.ranges).toBeLessThan(20);
    expect(w.visited).toBeLessThan(20);
    expect(elapsedMs).toBeLessThan(2_000); // secondary: the walk took seconds
  });

  it('a jump over many due days still fires overdue by (due date, invoice id)', async () => {
    const out = await run([
      make.placed('b', '2026-03-01T00:00:00Z', { payment_terms_days: 10 }),
      make.placed('a', '2026-03-01T01:00:00Z', { payment_terms_days: 10 }),
      make.placed('c', '2026-03-01T02:00:00Z', { payment_terms_days: 0 }),
      make.placed('d', '2026-03-01T03:00:00Z', { payment_terms_days: 365 }),
      make.activity('invoice.sent', 'inv_a', '2400-01-01T00:00:00Z'),
    ]);
    const overdue = out.events.filter((e) => e.event_type === 'invoice.overdue').map((e) => [e.invoice_id, e.due_date]);
    expect(overdue).toEqual([['inv_c', '2026-03-01'], ['inv_a', '2026-03-11'], ['inv_b', '2026-03-11'], ['inv_d', '2027-03-01']]);
  });
});
