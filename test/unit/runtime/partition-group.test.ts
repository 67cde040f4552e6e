// The partition group chooses a task's next record as the replay merge does (docs/contract.md
// "Replay"): smallest timestamp first, ties by source-topic order, unreadable timestamps at once,
// and it waits for a partition known to have more data, also when that data arrives later.
import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../../../src/runtime/client/api.ts';
import { PartitionGroup } from '../../../src/runtime/task/partition-group.ts';

const rec = (topic: string, offset: number, ts: number): ConsumedRecord => ({ topic, partition: 0, offset, key: null, value: Buffer.from(String(ts)), timestamp: 0, headers: {} });
// Event time read from the value, as the live pipeline reads occurred_at: NaN when unreadable.
const fromValue = (r: ConsumedRecord): number => Number(r.value?.toString());

function group(maxTaskIdleMs?: number): { g: PartitionGroup; skips: string[] } {
  const skips: string[] = [];
  const g = new PartitionGroup(
    ['orders', 'payments', 'activity'].map((topic) => ({ topic, partition: 0, extractor: fromValue })),
    { maxTaskIdleMs, onSkip: (t, p, o) => skips.push(`${t}-${p}@${o}`) },
  );
  return { g, skips };
}

function drain(g: PartitionGroup, now = 0): string[] {
  const out: string[] = [];
  for (let r = g.next(now); r; r = g.next(now)) out.push(`${r.topic}:${r.offset}`);
  return out;
}

describe('PartitionGroup', () => {
  it('takes the smallest timestamp first, ties by source order, unreadable at once', () => {
    const { g } = group();
    g.add('orders', 0, [rec('orders', 0, 10), rec('orders', 1, 30)], 2, 2);
    g.add('payments', 0, [rec('payments', 0, 10), rec('payments', 1, NaN), rec('payments', 2, 20)], 3, 3);
    g.add('activity', 0, [rec('activity', 0, 5), rec('activity', 1, -1)], 2, 2);
    expect(drain(g)).toEqual(['activity:0', 'activity:1', 'orders:0', 'payments:0', 'payments:1', 'payments:2', 'orders:1']);
    expect(g.timestamp).toBe(30);
  });

  it('waits while an empty partition has known lag, then goes on when its data arrives later', () => {
    const { g } = group();
    g.setEnd('orders', 0, 0, 2);
    g.setEnd('payments', 0, 0, 1);
    g.setEnd('activity', 0, 0, 0); // empty and caught up: never blocks
    g.add('orders', 0, [rec('orders', 0, 10), rec('orders', 1, 30)], 2, 2);
    expect(g.next(0)).toBeUndefined(); // payments has 1 record on the broker, not fetched yet
    g.add('payments', 0, [rec('payments', 0, 20)], 1, 1);
    expect(drain(g)).toEqual(['orders:0', 'payments:0', 'orders:1']);
    // More arrives later on one partition only: the others are caught up, so no wait.
    g.add('activity', 0, [rec('activity', 0, 1)], 1, 1);
    expect(drain(g)).toEqual(['activity:0']);
  });

  it('a partition whose high watermark grew in a later fetch blocks the others until fetched', () => {
    const { g } = group();
    g.add('orders', 0, [rec('orders', 0, 10)], 1, 3); // two more on the broker
    g.add('payments', 0, [rec('payments', 0, 15), rec('payments', 1, 40)], 2, 2);
    expect(drain(g)).toEqual(['orders:0']);
    g.add('orders', 0, [rec('orders', 1, 20), rec('orders', 2, 50)], 3, 3);
    expect(drain(g)).toEqual(['payments:0', 'orders:1', 'payments:1', 'orders:2']);
  });

  it('new records of several partitions in one fetch: told ends first, the batches go in timestamp order whatever order they come in', () => {
    // Every partition caught up; then an upstream transaction wrote to all three, and one fetch
    // returns them. The consumer tells the ends before handing over the batches one by one.
    const { g } = group();
    for (const topic of ['orders', 'payments', 'activity']) g.setEnd(topic, 0, 0, 0);
    g.noteEnd('orders', 0, 2);
    g.noteEnd('payments', 0, 1);
    g.noteEnd('activity', 0, 1);
    g.add('activity', 0, [rec('activity', 0, 30)], 1, 1);
    expect(drain(g)).toEqual([]); // orders and payments have records in this fetch, not handed over yet
    g.add('orders', 0, [rec('orders', 0, 10), rec('orders', 1, 40)], 2, 2);
    expect(drain(g)).toEqual([]);
    g.add('payments', 0, [rec('payments', 0, 20)], 1, 1);
    expect(drain(g)).toEqual(['orders:0', 'payments:0', 'activity:0', 'orders:1']);
    // Without the ends (the batches alone, as before): activity went first, alone.
    const { g: before } = group();
    for (const topic of ['orders', 'payments', 'activity']) before.setEnd(topic, 0, 0, 0);
    before.add('activity', 0, [rec('activity', 0, 30)], 1, 1);
    expect(drain(before)).toEqual(['activity:0']);
    // An end never goes back (an older fetch's answer after a newer one).
    const { g: late } = group();
    late.setEnd('orders', 0, 0, 3);
    late.setEnd('payments', 0, 0, 0);
    late.noteEnd('orders', 0, 1);
    late.add('payments', 0, [rec('payments', 0, 5)], 1, 1);
    expect(drain(late)).toEqual([]);
  });

  it('max.task.idle.ms -1 never waits; > 0 waits that long for a caught-up empty partition', () => {
    const never = group(-1).g;
    never.setEnd('payments', 0, 0, 5);
    never.add('orders', 0, [rec('orders', 0, 10)], 1, 1);
    expect(drain(never)).toEqual(['orders:0']);
    const idle = group(100).g;
    idle.add('orders', 0, [rec('orders', 0, 10)], 1, 1);
    expect(idle.next(1_000)).toBeUndefined();
    expect(idle.next(1_099)).toBeUndefined();
    expect(idle.next(1_100)?.offset).toBe(0);
  });

  it('applies a batch skip (trailing markers) only after its records, and a marker-only fetch after what is buffered', () => {
    const { g, skips } = group(-1);
    g.add('orders', 0, [rec('orders', 0, 1), rec('orders', 1, 2)], 3, 3); // offset 2 is a commit marker
    g.skip('orders', 0, 5);
    expect(skips).toEqual([]);
    expect(g.next(0)?.offset).toBe(0);
    expect(skips).toEqual([]);
    expect(g.next(0)?.offset).toBe(1);
    // Not yet: the caller has not processed offset 1 (a skip now would put the position past it).
    expect(skips).toEqual([]);
    expect(g.next(0)).toBeUndefined();
    expect(skips).toEqual(['orders-0@3', 'orders-0@5']);
    g.skip('payments', 0, 7); // nothing buffered: at once
    expect(skips).toEqual(['orders-0@3', 'orders-0@5', 'payments-0@7']);
  });

  it('drops records of a re-fetch that are already buffered', () => {
    const { g } = group(-1);
    g.add('orders', 0, [rec('orders', 0, 1), rec('orders', 1, 2)], 2, 2);
    g.add('orders', 0, [rec('orders', 1, 2), rec('orders', 2, 3)], 3, 3);
    expect(drain(g)).toEqual(['orders:0', 'orders:1', 'orders:2']);
    expect(g.buffered).toBe(0);
  });

  it('a fetch that starts lower again (rebalance, seek) makes its lag count again', () => {
    const { g } = group();
    g.add('orders', 0, [rec('orders', 0, 10), rec('orders', 1, 20), rec('orders', 2, 30)], 3, 3);
    g.add('payments', 0, [rec('payments', 0, 5)], 1, 1);
    expect(drain(g)).toEqual(['payments:0', 'orders:0', 'orders:1', 'orders:2']);
    g.add('payments', 0, [rec('payments', 0, 5)], 1, 4); // re-fetched from 0; 3 more on the broker
    g.add('orders', 0, [rec('orders', 3, 50)], 4, 4);
    expect(drain(g)).toEqual(['payments:0']); // then waits for payments 1..3
  });

  it('a single input never waits and uses the record timestamp without an extractor', () => {
    const g = new PartitionGroup([{ topic: 'in', partition: 3 }], { onSkip: () => {} });
    g.setEnd('in', 3, 0, 100);
    g.add('in', 3, [{ ...rec('in', 0, 0), partition: 3, timestamp: 42 }], 1, 100);
    expect(g.next(0)?.offset).toBe(0);
    expect(g.timestamp).toBe(42);
    expect(g.next(0)).toBeUndefined();
  });

  it('is caught up only when every partition is processed to its known end (the early commit of a thread that keeps up)', () => {
    const { g } = group();
    expect(g.caughtUp).toBe(false); // ends not known yet
    g.setEnd('orders', 0, 0, 2);
    g.setEnd('payments', 0, 0, 0);
    g.setEnd('activity', 0, 0, 0);
    expect(g.caughtUp).toBe(false); // orders has 2 on the broker
    g.add('orders', 0, [rec('orders', 0, 10), rec('orders', 1, 20)], 2, 2);
    expect(g.caughtUp).toBe(false); // fetched, not processed
    drain(g);
    expect(g.caughtUp).toBe(true);
    g.noteEnd('payments', 0, 3); // a fetch saw more on payments
    expect(g.caughtUp).toBe(false);
  });
});

