// Zod schemas of the input events, per event type, as they appear on the wire (snake_case JSON).
// `event_id` and `event_type` are checked before these (validation.ts), so that a record of the
// wrong topic is reported as such; currency codes and amount decimals are checked after.
import * as z from 'zod';
import { parseDecimal, signOf, compareDecimal, type Decimal } from '../values/decimal.ts';
import { parseDate, parseTimestamp } from '../values/time.ts';

const ONE: Decimal = { units: 1n, scale: 0 };

/** A decimal given as a JSON string or number (numbers arrive as source text, see json.ts). */
function exactDecimal(field: string, accept: (d: Decimal) => boolean, rule: string) {
  return z.union([z.string(), z.number()]).transform((raw, ctx) => {
    const text = typeof raw === 'number' ? String(raw) : raw;
    const value = parseDecimal(text);
    if (!value) {
      ctx.addIssue({ code: 'custom', message: `${field} is not a decimal` });
      return z.NEVER;
    }
    if (!accept(value)) {
      ctx.addIssue({ code: 'custom', message: `${field} must be ${rule}` });
      return z.NEVER;
    }
    return text;
  });
}

const id = z.string().min(1);
// Read once, here: the schema's output is the instant in epoch µs (validation builds the event from it).
const occurredAt = z.string().transform((text, ctx) => {
  const micros = parseTimestamp(text);
  if (micros === undefined) {
    ctx.addIssue({ code: 'custom', message: 'occurred_at' });
    return z.NEVER;
  }
  return micros;
});
const date = z.string().refine((t) => parseDate(t) !== undefined, { message: 'due_date' });

const line = z.object({
  sku: z.string(),
  quantity: exactDecimal('quantity', (d) => signOf(d) > 0, '> 0'),
  unit_price: exactDecimal('unit_price', (d) => signOf(d) >= 0, '>= 0'),
  tax_rate: exactDecimal('tax_rate', (d) => signOf(d) >= 0 && compareDecimal(d, ONE) <= 0, 'in [0, 1]'),
});
const lines = z.array(line).min(1);

/** `order.placed` on the wire. */
export const orderPlacedSchema = z.object({
  occurred_at: occurredAt,
  order_id: id,
  client_id: id,
  currency: z.string(),
  lines,
  payment_terms_days: z.number().int().min(0).max(365).nullish(),
});

/** `order.amended` on the wire: at least one of `lines`, `due_date`. */
export const orderAmendedSchema = z
  .object({ occurred_at: occurredAt, order_id: id, lines: lines.nullish(), due_date: date.nullish() })
  .refine((o) => o.lines != null || o.due_date != null, { message: 'lines or due_date required' });

/** `order.cancelled` on the wire. */
export const orderCancelledSchema = z.object({ occurred_at: occurredAt, order_id: id, reason: z.string().nullish() });

const amount = exactDecimal('amount', (d) => signOf(d) > 0, '> 0');

/** `payment.received` on the wire. */
export const paymentReceivedSchema = z.object({
  occurred_at: occurredAt,
  payment_id: id,
  invoice_id: id,
  amount,
  currency: z.string(),
  method: id,
});

/** `payment.refunded` on the wire. */
export const paymentRefundedSchema = z.object({
  occurred_at: occurredAt,
  payment_id: id,
  invoice_id: id,
  amount,
  currency: z.string(),
});

/** Any `invoice-activity` event on the wire. */
export const activitySchema = z.object({ occurred_at: occurredAt, invoice_id: id });

/** The schema of each event type. */
export const INPUT_SCHEMAS = {
  'order.placed': orderPlacedSchema,
  'order.amended': orderAmendedSchema,
  'order.cancelled': orderCancelledSchema,
  'payment.received': paymentReceivedSchema,
  'payment.refunded': paymentRefundedSchema,
  'invoice.sent': activitySchema,
  'invoice.viewed': activitySchema,
  'invoice.disputed': activitySchema,
  'invoice.dispute_resolved': activitySchema,
} as const;

/** The event types each input topic may carry. */
export const TYPES_BY_ROLE = {
  orders: ['order.placed', 'order.amended', 'order.cancelled'],
  payments: ['payment.received', 'payment.refunded'],
  activity: ['invoice.sent', 'invoice.viewed', 'invoice.disputed', 'invoice.dispute_resolved'],
} as const;
