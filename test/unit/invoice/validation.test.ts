import { describe, expect, it } from 'vitest';
import { validateValue, type Validation } from '../../../src/invoice/validation.ts';
import type { InputRole } from '../../../src/invoice/events.ts';

const at = '2026-01-05T10:00:00Z';
const check = (role: InputRole, value: unknown, maxBytes?: number): Validation =>
  validateValue(role, Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), maxBytes);
const payment = (extra: Record<string, unknown>) => ({
  event_id: 'p1', event_type: 'payment.received', occurred_at: at, payment_id: 'pay', invoice_id: 'inv_1', amount: '10.00', currency: 'EUR', method: 'ach', ...extra,
});
const order = (extra: Record<string, unknown>) => ({
  event_id: 'o1', event_type: 'order.placed', occurred_at: at, order_id: '1', client_id: 'c', currency: 'EUR',
  lines: [{ sku: 'a', quantity: 1, unit_price: '1', tax_rate: '0' }], ...extra,
});
const rejected = (v: Validation) => (v.ok ? 'ok' : `${v.reason}: ${v.error}`);

describe('validation', () => {
  it('accepts well-formed events of each topic', () => {
    expect(check('orders', order({}))).toMatchObject({ ok: true, event: { type: 'order.placed', paymentTermsDays: 30 } });
    expect(check('payments', payment({ amount: 10.5 }))).toMatchObject({ ok: true, event: { amount: '10.5' } });
    expect(check('activity', { event_id: 'a', event_type: 'invoice.sent', occurred_at: '2026-01-05T12:00:00+02:00', invoice_id: 'i' }))
      .toMatchObject({ ok: true, event: { occurredAt: Date.UTC(2026, 0, 5, 10) * 1000 } });
    expect(check('orders', { event_id: 'x', event_type: 'order.amended', occurred_at: at, order_id: '1', due_date: '2026-02-30' })).toMatchObject({ ok: false });
  });

  it('names bad input with the contract reason codes', () => {
    expect(rejected(check('orders', '{"event_id": "x"'))).toBe('malformed_json: not JSON');
    expect(rejected(validateValue('orders', Buffer.from([0xff, 0xfe, 0x7b])))).toBe('malformed_json: not UTF-8');
    expect(rejected(check('orders', '[]'))).toBe('schema_violation: not an object');
    expect(rejected(check('orders', `\uFEFF${JSON.stringify(order({}))}`))).toBe('malformed_json: not JSON');
    expect(rejected(check('orders', ''))).toBe('malformed_json: not JSON');
    expect(rejected(check('activity', '{}'))).toBe('schema_violation: event_id');
    expect(rejected(check('orders', { ...order({}), event_id: 'z'.repeat(129) }))).toBe('schema_violation: event_id');
    expect(check('orders', { ...order({}), event_id: 'z'.repeat(128) }).ok).toBe(true);
    expect(rejected(check('orders', payment({})))).toBe('schema_violation: event_type');
    expect(rejected(check('payments', order({})))).toBe('schema_violation: event_type');
    expect(rejected(check('orders', order({ currency: 'XXX' })))).toBe('unknown_currency: XXX');
    // Money from 10^24 units up is refused (decimal(38,4) must hold every sum of such values).
    expect(rejected(check('payments', payment({ amount: '1000000000000000000000000' })))).toBe('schema_violation: amount out of range');
    expect(check('payments', payment({ amount: '999999999999999999999999.99' })).ok).toBe(true);
    const huge = [{ sku: 'a', quantity: 1, unit_price: '1', tax_rate: '0' }, { sku: 'b', quantity: '1e12', unit_price: '1e12', tax_rate: '0' }];
    expect(rejected(check('orders', order({ lines: huge })))).toBe('schema_violation: lines.1 out of range');
    expect(rejected(check('orders', { event_id: 'a1', event_type: 'order.amended', occurred_at: at, order_id: '1', lines: huge }))).toBe('schema_violation: lines.1 out of range');
    // A due date past 9999-12-31 cannot be written as YYYY-MM-DD; the last writable one can.
    expect(rejected(check('orders', order({ occurred_at: '9999-12-30T10:00:00Z' })))).toBe('schema_violation: due_date out of range');
    expect(check('orders', order({ occurred_at: '9999-12-30T10:00:00Z', payment_terms_days: 1 })).ok).toBe(true);
    expect(rejected(check('orders', order({ occurred_at: '9999-12-31T23:00:00-05:00' })))).toBe('schema_violation: occurred_at');
    expect(rejected(check('payments', payment({ currency: 'ABC' })))).toBe('unknown_currency: ABC');
    expect(rejected(check('payments', payment({ amount: '-5' })))).toBe('schema_violation: amount must be > 0');
    expect(rejected(check('payments', payment({ amount: '5.001' })))).toBe('schema_violation: amount has too many decimals');
    expect(rejected(check('payments', JSON.stringify(payment({ amount: 0 })).replace('"amount":0', '"amount":4792.650000000000001')))).toBe('schema_violation: amount has too many decimals');
    expect(check('payments', JSON.stringify(payment({ amount: 0 })).replace('"amount":0', '"amount":4792.65'))).toMatchObject({ ok: true, event: { amount: '4792.65' } });
    expect(check('payments', payment({ amount: '5.000' })).ok).toBe(true);
    expect(check('payments', payment({ amount: '5', currency: 'JPY' })).ok).toBe(true);
    expect(rejected(check('payments', payment({ amount: '5.5', currency: 'JPY' })))).toBe('schema_violation: amount has too many decimals');
    expect(check('payments', payment({ amount: '5.125', currency: 'KWD' })).ok).toBe(true);
    expect(rejected(check('orders', order({ occurred_at: '2026-02-01' })))).toBe('schema_violation: occurred_at');
    expect(rejected(check('orders', order({ lines: [] })))).toBe('schema_violation: lines');
    expect(rejected(check('orders', order({ payment_terms_days: 366 })))).toBe('schema_violation: payment_terms_days');
    expect(rejected(check('orders', order({ lines: [{ sku: 'a', quantity: 0, unit_price: '1', tax_rate: '0' }] })))).toBe('schema_violation: quantity must be > 0');
    expect(rejected(check('orders', order({ lines: [{ sku: 'a', quantity: 1, unit_price: '1', tax_rate: '1.5' }] })))).toBe('schema_violation: tax_rate must be in [0, 1]');
    expect(rejected(check('orders', { event_id: 'x', event_type: 'order.amended', occurred_at: at, order_id: '1' }))).toBe('schema_violation: lines or due_date required');
    expect(rejected(check('orders', order({}), 10))).toMatch(/^oversize/);
  });
});
