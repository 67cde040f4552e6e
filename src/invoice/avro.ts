// Invoice events as Avro (schemas/invoice-event.avsc): decimals as big-endian two's-complement
// unscaled bytes at scale 4, dates as days since the epoch, timestamps as epoch microseconds.
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { InvoiceEvent } from './invoice.ts';
import { parseDecimal, roundToScale } from './money.ts';
import { parseDate, parseTimestamp } from './time.ts';

/** Scale of every Avro money field. */
export const AVRO_MONEY_SCALE = 4;

/** The current invoice event schema (JSON), as checked in. */
export const INVOICE_EVENT_SCHEMA: avro.Schema = JSON.parse(
  readFileSync(new URL('../../schemas/invoice-event.avsc', import.meta.url), 'utf8'),
) as avro.Schema;

/** The avsc type of the current schema. */
export const invoiceEventType = avro.Type.forSchema(INVOICE_EVENT_SCHEMA);

/** Decimal text → unscaled two's-complement big-endian bytes at `scale` (Avro decimal). */
export function decimalBytes(text: string, scale = AVRO_MONEY_SCALE): Buffer {
  const d = parseDecimal(text);
  if (!d) throw new Error(`not a decimal: ${text}`);
  let unscaled = roundToScale(d, scale);
  const bytes: number[] = [];
  // Emit bytes little-end first until the rest is pure sign extension.
  while (true) {
    const byte = Number(unscaled & 0xffn);
    bytes.push(byte);
    unscaled >>= 8n;
    const signBit = byte & 0x80;
    if ((unscaled === 0n && !signBit) || (unscaled === -1n && signBit)) break;
  }
  return Buffer.from(bytes.reverse());
}

/** Avro decimal bytes → decimal text at `scale`. */
export function decimalText(bytes: Buffer, scale = AVRO_MONEY_SCALE): string {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  if (bytes.length > 0 && (bytes[0] as number) & 0x80) value -= 1n << BigInt(bytes.length * 8);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0');
  const sign = negative ? '-' : '';
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function day(text: string): number {
  const d = parseDate(text);
  if (d === undefined) throw new Error(`not a date: ${text}`);
  return d;
}

function micros(text: string): number {
  const t = parseTimestamp(text);
  if (t === undefined) throw new Error(`not a timestamp: ${text}`);
  return t;
}

/** The Avro record of an invoice event. */
export function toAvroRecord(e: InvoiceEvent): Record<string, unknown> {
  return {
    event_type: e.event_type,
    event_id: e.event_id,
    timestamp: micros(e.timestamp),
    invoice_id: e.invoice_id,
    order_id: e.order_id,
    client_id: e.client_id,
    currency: e.currency,
    amount: e.amount === null ? null : decimalBytes(e.amount),
    payment_method: e.payment_method,
    invoice_total: decimalBytes(e.invoice_total),
    amount_paid: decimalBytes(e.amount_paid),
    outstanding: decimalBytes(e.outstanding),
    status: e.status,
    issue_date: day(e.issue_date),
    due_date: day(e.due_date),
    days_to_pay: e.days_to_pay,
    days_overdue: e.days_overdue,
    version: e.version,
  };
}

/** Encodes an invoice event as Avro binary (no framing). */
export function encodeInvoiceEvent(e: InvoiceEvent): Buffer {
  return invoiceEventType.toBuffer(toAvroRecord(e));
}
