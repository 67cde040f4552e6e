// The typed input events, after validation. JSON-friendly (strings, numbers, arrays) so they can
// cross a repartition topic and sit in the held-payments store unchanged.

/** One order line; decimals are kept as their exact source text. */
export interface OrderLine {
  sku: string;
  quantity: string;
  unitPrice: string;
  taxRate: string;
}

/** Fields every input event has; `occurredAt` is epoch microseconds. */
interface EventBase {
  eventId: string;
  occurredAt: number;
}

/** `order.placed`: issues an invoice. */
export interface OrderPlaced extends EventBase {
  type: 'order.placed';
  orderId: string;
  clientId: string;
  currency: string;
  lines: OrderLine[];
  paymentTermsDays: number;
}

/** `order.amended`: replaces the lines and/or sets the due date (days since the epoch). */
export interface OrderAmended extends EventBase {
  type: 'order.amended';
  orderId: string;
  lines?: OrderLine[];
  dueDate?: number;
}

/** `order.cancelled`: voids the invoice. */
export interface OrderCancelled extends EventBase {
  type: 'order.cancelled';
  orderId: string;
  reason?: string;
}

/** `payment.received`; `amount` is exact decimal text with at most the currency's decimals. */
export interface PaymentReceived extends EventBase {
  type: 'payment.received';
  paymentId: string;
  invoiceId: string;
  amount: string;
  currency: string;
  method: string;
}

/** `payment.refunded`: gives back (part of) a payment. */
export interface PaymentRefunded extends EventBase {
  type: 'payment.refunded';
  paymentId: string;
  invoiceId: string;
  amount: string;
  currency: string;
}

/** The activity event types of the `invoice-activity` topic. */
export type ActivityType = 'invoice.sent' | 'invoice.viewed' | 'invoice.disputed' | 'invoice.dispute_resolved';

/** An invoice activity event. */
export interface InvoiceActivity extends EventBase {
  type: ActivityType;
  invoiceId: string;
}

/** Any valid input event. */
export type InputEvent = OrderPlaced | OrderAmended | OrderCancelled | PaymentReceived | PaymentRefunded | InvoiceActivity;

/** A payment-topic event (the kind that may be held until its invoice exists). */
export type PaymentEvent = PaymentReceived | PaymentRefunded;

/** Which input an event came from; topic names are configurable, roles are not. */
export type InputRole = 'orders' | 'payments' | 'activity';

/** Where a record was read, with its original key and value bytes (for the dead-letter queue). */
export interface Origin {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer;
}

/** A valid event on its way to the invoice processor, carrying its origin. */
export interface InputEnvelope {
  event: InputEvent;
  origin: Origin;
}

/** The invoice an event is about: `inv_` + order id for orders. */
export function invoiceIdOf(event: InputEvent): string {
  switch (event.type) {
    case 'order.placed':
    case 'order.amended':
    case 'order.cancelled':
      return `inv_${event.orderId}`;
    default:
      return event.invoiceId;
  }
}
