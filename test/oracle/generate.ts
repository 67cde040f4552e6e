// A seeded generator of small, edgy replay scenarios for the differential test: a few orders in
// 0/2/3-decimal currencies, payments before and after their order, orphans, refunds, overpayment,
// amendments, cancellations, disputes around the due date, redeliveries out of order and bad
// input of every kind, timestamps with offsets and fractions. Deterministic for a seed.
import { rng } from '../../bench/lib.ts';
import { formatMinor, mulDec, roundToMinor, toDec } from './decimal.ts';
import { minorUnits, type OracleInput } from './model.ts';
import { DAY_US, formatDay } from './time.ts';

// The project's seeded PRNG (mulberry32): generating test input is not what the oracle models.
export { rng };

type Topic = 'orders' | 'payments' | 'activity';

interface Item {
  topic: Topic;
  at: number; // µs, for placing the line in its file
  line: string;
  redeliverable: boolean;
}

const HOUR_US = 3_600_000_000;
const START_US = Date.UTC(2026, 2, 1) * 1000;
const CURRENCIES = ['USD', 'EUR', 'JPY', 'KWD', 'BHD', 'GBP'];

/** RFC 3339 text of an instant, in a random but equivalent spelling (fraction, zone). */
function stamp(us: number, r: () => number): string {
  const micro = String(us % 1_000_000).padStart(6, '0');
  const frac = us % 1_000_000 === 0 && r() < 0.5 ? '' : us % 1000 === 0 && r() < 0.7 ? `.${micro.slice(0, 3)}` : `.${micro}`;
  if (r() < 0.6) return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}${frac}Z`;
  // An offset: the same instant written in another zone.
  const off = [120, -330, 60, -600, 345, 0, -60][Math.floor(r() * 7)] as number;
  const local = new Date(Math.floor(us / 1000) + off * 60_000).toISOString();
  const abs = Math.abs(off);
  const zone = `${off < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local.slice(0, 19)}${frac}${zone}`;
}

/** A bare JSON number in a generated line (see `line`). */
const NUM = '@@num@@';
function line(body: Record<string, unknown>): string {
  return JSON.stringify(body).replace(/"@@num@@([^"]*)"/g, '$1');
}

/** Generates one scenario. */
export function generateScenario(seed: number): OracleInput & { seed: number } {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const chance = (p: number) => r() < p;
  const items: Item[] = [];
  let eid = 0;
  const newId = (prefix: string) => `${prefix}-${seed}-${eid++}`;
  // Time: mostly within a few weeks; µs jitter sometimes (sub-millisecond ordering).
  // Grid mode (a third of the seeds): every time on a 12-hour grid, so records of different files
  // tie, orphan deadlines are hit exactly and clocks land on midnight.
  const grid = chance(1 / 3);
  const snap = (us: number) => (grid ? START_US + Math.round((us - START_US) / (12 * HOUR_US)) * 12 * HOUR_US : us);
  const timeAt = (hours: number) => snap(START_US + Math.round(hours * HOUR_US) + (chance(0.15) ? int(0, 999) : 0) + (chance(0.1) ? int(1, 999) * 1000 : 0));
  const add = (topic: Topic, at: number, body: Record<string, unknown>, redeliverable = true) => {
    items.push({ topic, at, line: line({ ...body, occurred_at: body.occurred_at ?? stamp(at, r) }), redeliverable });
  };
  const addRaw = (topic: Topic, at: number, line: string) => items.push({ topic, at, line, redeliverable: false });

  const big = chance(0.15); // now and then a busier scenario
  const nOrders = big ? int(4, 10) : int(1, 5);
  const orders = Array.from({ length: nOrders }, (_, i) => {
    const currency = pick(CURRENCIES);
    return { id: `o${seed}_${i}`, currency, client: `c${int(1, 3)}`, scale: minorUnits(currency) as number, total: 0n, placedAt: timeAt(int(0, 20 * 24)), placed: chance(0.85) };
  });

  const decimalText = (minor: bigint, scale: number) => formatMinor(minor, scale);
  const money = (v: string, asNumber: boolean): string => (asNumber ? `${NUM}${v}` : v);

  for (const o of orders) {
    const lines = Array.from({ length: int(1, 3) }, () => {
      const qDec = chance(0.3) ? int(0, 3) : 0;
      const quantity = qDec === 0 ? String(int(1, 5)) : (int(1, 5000) / 10 ** qDec).toFixed(qDec);
      const pDec = pick([0, 1, 2, 3, 4]);
      const zero = chance(0.08);
      let unitPrice = zero ? '0' : (int(1, 2_000_000) / 10 ** pDec).toFixed(pDec);
      if (!zero && chance(0.2)) unitPrice = `${int(0, 99)}.${'0'.repeat(Math.max(0, o.scale - 1))}5`; // half at minor units
      const taxRate = pick(['0', '0.1', '0.19', '0.2', '0.075', '0.125', '0.05', '1', '0.5']);
      return { sku: `SKU-${int(1, 99)}`, quantity: money(quantity, chance(0.3)), unit_price: money(unitPrice, chance(0.2)), tax_rate: money(taxRate, chance(0.2)), q: quantity, p: unitPrice, t: taxRate };
    });
    if (chance(0.07)) for (const l of lines) { l.unit_price = '0'; l.p = '0'; }
    o.total = lines.reduce((sum, l) => {
      const net = roundToMinor(mulDec(toDec(l.q)!, toDec(l.p)!), o.scale);
      return sum + net + roundToMinor(mulDec({ m: net, k: o.scale }, toDec(l.t)!), o.scale);
    }, 0n);
    const terms = pick([0, 1, 7, 14, 30, null, undefined]);
    const body: Record<string, unknown> = {
      event_id: newId('o'), event_type: 'order.placed', order_id: o.id, client_id: o.client, currency: o.currency,
      lines: lines.map(({ sku, quantity, unit_price, tax_rate }) => ({ sku, quantity, unit_price, tax_rate })),
    };
    if (terms !== undefined) body.payment_terms_days = terms;
    if (o.placed) add('orders', o.placedAt, body);
    if (chance(0.1)) add('orders', o.placedAt + int(1, 48) * HOUR_US, { ...body, event_id: newId('o') }); // placed again, other id
  }

  const amountFor = (o: (typeof orders)[number]) => {
    const total = o.total > 0n ? o.total : BigInt(10 ** o.scale);
    const kind = r();
    if (kind < 0.35) return total;
    if (kind < 0.7) return total / BigInt(int(2, 4)) + 1n;
    if (kind < 0.85) return total + BigInt(int(1, 500));
    return BigInt(int(1, 1000));
  };

  const nEvents = big ? int(30, 90) : int(4, 30);
  for (let i = 0; i < nEvents; i++) {
    const o = pick(orders);
    const invoiceId = chance(0.05) ? `inv_ghost_${seed}` : `inv_${o.id}`;
    const orderId = chance(0.05) ? `ghost_${seed}` : o.id;
    // Relative to the order: before it (held payments), soon, or weeks later (overdue).
    const at = snap(o.placedAt + Math.round((chance(0.15) ? -int(1, 200) : int(0, 24 * 45)) * HOUR_US) + (chance(0.1) ? int(1, 999) : 0));
    const kind = r();
    if (kind < 0.3) {
      const currency = chance(0.07) ? pick(CURRENCIES.filter((c) => c !== o.currency)) : o.currency;
      const scale = minorUnits(currency) as number;
      const minor = amountFor(o);
      const text = decimalText(scale === o.scale ? minor : minor, scale);
      add('payments', at, { event_id: newId('p'), event_type: 'payment.received', payment_id: `pay_${i}`, invoice_id: invoiceId, amount: money(text, chance(0.2)), currency, method: pick(['card', 'sepa', 'wire']) });
    } else if (kind < 0.4) {
      const minor = chance(0.5) ? amountFor(o) : BigInt(int(1, 10 ** o.scale * 50));
      add('payments', at, { event_id: newId('p'), event_type: 'payment.refunded', payment_id: `pay_${i}`, invoice_id: invoiceId, amount: decimalText(minor, o.scale), currency: o.currency });
    } else if (kind < 0.52) {
      const body: Record<string, unknown> = { event_id: newId('o'), event_type: 'order.amended', order_id: orderId };
      const what = r();
      if (what < 0.6) {
        const price = chance(0.15) ? '0' : (int(0, 500_000) / 100).toFixed(2);
        body.lines = [{ sku: 'ADJ', quantity: 1, unit_price: price, tax_rate: pick(['0', '0.2', '0.1']) }];
      }
      if (what >= 0.4) body.due_date = formatDay(Math.floor(o.placedAt / DAY_US) + int(-10, 45));
      add('orders', at, body);
    } else if (kind < 0.58) {
      add('orders', at, { event_id: newId('o'), event_type: 'order.cancelled', order_id: orderId, ...(chance(0.5) ? { reason: 'customer request' } : {}) });
    } else {
      const type = pick(['invoice.sent', 'invoice.viewed', 'invoice.disputed', 'invoice.dispute_resolved', 'invoice.disputed', 'invoice.dispute_resolved']);
      add('activity', at, { event_id: newId('a'), event_type: type, invoice_id: invoiceId });
    }
  }

  // Bad input of every kind, at random times.
  const nBad = int(0, 4);
  for (let i = 0; i < nBad; i++) {
    const o = pick(orders);
    const at = o.placedAt + int(-24, 24 * 20) * HOUR_US;
    const ts = stamp(at, r);
    const topic = pick<Topic>(['orders', 'payments', 'activity']);
    const pay = { event_id: newId('b'), event_type: 'payment.received', occurred_at: ts, payment_id: 'p', invoice_id: `inv_${o.id}`, currency: o.currency, method: 'card' };
    const variants: Array<() => void> = [
      () => addRaw(topic, at, 'not json at all'),
      () => addRaw(topic, at, '{"event_id": "x", "event_type": "order.placed"'),
      () => addRaw(topic, at, '[]'),
      () => addRaw(topic, at, '{}'),
      () => addRaw(topic, at, '42'),
      () => addRaw(topic, at, '\uFEFF{"event_id":"bom","event_type":"invoice.sent","occurred_at":"2026-03-01T00:00:00Z","invoice_id":"x"}'),
      () => add('payments', at, { ...pay, amount: '0' }, false),
      () => add('payments', at, { ...pay, amount: '-5' }, false),
      () => add('payments', at, { ...pay, amount: o.scale === 0 ? '1.5' : `1.${'0'.repeat(o.scale)}1` }, false),
      () => add('payments', at, { ...pay, amount: `${NUM}${o.scale === 0 ? '1.5' : `1.${'0'.repeat(o.scale)}1`}` }, false),
      () => add('payments', at, { ...pay, amount: `5.${'0'.repeat(o.scale + 1)}` }, true), // "5.000" USD: valid
      () => add('payments', at, { ...pay, currency: 'XXX', amount: '5' }, false),
      () => add('payments', at, { ...pay, currency: 'ABC', amount: '5.12345' }, false),
      () => add('payments', at, { ...pay, currency: 978, amount: '5' }, false),
      () => add('payments', at, { ...pay, method: undefined, amount: '5' }, false),
      () => add(topic === 'orders' ? 'payments' : 'orders', at, { ...pay, amount: '5' }, false), // wrong topic
      () => add(topic, at, { ...pay, event_type: 'order.shipped' }, false),
      () => add('activity', at, { event_id: 'x'.repeat(129), event_type: 'invoice.sent', invoice_id: `inv_${o.id}` }, false),
      () => add('activity', at, { event_id: '\u{1F600}'.repeat(100) + newId(''), event_type: 'invoice.viewed', invoice_id: `inv_${o.id}` }, false),
      () => add('activity', at, { event_id: '', event_type: 'invoice.sent', invoice_id: `inv_${o.id}` }, false),
      () => add('activity', at, { event_id: 7, event_type: 'invoice.sent', invoice_id: `inv_${o.id}` }, false),
      () => add('activity', at, { event_id: newId('b'), event_type: 'invoice.sent', invoice_id: `inv_${o.id}`, occurred_at: pick(['2026-02-30T10:00:00Z', '2026-03-01', 'yesterday', '2026-03-01T25:00:00Z', '2026-03-01T10:00:00+24:00']) }, false),
      () => add('activity', at, { event_id: newId('b'), event_type: 'invoice.sent', invoice_id: 5 }, false),
      () => add('orders', at, { event_id: newId('b'), event_type: 'order.placed', order_id: `bad_${i}`, client_id: 'c', currency: 'XXX', lines: [{ sku: 'a', quantity: 1, unit_price: '1', tax_rate: '0' }] }, false),
      () => add('orders', at, { event_id: newId('b'), event_type: 'order.placed', order_id: `bad_${i}`, client_id: 'c', currency: 'USD', lines: [] }, false),
      () => add('orders', at, { event_id: newId('b'), event_type: 'order.placed', order_id: `bad_${i}`, client_id: 'c', currency: 'USD', lines: [{ sku: 'a', quantity: 0, unit_price: '1', tax_rate: '0' }] }, false),
      () => add('orders', at, { event_id: newId('b'), event_type: 'order.placed', order_id: `bad_${i}`, client_id: 'c', currency: 'USD', lines: [{ sku: 'a', quantity: 1, unit_price: '-1', tax_rate: '0' }] }, false),
      () => add('orders', at, { event_id: newId('b'), event_type: 'order.placed', order_id: `bad_${i}`, client_id: 'c', currency: 'USD', lines: [{ sku: 'a', quantity: 1, unit_price: '1', tax_rate: '1.5' }] }, false),
      () => add('orders', at, { event_id: newId('b'), event_type: 'order.placed', order_id: `bad_${i}`, client_id: 'c', currency: 'USD', lines: [{ sku: 'a', quantity: 1, unit_price: 'abc', tax_rate: '0' }] }, false),
      () => add('orders', at, { event_id: newId('b'), event_type: 'order.placed', order_id: `bad_${i}`, client_id: 'c', currency: 'USD', payment_terms_days: pick([366, -1, 2.5]), lines: [{ sku: 'a', quantity: 1, unit_price: '1', tax_rate: '0' }] }, false),
      () => add('orders', at, { event_id: newId('b'), event_type: 'order.amended', order_id: o.id }, false),
      () => add('orders', at, { event_id: newId('b'), event_type: 'order.amended', order_id: o.id, due_date: pick(['2026-02-30', '2026/03/01', 'soon']) }, false),
      () => add('orders', at, { event_id: newId('b'), event_type: 'order.cancelled' }, false),
    ];
    pick(variants)();
  }

  // Files in time order, then local disorder and redeliveries (same line again, later).
  const files: Record<Topic, string[]> = { orders: [], payments: [], activity: [] };
  for (const topic of ['orders', 'payments', 'activity'] as const) {
    const mine = items.filter((it) => it.topic === topic).sort((a, b) => a.at - b.at);
    for (let i = 0; i + 1 < mine.length; i++) {
      if (chance(0.12)) [mine[i], mine[i + 1]] = [mine[i + 1] as Item, mine[i] as Item];
    }
    const out: string[] = mine.map((it) => it.line);
    for (const it of mine) {
      if (it.redeliverable && chance(0.12)) {
        const at = out.indexOf(it.line);
        const to = Math.min(out.length, at + 1 + int(0, 6));
        out.splice(to, 0, it.line);
      }
    }
    files[topic] = out;
  }
  const lastUs = Math.max(...items.map((it) => it.at), START_US);
  const asOfMicros = chance(0.4) ? Math.floor((lastUs + int(0, 40) * DAY_US + int(0, 86_399_999) * 1000) / 1000) * 1000 : undefined;
  return { seed, orders: files.orders, payments: files.payments, activity: files.activity, asOfMicros };
}
