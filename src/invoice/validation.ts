// Raw record value → a typed input event, or the reason it is bad input. Checks run in a fixed
// order (size, UTF-8, JSON, object, event_id, event_type for the topic, fields, currency, amount
// decimals) so a record with several faults always gets the same reason.
import type * as z from 'zod';
import { isFramed, type AvroInputDecoder } from './avro-input.ts';
import { minorUnits } from './currency.ts';
import type { InputRejection } from './dead-letters.ts';
import type { InputEvent, InputRole, OrderLine } from './events.ts';
import { INPUT_SCHEMAS, TYPES_BY_ROLE } from './input-schemas.ts';
import { DEFAULT_MAX_VALUE_BYTES, readJson } from './json.ts';
import { multiply, normalize, parseDecimal, type Decimal } from '../values/decimal.ts';
import { MAX_DAY, parseDate, utcDay } from '../values/time.ts';

export { DEFAULT_MAX_VALUE_BYTES };

/** The outcome of validating one record value. */
export type Validation = { ok: true; event: InputEvent } | { ok: false; reason: InputRejection; error: string };

function reject(reason: InputRejection, error: string): Validation {
  return { ok: false, reason, error };
}

function firstIssue(issues: readonly z.core.$ZodIssue[]): string {
  const issue = issues[0];
  if (!issue) return 'invalid';
  // Our own checks carry a readable message; zod's generic ones are named by the field path.
  if (issue.code === 'custom' || issue.path.length === 0) return issue.message;
  return issue.path.join('.');
}

function toLines(raw: ReadonlyArray<{ sku: string; quantity: string; unit_price: string; tax_rate: string }>): OrderLine[] {
  return raw.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unit_price, taxRate: l.tax_rate }));
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** The rejection of a value of `length` bytes, over the limit. */
export function oversize(length: number, maxBytes = DEFAULT_MAX_VALUE_BYTES): Validation {
  return reject('oversize', `${length} bytes > ${maxBytes}`);
}

/** Validates a record value read from a topic with the given role; `parsed` is its JSON already parsed (by the event-time reader), if it was. */
export function validateValue(role: InputRole, value: Uint8Array | null, maxBytes = DEFAULT_MAX_VALUE_BYTES, avro?: AvroInputDecoder, parsed?: { value: unknown }): Validation {
  if (value === null) return reject('schema_violation', 'no value');
  if (value.length > maxBytes) return oversize(value.length, maxBytes);
  // Framed Avro only when a registry is configured; otherwise a leading 0 byte is just not JSON.
  if (avro && isFramed(value)) {
    const decoded = avro.decode(value);
    return decoded.ok ? validateObject(role, decoded.value) : reject('bad_avro_framing', decoded.error);
  }
  const read = parsed ?? readJson(value);
  return 'value' in read ? validateObject(role, read.value) : reject('malformed_json', read.error);
}

/** Validates an already parsed JSON value (the JSON and Avro paths share this). */
export function validateObject(role: InputRole, json: unknown): Validation {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return reject('schema_violation', 'not an object');
  const record = json as Record<string, unknown>;
  const eventId = record.event_id;
  if (typeof eventId !== 'string' || eventId.length === 0 || (eventId.length > 128 && codePoints(eventId) > 128)) {
    return reject('schema_violation', 'event_id');
  }
  const type = record.event_type;
  const allowed: readonly string[] = TYPES_BY_ROLE[role];
  if (typeof type !== 'string' || !allowed.includes(type)) return reject('schema_violation', 'event_type');
  return validateFields(type as keyof typeof INPUT_SCHEMAS, eventId, record);
}

function checkCurrency(currency: string): Validation | number {
  const minor = minorUnits(currency);
  return minor === undefined ? reject('unknown_currency', currency) : minor;
}

// Money must stay below 10^24 currency units per amount and per order line (q × unit_price). The
// published decimal(38,4) holds 34 integer digits: bounding each input far below that keeps every
// sum (an invoice's lines, its payments, a client's invoices) writable unless it adds up ten
// billion such values; a value that could not be written is bad input, not a failed serializer.
const MONEY_DIGITS = 24;

function inRange(d: Decimal): boolean {
  const units = d.units < 0n ? -d.units : d.units;
  return units < 10n ** BigInt(MONEY_DIGITS + d.scale);
}

function checkAmount(amount: string, minor: number): Validation | string {
  const value = parseDecimal(amount);
  if (!value || normalize(value).scale > minor) return reject('schema_violation', 'amount has too many decimals');
  if (!inRange(value)) return reject('schema_violation', 'amount out of range');
  return amount;
}

// The first order line whose net (quantity × unit_price) is out of range, as a rejection.
function checkLines(lines: readonly OrderLine[]): Validation | undefined {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as OrderLine;
    const net = multiply(parseDecimal(line.quantity) as Decimal, parseDecimal(line.unitPrice) as Decimal);
    if (!inRange(net)) return reject('schema_violation', `lines.${i} out of range`);
  }
  return undefined;
}

function validateFields(type: keyof typeof INPUT_SCHEMAS, eventId: string, record: Record<string, unknown>): Validation {
  const base = { eventId, occurredAt: 0 };
  switch (type) {
    case 'order.placed': {
      const r = INPUT_SCHEMAS[type].safeParse(record);
      if (!r.success) return reject('schema_violation', firstIssue(r.error.issues));
      const minor = checkCurrency(r.data.currency);
      if (typeof minor !== 'number') return minor;
      base.occurredAt = r.data.occurred_at;
      const paymentTermsDays = r.data.payment_terms_days ?? 30;
      // The invoice's due date must be writable as YYYY-MM-DD (an order late in year 9999).
      if (utcDay(base.occurredAt) + paymentTermsDays > MAX_DAY) return reject('schema_violation', 'due_date out of range');
      const lines = toLines(r.data.lines);
      const outOfRange = checkLines(lines);
      if (outOfRange) return outOfRange;
      const event: InputEvent = {
        type, ...base, orderId: r.data.order_id, clientId: r.data.client_id, currency: r.data.currency, lines, paymentTermsDays,
      };
      return { ok: true, event };
    }
    case 'order.amended': {
      const r = INPUT_SCHEMAS[type].safeParse(record);
      if (!r.success) return reject('schema_violation', firstIssue(r.error.issues));
      base.occurredAt = r.data.occurred_at;
      const event: InputEvent = { type, ...base, orderId: r.data.order_id };
      if (r.data.lines != null) {
        event.lines = toLines(r.data.lines);
        const outOfRange = checkLines(event.lines);
        if (outOfRange) return outOfRange;
      }
      if (r.data.due_date != null) event.dueDate = parseDate(r.data.due_date) as number;
      return { ok: true, event };
    }
    case 'order.cancelled': {
      const r = INPUT_SCHEMAS[type].safeParse(record);
      if (!r.success) return reject('schema_violation', firstIssue(r.error.issues));
      base.occurredAt = r.data.occurred_at;
      const event: InputEvent = { type, ...base, orderId: r.data.order_id };
      if (r.data.reason != null) event.reason = r.data.reason;
      return { ok: true, event };
    }
    case 'payment.received': {
      const r = INPUT_SCHEMAS[type].safeParse(record);
      if (!r.success) return reject('schema_violation', firstIssue(r.error.issues));
      const common = paymentFields(eventId, r.data);
      if ('ok' in common) return common;
      return { ok: true, event: { type, ...common, method: r.data.method } };
    }
    case 'payment.refunded': {
      const r = INPUT_SCHEMAS[type].safeParse(record);
      if (!r.success) return reject('schema_violation', firstIssue(r.error.issues));
      const common = paymentFields(eventId, r.data);
      if ('ok' in common) return common;
      return { ok: true, event: { type, ...common } };
    }
    default: {
      const r = INPUT_SCHEMAS[type].safeParse(record);
      if (!r.success) return reject('schema_violation', firstIssue(r.error.issues));
      base.occurredAt = r.data.occurred_at;
      return { ok: true, event: { type, ...base, invoiceId: r.data.invoice_id } };
    }
  }
}

interface PaymentWire {
  occurred_at: number;
  payment_id: string;
  invoice_id: string;
  amount: string;
  currency: string;
}

function paymentFields(eventId: string, data: PaymentWire) {
  const minor = checkCurrency(data.currency);
  if (typeof minor !== 'number') return minor;
  const amount = checkAmount(data.amount, minor);
  if (typeof amount !== 'string') return amount;
  const occurredAt = data.occurred_at;
  return { eventId, occurredAt, paymentId: data.payment_id, invoiceId: data.invoice_id, amount, currency: data.currency };
}
