// A deterministic scenario generator: orders with their payments and activity over a time span,
// messy on purpose (redeliveries, payments before their order, partial and over-payments,
// refunds, amendments, cancellations, disputes, currency mismatches, orphans, bad lines).
// Same seed and options → the same three JSONL files, byte for byte.
import { invoiceTotalMinor } from '../../src/invoice/invoice.ts';
import type { OrderLine } from '../../src/invoice/events.ts';
import { formatUnscaled } from '../../src/values/decimal.ts';
import { minorUnits } from '../../src/invoice/currency.ts';
import { MICROS_PER_DAY } from '../../src/values/time.ts';
import { rng } from '../lib.ts';

/** Settings of a generated scenario. */
export interface ScenarioOptions {
  orders: number;
  seed?: number;
  /** First order time (epoch µs) and span of order times in days. */
  startMicros?: number;
  spanDays?: number;
  clients?: number;
  /** Probability that a record is redelivered (written twice). */
  redelivery?: number;
  /** Probability of a bad line after each record. */
  badLines?: number;
}

/** The three input files as lines (no newline). */
export interface Scenario {
  orders: string[];
  payments: string[];
  activity: string[];
}

interface Timed {
  at: number;
  line: string;
}

const CURRENCIES: ReadonlyArray<[string, number]> = [['EUR', 40], ['USD', 30], ['GBP', 12], ['CHF', 6], ['JPY', 7], ['KWD', 5]];
const TERMS = [0, 7, 14, 30, 30, 30, 45, 60, undefined];
const TAX = ['0', '0.075', '0.19', '0.2', '0.125'];
const METHODS = ['ach', 'stripe_card', 'paypal', 'sepa_debit', 'bank_transfer'];
const BAD = [
  '{"event_id": "x", "event_type": "order.placed"',
  'not json at all',
  '[]',
  '{}',
  '{"event_id":"b5","event_type":"order.shipped","occurred_at":"2026-01-07T19:39:52.343Z"}',
];


function iso(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString();
}

/** Generates a scenario (see the file comment). */
export function generateScenario(options: ScenarioOptions): Scenario {
  const random = rng(options.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (p: number) => random() < p;
  const weighted = (): string => {
    const total = CURRENCIES.reduce((n, [, w]) => n + w, 0);
    let r = random() * total;
    for (const [code, w] of CURRENCIES) if ((r -= w) < 0) return code;
    return 'EUR';
  };
  const start = options.startMicros ?? Date.UTC(2026, 0, 5) * 1000;
  const span = (options.spanDays ?? 120) * MICROS_PER_DAY;
  const hour = MICROS_PER_DAY / 24;
  const orders: Timed[] = [];
  const payments: Timed[] = [];
  const activity: Timed[] = [];
  let seq = 0;
  const id = (prefix: string) => `${prefix}-${options.seed ?? 1}-${String(++seq).padStart(8, '0')}`;
  const push = (file: Timed[], at: number, body: Record<string, unknown>, prefix: string) => {
    file.push({ at, line: JSON.stringify({ event_id: id(prefix), event_type: body.event_type, occurred_at: iso(at), ...body }) });
  };
  for (let n = 0; n < options.orders; n++) {
    const orderId = `ord_${options.seed ?? 1}_${String(n).padStart(7, '0')}`;
    const invoiceId = `inv_${orderId}`;
    const currency = weighted();
    const scale = minorUnits(currency) as number;
    const placed = start + Math.floor(random() * span);
    const lines: OrderLine[] = [];
    const lineCount = 1 + Math.floor(random() * 3);
    for (let l = 0; l < lineCount; l++) {
      const quantity = chance(0.2) ? (1 + random() * 5).toFixed(3) : String(1 + Math.floor(random() * 10));
      const unitPrice = (random() * (scale === 0 ? 50_000 : 2_000)).toFixed(chance(0.3) ? 4 : scale);
      lines.push({ sku: `SKU-${Math.floor(random() * 500)}`, quantity, unitPrice, taxRate: pick(TAX) });
    }
    const wireLines = lines.map((l) => ({ sku: l.sku, quantity: /^\d+$/.test(l.quantity) ? Number(l.quantity) : l.quantity, unit_price: l.unitPrice, tax_rate: l.taxRate }));
    const terms = pick(TERMS);
    const clientId = `cli_${Math.floor(random() * (options.clients ?? Math.max(10, options.orders / 4)))}`;
    push(orders, placed, { event_type: 'order.placed', order_id: orderId, client_id: clientId, currency, lines: wireLines, ...(terms === undefined ? {} : { payment_terms_days: terms }) }, 'o');
    let total = invoiceTotalMinor(lines, scale);
    if (chance(0.9)) push(activity, placed + Math.floor(random() * 6 * hour), { event_type: 'invoice.sent', invoice_id: invoiceId }, 'a');
    if (chance(0.55)) push(activity, placed + Math.floor((1 + random() * 10) * MICROS_PER_DAY), { event_type: 'invoice.viewed', invoice_id: invoiceId }, 'a');
    if (chance(0.06)) {
      const at = placed + Math.floor((1 + random() * 5) * MICROS_PER_DAY);
      if (chance(0.5)) {
        const amended: OrderLine = { sku: 'SKU-ADJ', quantity: '1', unitPrice: (random() * 500).toFixed(scale), taxRate: pick(TAX) };
        total = invoiceTotalMinor([amended], scale);
        push(orders, at, { event_type: 'order.amended', order_id: orderId, lines: [{ sku: amended.sku, quantity: 1, unit_price: amended.unitPrice, tax_rate: amended.taxRate }] }, 'o');
      } else {
        push(orders, at, { event_type: 'order.amended', order_id: orderId, due_date: iso(at + 60 * MICROS_PER_DAY).slice(0, 10) }, 'o');
      }
    }
    if (chance(0.07)) {
      const at = placed + Math.floor((2 + random() * 20) * MICROS_PER_DAY);
      push(activity, at, { event_type: 'invoice.disputed', invoice_id: invoiceId }, 'a');
      if (chance(0.85)) push(activity, at + Math.floor((1 + random() * 10) * MICROS_PER_DAY), { event_type: 'invoice.dispute_resolved', invoice_id: invoiceId }, 'a');
    }
    if (chance(0.02)) {
      push(orders, placed + Math.floor((1 + random() * 30) * MICROS_PER_DAY), { event_type: 'order.cancelled', order_id: orderId, reason: 'customer request' }, 'o');
    }
    const behaviour = random();
    const money = (minor: bigint) => (chance(0.1) ? Number(formatUnscaled(minor, scale)) : formatUnscaled(minor, scale));
    const pay = (at: number, minor: bigint, k: number) => {
      if (minor <= 0n) return;
      push(payments, at, { event_type: 'payment.received', payment_id: `pay_${orderId}_${k}`, invoice_id: invoiceId, amount: money(minor), currency: chance(0.005) ? (currency === 'EUR' ? 'USD' : 'EUR') : currency, method: pick(METHODS) }, 'p');
    };
    const early = chance(0.03) ? placed - Math.floor(random() * 2 * MICROS_PER_DAY) : undefined;
    const firstAt = early ?? placed + Math.floor((1 + random() * 50) * MICROS_PER_DAY);
    if (behaviour < 0.55) pay(firstAt, total, 0);
    else if (behaviour < 0.8) {
      const part = (total * BigInt(20 + Math.floor(random() * 60))) / 100n;
      pay(firstAt, part, 0);
      if (chance(0.7)) pay(firstAt + Math.floor((3 + random() * 40) * MICROS_PER_DAY), total - part, 1);
    } else if (behaviour < 0.84) pay(firstAt, total + total / 10n, 0);
    if (behaviour < 0.8 && chance(0.05)) {
      push(payments, firstAt + Math.floor((2 + random() * 20) * MICROS_PER_DAY), { event_type: 'payment.refunded', payment_id: `pay_${orderId}_0`, invoice_id: invoiceId, amount: money(total / 4n), currency }, 'p');
    }
  }
  // Orphans: payments for invoices that never come.
  for (let g = 0; g < Math.max(1, Math.floor(options.orders / 200)); g++) {
    push(payments, start + Math.floor(random() * span), { event_type: 'payment.received', payment_id: id('ghost'), invoice_id: `inv_ghost_${g}`, amount: '12.34', currency: 'USD', method: 'ach' }, 'p');
  }
  const finish = (file: Timed[]): string[] => {
    file.sort((a, b) => a.at - b.at);
    const out: string[] = [];
    for (const t of file) {
      out.push(t.line);
      if (chance(options.redelivery ?? 0.02)) out.push(t.line);
      if (chance(options.badLines ?? 0.004)) out.push(pick(BAD));
    }
    return out;
  };
  return { orders: finish(orders), payments: finish(payments), activity: finish(activity) };
}
