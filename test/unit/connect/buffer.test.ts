// The sink stage's pure parts: per-partition batches (one row per key, version-guarded) and the
// round-robin assignor. (The retry loop is tested with the rest of core/ in test/unit/sink-core.)
import { describe, expect, it } from 'vitest';
import { PartitionBuffer, roundRobinAssignor } from '../../../src/connect/index.ts';
import { CLIENT_BALANCES_TABLE, INVOICES_TABLE } from '../../../src/invoice/tables.ts';

describe('PartitionBuffer', () => {
  it('keeps one row per key, the highest version, and the last offset taken', () => {
    const b = new PartitionBuffer(INVOICES_TABLE);
    expect(b.empty).toBe(true);
    b.add(10, { invoice_id: 'a', version: 2 }, 100);
    b.add(11, { invoice_id: 'b', version: 1 }, 101);
    b.add(12, { invoice_id: 'a', version: 1 }, 102); // older version arriving later: ignored
    b.add(13, null, 103); // tombstone: consumed, no row
    b.add(14, { invoice_id: 'b', version: 3 }, 104);
    expect(b.size).toBe(2);
    expect(b.firstAt).toBe(100);
    const batch = b.drain();
    expect(batch.lastOffset).toBe(14);
    expect(batch.records).toBe(5);
    expect(batch.rows).toEqual([{ invoice_id: 'a', version: 2 }, { invoice_id: 'b', version: 3 }]);
    expect(b.empty).toBe(true);
  });

  it('without a version column the last row per composite key wins (keys in first-seen order)', () => {
    const b = new PartitionBuffer(CLIENT_BALANCES_TABLE);
    b.add(0, { client_id: 'c', currency: 'EUR', outstanding: '1' }, 0);
    b.add(1, { client_id: 'c', currency: 'USD', outstanding: '2' }, 0);
    b.add(2, { client_id: 'c', currency: 'EUR', outstanding: '3' }, 0);
    expect(b.drain().rows).toEqual([{ client_id: 'c', currency: 'EUR', outstanding: '3' }, { client_id: 'c', currency: 'USD', outstanding: '2' }]);
  });
});

describe('roundRobinAssignor', () => {
  it('deals every partition once, the same plan whatever the member order', () => {
    const counts = new Map([['t1', 3], ['t2', 2]]);
    const a = roundRobinAssignor.assign([{ memberId: 'm2', userData: Buffer.alloc(0) }, { memberId: 'm1', userData: Buffer.alloc(0) }], counts);
    const b = roundRobinAssignor.assign([{ memberId: 'm1', userData: Buffer.alloc(0) }, { memberId: 'm2', userData: Buffer.alloc(0) }], counts);
    expect(a).toEqual(b);
    const all = [...a.values()].flatMap((m) => [...m].flatMap(([t, ps]) => ps.map((p) => `${t}:${p}`))).sort();
    expect(all).toEqual(['t1:0', 't1:1', 't1:2', 't2:0', 't2:1']);
  });
});
