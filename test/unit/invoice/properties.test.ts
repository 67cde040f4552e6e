// Properties over random event streams with redeliveries and reordering (fast-check): the
// accounting always adds up, no money appears or vanishes, client balances are the sums of their
// invoices, versions are contiguous, and a replay of the same stream gives the same output.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUnscaled, parseUnscaled } from '../../../src/values/decimal.ts';
import type { InvoiceRow } from '../../../src/invoice/invoice.ts';
import { run, type Input, type Outcome } from './harness.ts';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const SCALE: Record<string, number> = { EUR: 2, JPY: 0 };
const ORDERS = ['o1', 'o2', 'o3', 'o4'];
// Each order has a fixed currency and client, as in real data; payments sometimes use the wrong one.
const currencyOf = (order: string) => (order === 'o4' ? 'JPY' : 'EUR');
const clientOf = (order: string) => (order === 'o1' || order === 'o4' ? 'c1' : 'c2');

const at = (hours: number) => new Date(START + hours * HOUR).toISOString();
const money = (minor: number, currency: string) => formatUnscaled(BigInt(minor), SCALE[currency] as number);

const hours = fc.integer({ min: 0, max: 2000 });
const order = fc.constantFrom(...ORDERS);
const body = fc.oneof(
  fc.record({ kind: fc.constant('placed'), order, hours, terms: fc.constantFrom(0, 7, 30), price: fc.integer({ min: 0, max: 50_000 }), qty: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('amended'), order, hours, price: fc.integer({ min: 0, max: 50_000 }), due: fc.option(fc.integer({ min: 0, max: 90 })) }),
  fc.record({ kind: fc.constant('cancelled'), order, hours }),
  fc.record({ kind: fc.constant('paid'), order, hours, cents: fc.integer({ min: 1, max: 60_000 }), wrong: fc.boolean() }),
  fc.record({ kind: fc.constant('paid'), order, hours, cents: fc.integer({ min: 1, max: 60_000 }), wrong: fc.constant(false) }),
  fc.record({ kind: fc.constant('refunded'), order, hours, cents: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ kind: fc.constantFrom('invoice.sent', 'invoice.viewed', 'invoice.disputed', 'invoice.dispute_resolved'), order, hours }),
);
type Body = typeof body extends fc.Arbitrary<infer T> ? T : never;

function toInput(b: Body, id: string): Input {
  const base = { event_id: id, occurred_at: at(b.hours) };
  const cur = currencyOf(b.order);
  switch (b.kind) {
    case 'placed': {
      const p = b as Body & { terms: number; price: number; qty: number };
      return ['orders', { ...base, event_type: 'order.placed', order_id: b.order, client_id: clientOf(b.order), currency: cur, payment_terms_days: p.terms,
        lines: [{ sku: 's', quantity: p.qty, unit_price: money(p.price, cur), tax_rate: '0.19' }] }];
    }
    case 'amended': {
      const a = b as Body & { price: number; due: number | null };
      const change = a.due === null ? { lines: [{ sku: 's', quantity: 1, unit_price: money(a.price, cur), tax_rate: '0' }] } : { due_date: at(a.due * 24).slice(0, 10) };
      return ['orders', { ...base, event_type: 'order.amended', order_id: b.order, ...change }];
    }
    case 'cancelled':
      return ['orders', { ...base, event_type: 'order.cancelled', order_id: b.order }];
    case 'paid': {
      const p = b as Body & { cents: number; wrong: boolean };
      const currency = p.wrong ? (cur === 'EUR' ? 'JPY' : 'EUR') : cur;
      return ['payments', { ...base, event_type: 'payment.received', payment_id: `pay_${id}`, invoice_id: `inv_${b.order}`, amount: money(p.cents, currency), currency, method: 'ach' }];
    }
    case 'refunded':
      return ['payments', { ...base, event_type: 'payment.refunded', payment_id: 'pay', invoice_id: `inv_${b.order}`, amount: money((b as Body & { cents: number }).cents, cur), currency: cur }];
    default:
      return ['activity', { ...base, event_type: b.kind, invoice_id: `inv_${b.order}` }];
  }
}

// A stream: distinct events, some redelivered, in a random arrival order.
const stream = fc
  .array(fc.record({ body, redeliver: fc.nat(9), key: fc.double({ min: 0, max: 1, noNaN: true }), key2: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 40 })
  .map((items) => {
    const out: Array<{ input: Input; key: number }> = [];
    items.forEach((it, i) => {
      const input = toInput(it.body, `e${i}`);
      out.push({ input, key: it.key });
      if (it.redeliver === 0) out.push({ input, key: it.key2 });
    });
    return { inputs: out.sort((a, b) => a.key - b.key).map((x) => x.input), distinct: items.length };
  });

function sumPayments(values: ReadonlyArray<Record<string, unknown>>): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const v of values) {
    if (v.event_type !== 'payment.received' && v.event_type !== 'payment.refunded') continue;
    const currency = String(v.currency);
    const amount = parseUnscaled(String(v.amount), SCALE[currency] as number) * (v.event_type === 'payment.refunded' ? -1n : 1n);
    sums.set(currency, (sums.get(currency) ?? 0n) + amount);
  }
  return sums;
}

function paidOnInvoices(rows: Iterable<InvoiceRow>): Map<string, bigint> {
  const sums = new Map<string, bigint>();
  for (const r of rows) sums.set(r.currency, (sums.get(r.currency) ?? 0n) + parseUnscaled(r.amount_paid, SCALE[r.currency] as number));
  return sums;
}

function checkBalances(out: Outcome): void {
  const want = new Map<string, { invoiced: bigint; paid: bigint; outstanding: bigint; open: number; overdue: number }>();
  for (const r of out.invoices.values()) {
    const s = SCALE[r.currency] as number;
    const key = `${r.client_id}/${r.currency}`;
    const w = want.get(key) ?? { invoiced: 0n, paid: 0n, outstanding: 0n, open: 0, overdue: 0 };
    const outstanding = parseUnscaled(r.outstanding, s);
    if (r.status !== 'voided') w.invoiced += parseUnscaled(r.invoice_total, s);
    w.paid += parseUnscaled(r.amount_paid, s);
    if (r.status !== 'voided' && outstanding > 0n) w.outstanding += outstanding;
    if (['open', 'partially_paid', 'overdue', 'disputed'].includes(r.status)) w.open += 1;
    if (r.status === 'overdue') w.overdue += 1;
    want.set(key, w);
  }
  expect([...out.balances.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [key, w] of want) {
    const row = out.balances.get(key);
    const s = SCALE[key.split('/')[1] as string] as number;
    expect(row && [parseUnscaled(row.invoiced_total, s), parseUnscaled(row.paid_total, s), parseUnscaled(row.outstanding, s), row.open_invoices, row.overdue_invoices])
      .toEqual([w.invoiced, w.paid, w.outstanding, w.open, w.overdue]);
  }
}

describe('invoice pipeline properties', () => {
  it('accounting adds up, money is conserved, balances are sums, versions are contiguous, replays are deterministic', async () => {
    await fc.assert(
      fc.asyncProperty(stream, async ({ inputs, distinct }) => {
        // --as-of far ahead: every payment still held becomes an orphan, so nothing is in limbo. The
        // stream spans ~80 days in any order, so the dedup horizon is widened to cover it.
        const out = await run(inputs, { asOf: '2027-01-01T00:00:00Z', dedupHorizonDays: 365 });
        const c = out.counts;
        expect(c.read).toBe(inputs.length);
        expect(c.applied + c.duplicate + c.dead_lettered + c.held).toBe(c.read);
        expect(c.held).toBe(0);
        expect(c.duplicate).toBeGreaterThanOrEqual(inputs.length - distinct);

        // Money: what came in (distinct valid payments) = what invoices hold + what was dead-lettered.
        const seen = new Set<string>();
        const distinctValues = inputs.map(([, v]) => v as Record<string, unknown>).filter((v) => !seen.has(String(v.event_id)) && seen.add(String(v.event_id)));
        const received = sumPayments(distinctValues);
        const dead = sumPayments(out.dlq.map((d) => JSON.parse(d.value) as Record<string, unknown>));
        const kept = paidOnInvoices(out.invoices.values());
        for (const currency of new Set([...received.keys(), ...kept.keys()])) {
          expect((kept.get(currency) ?? 0n) + (dead.get(currency) ?? 0n)).toBe(received.get(currency) ?? 0n);
        }

        checkBalances(out);
        for (const row of out.invoices.values()) {
          const versions = out.events.filter((e) => e.invoice_id === row.invoice_id).map((e) => e.version);
          expect(versions).toEqual(versions.map((_, i) => i + 1));
          expect(row.version).toBe(versions.length);
          if (row.status === 'paid') expect(row.paid_at).not.toBeNull();
          else expect(row.paid_at).toBeNull();
        }

        const again = await run(inputs, { asOf: '2027-01-01T00:00:00Z', dedupHorizonDays: 365 });
        expect(again.events).toEqual(out.events);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 150) },
    );
  });
});
