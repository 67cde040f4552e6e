// The invoice: its state (what the `invoices` store holds), its status rule, and the rows and
// events it is published as. Money in state is decimal text at the currency's minor units.
import { minorUnits } from './currency.ts';
import type { OrderLine } from './events.ts';
import { formatUnscaled, multiply, parseDecimal, parseUnscaled, roundToScale } from '../values/decimal.ts';
import { formatDate, formatTimestamp, utcDay } from '../values/time.ts';

/** Invoice status, in the order the contract's rule checks them. */
export type InvoiceStatus = 'voided' | 'paid' | 'disputed' | 'overdue' | 'partially_paid' | 'open';

/** The state of one invoice (JSON-friendly: it lives in a state store and its changelog). */
export interface InvoiceState {
  invoiceId: string;
  orderId: string;
  clientId: string;
  currency: string;
  /** Minor units of the currency (decimals of every amount below). */
  scale: number;
  invoiceTotal: string;
  amountPaid: string;
  /** Days since the epoch. */
  issueDay: number;
  dueDay: number;
  /** Epoch microseconds, or null. */
  paidAt: number | null;
  sentAt: number | null;
  viewedAt: number | null;
  disputed: boolean;
  voided: boolean;
  status: InvoiceStatus;
  version: number;
  updatedAt: number;
}

/** The invoice event types, as published. */
export type InvoiceEventType =
  | 'invoice.created' | 'invoice.sent' | 'invoice.viewed' | 'invoice.partially_paid' | 'invoice.paid'
  | 'invoice.overpaid' | 'invoice.overdue' | 'invoice.disputed' | 'invoice.dispute_resolved'
  | 'invoice.adjusted' | 'invoice.voided' | 'invoice.refunded';

/** One invoice event (docs/contract.md "Output: invoice events"): decimals as text, dates `YYYY-MM-DD`, timestamps RFC 3339. */
export interface InvoiceEvent {
  event_type: InvoiceEventType;
  event_id: string;
  timestamp: string;
  invoice_id: string;
  order_id: string;
  client_id: string;
  currency: string;
  amount: string | null;
  payment_method: string | null;
  invoice_total: string;
  amount_paid: string;
  outstanding: string;
  status: InvoiceStatus;
  issue_date: string;
  due_date: string;
  days_to_pay: number | null;
  days_overdue: number | null;
  version: number;
}

/** A row of the `invoices` table (and of its changelog topic). */
export interface InvoiceRow {
  invoice_id: string;
  order_id: string;
  client_id: string;
  currency: string;
  invoice_total: string;
  amount_paid: string;
  outstanding: string;
  status: InvoiceStatus;
  issue_date: string;
  due_date: string;
  paid_at: string | null;
  days_to_pay: number | null;
  sent_at: string | null;
  viewed_at: string | null;
  disputed: boolean;
  version: number;
  updated_at: string;
}

/** Σ over lines of round(q × p) + round(round(q × p) × tax), in minor units. */
export function invoiceTotalMinor(lines: readonly OrderLine[], scale: number): bigint {
  let total = 0n;
  for (const line of lines) {
    const quantity = parseDecimal(line.quantity);
    const price = parseDecimal(line.unitPrice);
    const rate = parseDecimal(line.taxRate);
    if (!quantity || !price || !rate) throw new Error(`unvalidated line ${line.sku}`);
    const net = roundToScale(multiply(quantity, price), scale);
    const tax = roundToScale(multiply({ units: net, scale }, rate), scale);
    total += net + tax;
  }
  return total;
}

/** Minor units of the currency; validation guarantees the code is known. */
export function scaleOf(currency: string): number {
  const scale = minorUnits(currency);
  if (scale === undefined) throw new Error(`unknown currency ${currency}`);
  return scale;
}

/** `invoice_total − amount_paid` in minor units (negative: overpaid). */
export function outstandingMinor(inv: InvoiceState): bigint {
  return parseUnscaled(inv.invoiceTotal, inv.scale) - parseUnscaled(inv.amountPaid, inv.scale);
}

/** The status rule, first that holds, at the given clock (epoch micros). */
export function statusAt(inv: InvoiceState, clock: number): InvoiceStatus {
  if (inv.voided) return 'voided';
  if (outstandingMinor(inv) <= 0n) return 'paid';
  if (inv.disputed) return 'disputed';
  // Overdue once the clock reaches the day after the due date, 00:00Z.
  if (utcDay(clock) > inv.dueDay) return 'overdue';
  if (parseUnscaled(inv.amountPaid, inv.scale) > 0n) return 'partially_paid';
  return 'open';
}

/** The deterministic id of the event with this version of this invoice. */
export function invoiceEventId(invoiceId: string, version: number): string {
  return `${invoiceId}:${version}`;
}

/** The event as published, from the invoice state after it. */
export function toInvoiceEvent(
  inv: InvoiceState,
  type: InvoiceEventType,
  timestamp: number,
  extra: { amount?: string | null; paymentMethod?: string | null; daysToPay?: number | null; daysOverdue?: number | null },
): InvoiceEvent {
  return {
    event_type: type,
    event_id: invoiceEventId(inv.invoiceId, inv.version),
    timestamp: formatTimestamp(timestamp),
    invoice_id: inv.invoiceId,
    order_id: inv.orderId,
    client_id: inv.clientId,
    currency: inv.currency,
    amount: extra.amount ?? null,
    payment_method: extra.paymentMethod ?? null,
    invoice_total: inv.invoiceTotal,
    amount_paid: inv.amountPaid,
    outstanding: formatUnscaled(outstandingMinor(inv), inv.scale),
    status: inv.status,
    issue_date: formatDate(inv.issueDay),
    due_date: formatDate(inv.dueDay),
    days_to_pay: extra.daysToPay ?? null,
    days_overdue: extra.daysOverdue ?? null,
    version: inv.version,
  };
}

/** Days from issue to payment, never below 0 (a payment may precede its order). */
export function daysToPay(inv: InvoiceState): number | null {
  return inv.paidAt === null ? null : Math.max(0, utcDay(inv.paidAt) - inv.issueDay);
}

/** The `invoices` table row of the state. */
export function toInvoiceRow(inv: InvoiceState): InvoiceRow {
  const ts = (t: number | null) => (t === null ? null : formatTimestamp(t));
  return {
    invoice_id: inv.invoiceId,
    order_id: inv.orderId,
    client_id: inv.clientId,
    currency: inv.currency,
    invoice_total: inv.invoiceTotal,
    amount_paid: inv.amountPaid,
    outstanding: formatUnscaled(outstandingMinor(inv), inv.scale),
    status: inv.status,
    issue_date: formatDate(inv.issueDay),
    due_date: formatDate(inv.dueDay),
    paid_at: ts(inv.paidAt),
    days_to_pay: daysToPay(inv),
    sent_at: ts(inv.sentAt),
    viewed_at: ts(inv.viewedAt),
    disputed: inv.disputed,
    version: inv.version,
    updated_at: formatTimestamp(inv.updatedAt),
  };
}
