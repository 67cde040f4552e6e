// The invoice state machine (docs/contract.md "Rules" 3): one valid, non-duplicate input event and the
// invoice it is about → the new state and the events to emit, or why it is refused or held. Pure:
// the processor owns stores, the clock and dedup.
import type { DomainRejection } from './dead-letters.ts';
import type { InputEvent, InvoiceActivity, OrderAmended, OrderPlaced, PaymentReceived, PaymentRefunded } from './events.ts';
import {
  daysToPay, invoiceTotalMinor, outstandingMinor, scaleOf, statusAt, toInvoiceEvent,
  type InvoiceEvent, type InvoiceEventType, type InvoiceState, type InvoiceStatus,
} from './invoice.ts';
import { formatUnscaled, parseUnscaled } from '../values/decimal.ts';
import { utcDay } from '../values/time.ts';

/** What became of an event. `applied` with no events: it changed nothing. */
export type Outcome =
  | { kind: 'applied'; state: InvoiceState; events: InvoiceEvent[] }
  | { kind: 'duplicate' }
  | { kind: 'held' }
  | { kind: 'rejected'; reason: DomainRejection; error: string };

interface Primary {
  type: InvoiceEventType;
  amount?: string | null;
  paymentMethod?: string | null;
}

/** Applies one event to the invoice (undefined: not issued yet) with the task's clock (epoch µs). */
export function applyEvent(prev: InvoiceState | undefined, event: InputEvent, clock: number): Outcome {
  switch (event.type) {
    case 'order.placed':
      return prev ? { kind: 'duplicate' } : place(event, clock);
    case 'order.amended':
      if (!prev) return { kind: 'rejected', reason: 'unknown_order', error: event.orderId };
      if (prev.voided) return { kind: 'rejected', reason: 'invoice_voided', error: prev.invoiceId };
      return amend(prev, event, clock);
    case 'order.cancelled':
      if (!prev) return { kind: 'rejected', reason: 'unknown_order', error: event.orderId };
      if (prev.voided) return unchanged(prev);
      return settle(prev, { ...prev, voided: true }, event.occurredAt, clock, () => ({
        type: 'invoice.voided',
        amount: formatUnscaled(max0(outstandingMinor(prev)), prev.scale),
      }));
    case 'payment.received':
    case 'payment.refunded':
      if (!prev) return { kind: 'held' };
      if (event.currency !== prev.currency) {
        return { kind: 'rejected', reason: 'currency_mismatch', error: `${event.currency} != ${prev.currency}` };
      }
      return event.type === 'payment.received' ? receive(prev, event, clock) : refund(prev, event, clock);
    default:
      if (!prev) return { kind: 'rejected', reason: 'unknown_invoice', error: event.invoiceId };
      return activity(prev, event, clock);
  }
}

function max0(value: bigint): bigint {
  return value < 0n ? 0n : value;
}

function unchanged(state: InvoiceState): Outcome {
  return { kind: 'applied', state, events: [] };
}

function place(event: OrderPlaced, clock: number): Outcome {
  const scale = scaleOf(event.currency);
  const issueDay = utcDay(event.occurredAt);
  const total = formatUnscaled(invoiceTotalMinor(event.lines, scale), scale);
  const draft: InvoiceState = {
    invoiceId: `inv_${event.orderId}`,
    orderId: event.orderId,
    clientId: event.clientId,
    currency: event.currency,
    scale,
    invoiceTotal: total,
    amountPaid: formatUnscaled(0n, scale),
    issueDay,
    dueDay: issueDay + event.paymentTermsDays,
    paidAt: null,
    sentAt: null,
    viewedAt: null,
    disputed: false,
    voided: false,
    status: 'open',
    version: 0,
    updatedAt: event.occurredAt,
  };
  return settle(undefined, draft, event.occurredAt, clock, () => ({ type: 'invoice.created', amount: total }));
}

function amend(prev: InvoiceState, event: OrderAmended, clock: number): Outcome {
  const total = event.lines ? formatUnscaled(invoiceTotalMinor(event.lines, prev.scale), prev.scale) : prev.invoiceTotal;
  const dueDay = event.dueDate ?? prev.dueDay;
  const totalChanged = parseUnscaled(total, prev.scale) !== parseUnscaled(prev.invoiceTotal, prev.scale);
  if (!totalChanged && dueDay === prev.dueDay) return unchanged(prev);
  return settle(prev, { ...prev, invoiceTotal: total, dueDay }, event.occurredAt, clock, () => ({
    type: 'invoice.adjusted',
    amount: total,
  }));
}

function receive(prev: InvoiceState, event: PaymentReceived, clock: number): Outcome {
  if (prev.voided) return { kind: 'rejected', reason: 'invoice_voided', error: prev.invoiceId };
  const amount = parseUnscaled(event.amount, prev.scale);
  const paid = parseUnscaled(prev.amountPaid, prev.scale) + amount;
  const draft = { ...prev, amountPaid: formatUnscaled(paid, prev.scale) };
  return settle(prev, draft, event.occurredAt, clock, (status) => ({
    type: prev.status === 'paid' ? 'invoice.overpaid' : status === 'paid' ? 'invoice.paid' : 'invoice.partially_paid',
    amount: formatUnscaled(amount, prev.scale),
    paymentMethod: event.method,
  }));
}

function refund(prev: InvoiceState, event: PaymentRefunded, clock: number): Outcome {
  const amount = parseUnscaled(event.amount, prev.scale);
  const paid = parseUnscaled(prev.amountPaid, prev.scale);
  if (amount > paid) {
    return { kind: 'rejected', reason: 'refund_exceeds_paid', error: `${formatUnscaled(amount, prev.scale)} > ${prev.amountPaid}` };
  }
  const draft = { ...prev, amountPaid: formatUnscaled(paid - amount, prev.scale) };
  return settle(prev, draft, event.occurredAt, clock, () => ({ type: 'invoice.refunded', amount: formatUnscaled(amount, prev.scale) }));
}

function activity(prev: InvoiceState, event: InvoiceActivity, clock: number): Outcome {
  const at = event.occurredAt;
  switch (event.type) {
    case 'invoice.sent':
      return prev.sentAt !== null ? unchanged(prev) : settle(prev, { ...prev, sentAt: at }, at, clock, () => ({ type: event.type }));
    case 'invoice.viewed':
      return prev.viewedAt !== null ? unchanged(prev) : settle(prev, { ...prev, viewedAt: at }, at, clock, () => ({ type: event.type }));
    case 'invoice.disputed':
      return prev.disputed ? unchanged(prev) : settle(prev, { ...prev, disputed: true }, at, clock, () => ({ type: event.type }));
    case 'invoice.dispute_resolved':
      return !prev.disputed ? unchanged(prev) : settle(prev, { ...prev, disputed: false }, at, clock, () => ({ type: event.type }));
  }
}

/**
 * Finishes a change: the new status at the clock, `paid_at`, the primary event, then a
 * transition event when the status has just become `paid` or `overdue` (rule 3).
 */
function settle(
  prev: InvoiceState | undefined,
  draft: InvoiceState,
  occurredAt: number,
  clock: number,
  primary: (status: InvoiceStatus) => Primary,
): Outcome {
  const before = prev?.status;
  const status = statusAt(draft, clock);
  draft.status = status;
  if (status !== 'paid') draft.paidAt = null;
  else if (before !== 'paid') draft.paidAt = occurredAt;
  const events: InvoiceEvent[] = [];
  const head = primary(status);
  draft.version += 1;
  draft.updatedAt = occurredAt;
  events.push(
    toInvoiceEvent(draft, head.type, occurredAt, {
      amount: head.amount,
      paymentMethod: head.paymentMethod,
      daysToPay: head.type === 'invoice.paid' ? daysToPay(draft) : null,
    }),
  );
  if (status !== before && status === 'paid' && head.type !== 'invoice.paid') {
    draft.version += 1;
    events.push(toInvoiceEvent(draft, 'invoice.paid', occurredAt, { daysToPay: daysToPay(draft) }));
  }
  if (status !== before && status === 'overdue') events.push(markOverdue(draft, clock));
  return { kind: 'applied', state: draft, events };
}

/** Records an overdue transition on `inv` (mutated) and returns its `invoice.overdue` event. */
export function markOverdue(inv: InvoiceState, clock: number): InvoiceEvent {
  inv.status = 'overdue';
  inv.version += 1;
  inv.updatedAt = clock;
  const amount = formatUnscaled(outstandingMinor(inv), inv.scale);
  return toInvoiceEvent(inv, 'invoice.overdue', clock, { amount, daysOverdue: utcDay(clock) - inv.dueDay });
}
