// A test harness over the engine's TopologyTestDriver: pipe input events (objects or raw lines)
// into the invoice pipeline and read back events, table rows, dead letters and the counts.
import { TopologyTestDriver } from '../../../src/engine/index.ts';
import type { AccountingCounts } from '../../../src/invoice/accounting.ts';
import type { ClientBalanceRow } from '../../../src/invoice/balances.ts';
import type { InvoiceEvent, InvoiceRow } from '../../../src/invoice/invoice.ts';
import { parseTimestamp } from '../../../src/values/time.ts';
import { buildInvoicePipeline, type InvoicePipelineOptions } from '../../../topologies/invoice-pipeline.ts';

/** An input: the topic role and the value (an object is JSON-encoded; a string is the raw line). */
export type Input = ['orders' | 'payments' | 'activity', Record<string, unknown> | string];

/** A dead letter as the harness sees it. */
export interface SeenDeadLetter {
  reason: string;
  error: string;
  topic: string;
  offset: number;
  value: string;
}

/** Everything the pipeline produced. */
export interface Outcome {
  events: InvoiceEvent[];
  invoices: Map<string, InvoiceRow>;
  balances: Map<string, ClientBalanceRow>;
  dlq: SeenDeadLetter[];
  counts: AccountingCounts;
}

let counter = 0;

/** A unique event id for hand-written inputs. */
export function nextId(prefix = 'e'): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

function timestampMs(value: Record<string, unknown> | string): number {
  if (typeof value === 'string') return -1;
  const t = typeof value.occurred_at === 'string' ? parseTimestamp(value.occurred_at) : undefined;
  return t === undefined ? -1 : Math.floor(t / 1000);
}

/** Pipes the inputs in the given order (each through the whole topology), then moves time to `asOf`. */
export async function run(inputs: readonly Input[], options: InvoicePipelineOptions & { asOf?: string } = {}): Promise<Outcome> {
  const pipeline = buildInvoicePipeline(options);
  const driver = new TopologyTestDriver(pipeline.topology, { applicationId: 'test' });
  const topic = { orders: pipeline.topics.orders, payments: pipeline.topics.payments, activity: pipeline.topics.activity };
  const offsets = { orders: 0, payments: 0, activity: 0 };
  for (const [role, value] of inputs) {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    driver.pipeRecord(topic[role], { key: null, value: Buffer.from(text, 'utf8'), timestamp: timestampMs(value), offset: offsets[role]++ });
  }
  if (options.asOf !== undefined) driver.advanceStreamTime((parseTimestamp(options.asOf) as number) / 1000);
  const events = driver.createOutputTopic<string, InvoiceEvent>(pipeline.topics.invoiceEvents).readValuesToList();
  const invoices = new Map<string, InvoiceRow>();
  for (const row of driver.createOutputTopic<string, InvoiceRow>(pipeline.topics.invoiceRows).readValuesToList()) invoices.set(row.invoice_id, row);
  const balances = new Map<string, ClientBalanceRow>();
  for (const row of driver.createOutputTopic<string, ClientBalanceRow>(pipeline.topics.balanceRows).readValuesToList()) balances.set(`${row.client_id}/${row.currency}`, row);
  const dlq = driver.createOutputTopic<Buffer | null, Buffer>(pipeline.topics.dlq).readRecordsToList().map((r) => ({
    reason: String(r.headers?.['dlq.reason']),
    error: String(r.headers?.['dlq.error']),
    topic: String(r.headers?.['dlq.source.topic']),
    offset: Number(r.headers?.['dlq.source.offset']),
    value: r.value.toString('utf8'),
  }));
  await driver.close();
  return { events, invoices, balances, dlq, counts: { ...pipeline.accounting.counts } };
}

/** Builders of well-formed input events. */
export const make = {
  placed(orderId: string, at: string, extra: Record<string, unknown> = {}): Input {
    return ['orders', {
      event_id: nextId('o'), event_type: 'order.placed', occurred_at: at, order_id: orderId, client_id: 'cli_1', currency: 'EUR',
      lines: [{ sku: 'A', quantity: 1, unit_price: '100.00', tax_rate: '0' }], payment_terms_days: 30, ...extra,
    }];
  },
  amended(orderId: string, at: string, extra: Record<string, unknown>): Input {
    return ['orders', { event_id: nextId('o'), event_type: 'order.amended', occurred_at: at, order_id: orderId, ...extra }];
  },
  cancelled(orderId: string, at: string): Input {
    return ['orders', { event_id: nextId('o'), event_type: 'order.cancelled', occurred_at: at, order_id: orderId }];
  },
  paid(invoiceId: string, at: string, amount: string | number, extra: Record<string, unknown> = {}): Input {
    return ['payments', {
      event_id: nextId('p'), event_type: 'payment.received', occurred_at: at, payment_id: nextId('pay'), invoice_id: invoiceId,
      amount, currency: 'EUR', method: 'ach', ...extra,
    }];
  },
  refunded(invoiceId: string, at: string, amount: string, extra: Record<string, unknown> = {}): Input {
    return ['payments', {
      event_id: nextId('p'), event_type: 'payment.refunded', occurred_at: at, payment_id: 'pay', invoice_id: invoiceId, amount, currency: 'EUR', ...extra,
    }];
  },
  activity(type: string, invoiceId: string, at: string): Input {
    return ['activity', { event_id: nextId('a'), event_type: type, occurred_at: at, invoice_id: invoiceId }];
  },
};

/** `event_type@version` of each event of one invoice, in order. */
export function trail(events: readonly InvoiceEvent[], invoiceId: string): string[] {
  return events.filter((e) => e.invoice_id === invoiceId).map((e) => `${e.event_type.slice('invoice.'.length)}@${e.version}`);
}
