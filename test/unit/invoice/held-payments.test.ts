// Held payments: one small store entry per payment however many wait for one invoice, taken
// oldest first; ids that extend another id with '\u0000' stay apart; lists written by earlier
// versions become entries when the store is opened.
import { describe, expect, it } from 'vitest';
import { Stores, type KeyValueStore } from '../../../src/engine/index.ts';
import { HeldPayments, type HeldValue } from '../../../src/invoice/held-payments.ts';
import { pad, type HeldPayment } from '../../../src/invoice/stores.ts';

function held(seq: number, occurredAt: number, value = 'x'): HeldPayment {
  return {
    seq,
    event: { type: 'payment.received', eventId: `p${seq}`, occurredAt } as unknown as HeldPayment['event'],
    origin: { topic: 'payments', partition: 0, offset: seq, key: null, value },
  };
}

// What the store holds besides the marker that says it holds no list of an earlier version.
function payload(store: KeyValueStore<HeldValue>): Array<[string, HeldValue]> {
  return [...store.range()].filter(([key]) => key !== '\u0000entries');
}

function payments(): { store: KeyValueStore<HeldValue>; held: HeldPayments } {
  const store = Stores.inMemoryKeyValueStore('held').get() as unknown as KeyValueStore<HeldValue>;
  return { store, held: new HeldPayments(store) };
}

describe('HeldPayments', () => {
  it('takes every payment of an invoice, oldest first by occurred_at then arrival, and nothing of others', () => {
    const { store, held: h } = payments();
    h.add('inv_a', held(3, 200));
    h.add('inv_a', held(1, 300));
    h.add('inv_a', held(2, 200));
    h.add('inv_b', held(4, 100));
    h.add('inv_a\u0000x', held(5, 50)); // an id that extends inv_a's key prefix
    expect(h.take('inv_a').map((p) => p.seq)).toEqual([2, 3, 1]);
    expect(h.take('inv_a')).toEqual([]);
    expect(h.take('inv_a\u0000x').map((p) => p.seq)).toEqual([5]);
    expect(h.take('inv_b').map((p) => p.seq)).toEqual([4]);
    expect(payload(store)).toEqual([]);
  });

  it('keeps ids made of another id, separators and digits apart (ids come from input)', () => {
    const { store, held: h } = payments();
    const other = `inv_x\u0000${pad(1)}`; // inv_x's key for its payment 1, as an invoice id
    h.add('inv_x', held(1, 10));
    h.add(other, held(2, 20));
    h.add('inv_x\u0000', held(3, 30));
    expect(h.take('inv_x').map((p) => p.seq)).toEqual([1]);
    expect(h.remove(other, 2)?.seq).toBe(2);
    expect(h.take('inv_x\u0000').map((p) => p.seq)).toEqual([3]);
    expect(payload(store)).toEqual([]);
  });

  it('removes one payment at its orphan time and keeps the rest', () => {
    const { store, held: h } = payments();
    h.add('inv_a', held(1, 10));
    h.add('inv_a', held(2, 20));
    expect(h.remove('inv_a', 1)?.seq).toBe(1);
    expect(h.remove('inv_a', 1)).toBeUndefined();
    expect(h.remove('inv_a', 2)?.seq).toBe(2);
    expect(payload(store)).toEqual([]);
    expect(h.take('inv_a')).toEqual([]);
  });

  it('keeps every stored value small however many payments wait for one invoice', () => {
    const { store, held: h } = payments();
    const bytes = 'e'.repeat(400);
    for (let seq = 1; seq <= 5_000; seq++) h.add('inv_ghost', held(seq, seq, bytes));
    let largest = 0;
    for (const [key, value] of store.range()) largest = Math.max(largest, Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(value)));
    expect(largest).toBeLessThan(1_000);
    expect(h.take('inv_ghost')).toHaveLength(5_000);
  });

  it('turns lists written by earlier versions into entries when it opens the store, for taking and for removing', () => {
    const store = Stores.inMemoryKeyValueStore('held').get() as unknown as KeyValueStore<HeldValue>;
    store.put('inv_a', [held(2, 20), held(1, 10)]);
    store.put('inv_b', [held(3, 30), held(4, 40)]);
    const h = new HeldPayments(store);
    expect(store.get('inv_a')).toBeUndefined();
    expect(h.take('inv_a').map((p) => p.seq)).toEqual([1, 2]);
    expect(h.remove('inv_b', 3)?.seq).toBe(3);
    h.add('inv_b', held(5, 5));
    expect(h.take('inv_b').map((p) => p.seq)).toEqual([5, 4]);
    // Only the marker is left, and it is nobody's payment.
    expect([...store.range()].map(([key]) => key)).toEqual(['\u0000entries']);
    expect(h.take('')).toEqual([]);
  });

  it('converts once: a store with the marker is not scanned again', () => {
    const { store } = payments();
    let ranges = 0;
    const counting = { ...store, get: (k: string) => store.get(k), range: (from?: string, to?: string) => (ranges++, store.range(from, to)), put: (k: string, v: HeldValue) => store.put(k, v), delete: (k: string) => store.delete(k) } as KeyValueStore<HeldValue>;
    new HeldPayments(counting);
    expect(ranges).toBe(0);
    expect(store.get('\u0000entries')).toBe(1);
  });
});
