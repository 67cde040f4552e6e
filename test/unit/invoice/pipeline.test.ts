// The contract's rules through the whole topology (TopologyTestDriver): clock rules, episodes,
// held payments and orphans, refunds, amendments, voids, duplicates, rounding per currency.
import { describe, expect, it } from 'vitest';
import { make, nextId, run, trail } from './harness.ts';

const INV = 'inv_o1';

describe('invoice pipeline', () => {
  it('fires overdue at --as-of only once the day after the due date has begun', async () => {
    const inputs = [make.placed('o1', '2026-01-01T10:00:00Z')];
    expect(trail((await run(inputs, { asOf: '2026-01-31T23:59:59.999Z' })).events, INV)).toEqual(['created@1']);
    const out = await run(inputs, { asOf: '2026-02-01T00:00:00Z' });
    expect(trail(out.events, INV)).toEqual(['created@1', 'overdue@2']);
    expect(out.events[1]).toMatchObject({ timestamp: '2026-02-01T00:00:00.000000Z', days_overdue: 1, amount: '100.00', status: 'overdue' });
    expect(out.balances.get('cli_1/EUR')).toMatchObject({ overdue_invoices: 1, open_invoices: 1, outstanding: '100.00' });
  });

  it('fires clock rules before applying the event that moved the clock', async () => {
    const out = await run([make.placed('o1', '2026-01-01T10:00:00Z', { payment_terms_days: 0 }), make.paid(INV, '2026-01-03T00:00:00Z', '100.00')]);
    expect(trail(out.events, INV)).toEqual(['created@1', 'overdue@2', 'paid@3']);
    expect(out.invoices.get(INV)).toMatchObject({ status: 'paid', days_to_pay: 2, paid_at: '2026-01-03T00:00:00.000000Z' });
  });

  it('emits overdue once per episode: disputes and due-date extensions end an episode', async () => {
    const out = await run([
      make.placed('o1', '2026-01-01T10:00:00Z', { payment_terms_days: 0 }),
      make.activity('invoice.disputed', INV, '2026-01-01T12:00:00Z'),
      make.placed('o2', '2026-01-05T00:00:00Z'),
      make.activity('invoice.dispute_resolved', INV, '2026-01-06T00:00:00Z'),
      make.activity('invoice.viewed', INV, '2026-01-07T00:00:00Z'),
      make.paid(INV, '2026-01-08T00:00:00Z', '10.00'),
      make.amended('o1', '2026-01-09T00:00:00Z', { due_date: '2026-01-20' }),
      make.placed('o3', '2026-01-22T00:00:00Z'),
    ]);
    expect(trail(out.events, INV)).toEqual([
      'created@1', 'disputed@2', 'dispute_resolved@3', 'overdue@4', 'viewed@5', 'partially_paid@6', 'adjusted@7', 'overdue@8',
    ]);
    const overdue = out.events.filter((e) => e.invoice_id === INV && e.event_type === 'invoice.overdue');
    expect(overdue.map((e) => e.days_overdue)).toEqual([5, 2]);
    expect(out.events.find((e) => e.event_type === 'invoice.adjusted' && e.invoice_id === INV)).toMatchObject({ status: 'partially_paid', amount: '100.00' });
  });

  it('holds payments for unknown invoices and applies them oldest first when the order arrives', async () => {
    const out = await run([
      make.paid(INV, '2026-01-02T00:00:00Z', '60.00'),
      make.refunded(INV, '2026-01-02T06:00:00Z', '30.00'),
      make.paid(INV, '2026-01-01T00:00:00Z', '50.00'),
      make.placed('o1', '2026-01-03T00:00:00Z'),
    ]);
    expect(trail(out.events, INV)).toEqual(['created@1', 'partially_paid@2', 'paid@3', 'refunded@4']);
    expect(out.events[2]).toMatchObject({ timestamp: '2026-01-02T00:00:00.000000Z', days_to_pay: 0, amount: '60.00', payment_method: 'ach' });
    expect(out.invoices.get(INV)).toMatchObject({ status: 'partially_paid', amount_paid: '80.00', paid_at: null });
    expect(out.counts).toEqual({ read: 4, applied: 4, duplicate: 0, dead_lettered: 0, held: 0 });
  });

  it('dead-letters a held payment as orphan_payment when the clock reaches occurred_at + 7 days', async () => {
    const held = make.paid('inv_ghost', '2026-01-01T00:00:00Z', '12.34');
    const before = await run([held, make.placed('o1', '2026-01-07T23:59:59.999Z')]);
    expect(before.counts).toMatchObject({ held: 1, dead_lettered: 0 });
    const after = await run([held, make.placed('o1', '2026-01-08T00:00:00Z')]);
    expect(after.dlq).toEqual([{ reason: 'orphan_payment', error: 'no invoice arrived', topic: 'payments', offset: 0, value: JSON.stringify(held[1]) }]);
    expect(after.counts).toEqual({ read: 2, applied: 1, duplicate: 0, dead_lettered: 1, held: 0 });
    const asOf = await run([held], { asOf: '2026-01-08T00:00:00Z' });
    expect(asOf.counts).toMatchObject({ held: 0, dead_lettered: 1 });
  });

  it('orphans held payments at exactly occurred_at + 7 days in any year 0000–9999', async () => {
    for (const year of ['1000', '2300', '5138', '9000']) {
      const held = make.paid('inv_o1', `${year}-01-01T00:00:00Z`, '12.34');
      const out = await run([held, make.placed('o1', `${year}-01-08T00:00:00Z`)]);
      expect(out.dlq.map((d) => d.reason), year).toEqual(['orphan_payment']);
      expect(out.counts, year).toEqual({ read: 2, applied: 1, duplicate: 0, dead_lettered: 1, held: 0 });
      const early = await run([held, make.placed('o1', `${year}-01-07T23:59:59Z`)]);
      expect(early.counts, year).toMatchObject({ applied: 2, dead_lettered: 0, held: 0 });
    }
  });

  it('dead-letters a payment that arrives after its orphan time at once, never holding it', async () => {
    const late = make.paid('inv_o1', '2026-01-01T00:00:00Z', '12.34');
    // The clock is already at 01-08 (order o2) when the payment arrives; its order comes later.
    const out = await run([make.placed('o2', '2026-01-08T00:00:00Z'), late, make.placed('o1', '2026-01-08T00:00:00Z')]);
    expect(out.dlq).toEqual([{ reason: 'orphan_payment', error: 'no invoice arrived', topic: 'payments', offset: 0, value: JSON.stringify(late[1]) }]);
    expect(out.counts).toEqual({ read: 3, applied: 2, duplicate: 0, dead_lettered: 1, held: 0 });
    expect(trail(out.events, 'inv_o1')).toEqual(['created@1']);
  });

  it('refunds: more than paid is refused; a refund reopens a paid invoice', async () => {
    const out = await run([
      make.placed('o1', '2026-01-01T00:00:00Z'),
      make.refunded(INV, '2026-01-01T01:00:00Z', '1.00'),
      make.paid(INV, '2026-01-02T00:00:00Z', '100.00'),
      make.refunded(INV, '2026-01-03T00:00:00Z', '30.00'),
    ]);
    expect(out.dlq.map((d) => d.reason)).toEqual(['refund_exceeds_paid']);
    expect(trail(out.events, INV)).toEqual(['created@1', 'paid@2', 'refunded@3']);
    expect(out.invoices.get(INV)).toMatchObject({ status: 'partially_paid', amount_paid: '70.00', outstanding: '30.00', paid_at: null, days_to_pay: null });
  });

  it('overpaid: a payment on a paid invoice; negative outstanding is not owed in balances', async () => {
    const out = await run([
      make.placed('o1', '2026-01-01T00:00:00Z'),
      make.paid(INV, '2026-01-02T00:00:00Z', '100.00'),
      make.paid(INV, '2026-01-03T00:00:00Z', '5.00'),
    ]);
    expect(trail(out.events, INV)).toEqual(['created@1', 'paid@2', 'overpaid@3']);
    expect(out.invoices.get(INV)).toMatchObject({ outstanding: '-5.00', status: 'paid', paid_at: '2026-01-02T00:00:00.000000Z' });
    expect(out.balances.get('cli_1/EUR')).toMatchObject({ invoiced_total: '100.00', paid_total: '105.00', outstanding: '0.00', open_invoices: 0 });
  });

  it('voids: writes off the outstanding, refuses later payments and amendments, ignores a second cancel', async () => {
    const out = await run([
      make.placed('o1', '2026-01-01T00:00:00Z'),
      make.paid(INV, '2026-01-02T00:00:00Z', '40.00'),
      make.cancelled('o1', '2026-01-03T00:00:00Z'),
      make.cancelled('o1', '2026-01-04T00:00:00Z'),
      make.paid(INV, '2026-01-05T00:00:00Z', '1.00'),
      make.amended('o1', '2026-01-05T00:00:00Z', { due_date: '2026-03-01' }),
      make.cancelled('nope', '2026-01-05T00:00:00Z'),
      make.amended('nope', '2026-01-05T00:00:00Z', { due_date: '2026-03-01' }),
      make.activity('invoice.sent', 'inv_nope', '2026-01-05T00:00:00Z'),
    ]);
    expect(trail(out.events, INV)).toEqual(['created@1', 'partially_paid@2', 'voided@3']);
    expect(out.events[2]).toMatchObject({ amount: '60.00', status: 'voided' });
    expect(out.dlq.map((d) => `${d.reason}:${d.error}`)).toEqual([
      'invoice_voided:inv_o1', 'invoice_voided:inv_o1', 'unknown_order:nope', 'unknown_order:nope', 'unknown_invoice:inv_nope',
    ]);
    expect(out.balances.get('cli_1/EUR')).toMatchObject({ invoiced_total: '0.00', paid_total: '40.00', outstanding: '0.00', open_invoices: 0 });
    expect(out.counts).toEqual({ read: 9, applied: 4, duplicate: 0, dead_lettered: 5, held: 0 });
  });

  it('drops redeliveries, including those of dead-lettered events, and a second order.placed', async () => {
    const mismatch = make.paid(INV, '2026-01-02T00:00:00Z', '10.00', { currency: 'USD' });
    const placed = make.placed('o1', '2026-01-01T00:00:00Z');
    const out = await run([placed, placed, mismatch, mismatch, make.placed('o1', '2026-01-03T00:00:00Z'), make.activity('invoice.sent', INV, '2026-01-04T00:00:00Z')]);
    expect(out.dlq.map((d) => `${d.reason}:${d.error}`)).toEqual(['currency_mismatch:USD != EUR']);
    expect(out.counts).toEqual({ read: 6, applied: 2, duplicate: 3, dead_lettered: 1, held: 0 });
  });

  it('an event that changes nothing emits nothing', async () => {
    const out = await run([
      make.placed('o1', '2026-01-01T00:00:00Z'),
      make.activity('invoice.sent', INV, '2026-01-01T01:00:00Z'),
      make.activity('invoice.sent', INV, '2026-01-01T02:00:00Z'),
      make.activity('invoice.dispute_resolved', INV, '2026-01-01T03:00:00Z'),
      make.amended('o1', '2026-01-01T04:00:00Z', { lines: [{ sku: 'B', quantity: '2', unit_price: '50', tax_rate: '0' }] }),
    ]);
    expect(trail(out.events, INV)).toEqual(['created@1', 'sent@2']);
    expect(out.invoices.get(INV)).toMatchObject({ sent_at: '2026-01-01T01:00:00.000000Z', version: 2 });
  });

  it('an amendment below the amount paid makes it paid (transition with no amount)', async () => {
    const out = await run([
      make.placed('o1', '2026-01-01T00:00:00Z'),
      make.paid(INV, '2026-01-02T00:00:00Z', '60.00'),
      make.amended('o1', '2026-01-04T00:00:00Z', { lines: [{ sku: 'B', quantity: 1, unit_price: '50', tax_rate: '0' }] }),
    ]);
    expect(trail(out.events, INV)).toEqual(['created@1', 'partially_paid@2', 'adjusted@3', 'paid@4']);
    expect(out.events[3]).toMatchObject({ amount: null, payment_method: null, days_to_pay: 3, outstanding: '-10.00' });
  });

  it('a zero-total order is paid at once; a late order past its due date is overdue at once', async () => {
    const out = await run([
      make.placed('o2', '2026-03-01T00:00:00Z'),
      make.placed('o1', '2026-01-01T00:00:00Z', { lines: [{ sku: 'free', quantity: 1, unit_price: '0', tax_rate: '0.2' }] }),
      make.placed('o3', '2026-01-01T00:00:00Z'),
    ]);
    expect(trail(out.events, INV)).toEqual(['created@1', 'paid@2']);
    expect(trail(out.events, 'inv_o3')).toEqual(['created@1', 'overdue@2']);
    expect(out.events.find((e) => e.invoice_id === 'inv_o3' && e.version === 2)).toMatchObject({ days_overdue: 29, timestamp: '2026-03-01T00:00:00.000000Z' });
  });

  it('rounds per line to the currency minor units, half away from zero (JPY 0, KWD 3)', async () => {
    const out = await run([
      make.placed('o1', '2026-01-01T00:00:00Z', { currency: 'JPY', lines: [{ sku: 'a', quantity: 3, unit_price: '33.5', tax_rate: '0.1' }, { sku: 'b', quantity: '0.5', unit_price: '1', tax_rate: '0' }] }),
      make.placed('o2', '2026-01-01T00:00:00Z', { currency: 'KWD', lines: [{ sku: 'a', quantity: 1, unit_price: '1.23450', tax_rate: '0.05' }] }),
      ['payments', { event_id: nextId(), event_type: 'payment.received', occurred_at: '2026-01-02T00:00:00Z', payment_id: 'p', invoice_id: 'inv_o2', amount: 1.296, currency: 'KWD', method: 'x' }],
    ]);
    // JPY: round(100.5) = 101, round(10.1) = 10; round(0.5) = 1 → 112
    expect(out.invoices.get(INV)).toMatchObject({ invoice_total: '112', outstanding: '112' });
    // KWD: round(1.2345) = 1.235 (half away from zero), tax round(0.06175) = 0.062 → 1.297
    expect(out.invoices.get('inv_o2')).toMatchObject({ invoice_total: '1.297', amount_paid: '1.296', outstanding: '0.001', status: 'partially_paid' });
  });
});
