// Single-field mutations of valid events (a field removed, or set to null, a boolean, a number, a
// string, an array or an object), each in a tiny scenario with an invoice to act on: validation
// fuzzing for the differential test. Deterministic for a seed.
import { rng } from './generate.ts';
import type { OracleInput } from './model.ts';

type Fields = Record<string, unknown>;

const PLACED: Fields = { event_id: 'o', event_type: 'order.placed', occurred_at: '2026-03-01T10:00:00Z', order_id: 'o1', client_id: 'c1', currency: 'USD', lines: [{ sku: 'a', quantity: 2, unit_price: '10.00', tax_rate: '0.1' }], payment_terms_days: 10 };
const PAID = JSON.stringify({ event_id: 'p0', event_type: 'payment.received', occurred_at: '2026-03-01T11:00:00Z', payment_id: 'p0', invoice_id: 'inv_o1', amount: '1.00', currency: 'USD', method: 'x' });
const BASES: Array<['orders' | 'payments' | 'activity', Fields]> = [
  ['orders', { ...PLACED, event_id: 'o2', order_id: 'o2' }],
  ['orders', { event_id: 'm', event_type: 'order.amended', occurred_at: '2026-03-02T10:00:00Z', order_id: 'o1', lines: [{ sku: 'b', quantity: 1, unit_price: '5', tax_rate: '0' }], due_date: '2026-04-01' }],
  ['orders', { event_id: 'c', event_type: 'order.cancelled', occurred_at: '2026-03-02T10:00:00Z', order_id: 'o1', reason: 'r' }],
  ['payments', { event_id: 'p', event_type: 'payment.received', occurred_at: '2026-03-02T10:00:00Z', payment_id: 'p', invoice_id: 'inv_o1', amount: '5.00', currency: 'USD', method: 'card' }],
  ['payments', { event_id: 'r', event_type: 'payment.refunded', occurred_at: '2026-03-02T10:00:00Z', payment_id: 'p', invoice_id: 'inv_o1', amount: '0.50', currency: 'USD' }],
  ['activity', { event_id: 'a', event_type: 'invoice.disputed', occurred_at: '2026-03-02T10:00:00Z', invoice_id: 'inv_o1' }],
];
const VALUES: unknown[] = [null, true, 5, -1, 0, 1.5, 'x', '', [], {}, undefined, ['a'], { a: 1 }, '5', '2026-03-02T10:00:00Z', 'USD', '0'];

/** One mutation: a readable key (`type.field=value`) and its scenario. */
export interface Mutation {
  key: string;
  input: OracleInput;
}

/** Up to `count` distinct mutations. */
export function generateMutations(seed: number, count: number): Mutation[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const out = new Map<string, Mutation>();
  for (let tries = 0; out.size < count && tries < count * 20; tries++) {
    const [topic, base] = pick(BASES);
    const event = structuredClone(base);
    const inLine = Array.isArray(event.lines) && r() < 0.4;
    const target = inLine ? ((event.lines as Fields[])[0] as Fields) : event;
    const field = pick(Object.keys(target));
    const value = pick(VALUES);
    if (value === undefined) delete target[field];
    else target[field] = value;
    const key = `${String(base.event_type)}.${inLine ? 'lines[0].' : ''}${field}=${value === undefined ? '(absent)' : JSON.stringify(value)}`;
    const input: OracleInput = { orders: [JSON.stringify(PLACED)], payments: [PAID], activity: [] };
    input[topic].push(JSON.stringify(event));
    out.set(key, { key, input });
  }
  return [...out.values()];
}
