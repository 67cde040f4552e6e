// The embedded default: the whole pipeline over the bundled sample (samples/), no broker, then a
// short receivables report: invoices by status, aging buckets of what is owed, dead letters by reason.
import { fileURLToPath } from 'node:url';
import { replay, type KeyValueStore } from '../engine/index.ts';
import type { InvoiceRow } from '../invoice/invoice.ts';
import { STORE } from '../invoice/stores.ts';
import { formatTimestamp, parseDate, utcDay } from '../values/time.ts';
import { formatUnscaled, parseUnscaled } from '../values/decimal.ts';
import { scaleOf } from '../invoice/invoice.ts';
import { buildInvoicePipeline } from '../../topologies/invoice-pipeline.ts';
import { OccurredAtScanner } from '../invoice/occurred-at-scanner.ts';

/** The aging buckets, by days past due. */
export const AGING_BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;

/** The bucket of an invoice `daysPastDue` days past its due date. */
export function agingBucket(daysPastDue: number): (typeof AGING_BUCKETS)[number] {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return '1-30';
  if (daysPastDue <= 60) return '31-60';
  if (daysPastDue <= 90) return '61-90';
  return '90+';
}

/** The report's numbers. */
export interface ReceivablesReport {
  clock: string;
  byStatus: Record<string, number>;
  /** currency → bucket → outstanding (decimal text). */
  aging: Record<string, Record<string, string>>;
  deadLetters: Record<string, number>;
  summary: Record<string, number>;
}

/** Builds the report from the final invoice rows at the clock (epoch µs). */
export function receivables(rows: readonly InvoiceRow[], clock: number, deadLetters: Record<string, number>, summary: Record<string, number>): ReceivablesReport {
  const byStatus: Record<string, number> = {};
  const owed = new Map<string, Map<string, bigint>>();
  const today = utcDay(clock);
  for (const row of rows) {
    byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    if (row.status === 'voided') continue;
    const scale = scaleOf(row.currency);
    const outstanding = parseUnscaled(row.outstanding, scale);
    if (outstanding <= 0n) continue;
    const bucket = agingBucket(today - (parseDate(row.due_date) as number));
    const perCurrency = owed.get(row.currency) ?? new Map<string, bigint>();
    perCurrency.set(bucket, (perCurrency.get(bucket) ?? 0n) + outstanding);
    owed.set(row.currency, perCurrency);
  }
  const aging: Record<string, Record<string, string>> = {};
  for (const [currency, buckets] of [...owed].sort(([a], [b]) => a.localeCompare(b))) {
    const scale = scaleOf(currency);
    aging[currency] = Object.fromEntries(AGING_BUCKETS.map((b) => [b, formatUnscaled(buckets.get(b) ?? 0n, scale)]));
  }
  return { clock: Number.isFinite(clock) ? formatTimestamp(clock) : 'none', byStatus, aging, deadLetters, summary };
}

/** Renders the report as text. */
export function renderReport(r: ReceivablesReport): string {
  const lines = [`invoice-stream: embedded run on the bundled sample (clock ${r.clock})`, '', 'Invoices by status'];
  for (const [status, n] of Object.entries(r.byStatus).sort()) lines.push(`  ${status.padEnd(16)}${String(n).padStart(8)}`);
  lines.push('', `Receivables aging (outstanding by days past due)`, `  ${'currency'.padEnd(10)}${AGING_BUCKETS.map((b) => b.padStart(14)).join('')}`);
  for (const [currency, buckets] of Object.entries(r.aging)) {
    lines.push(`  ${currency.padEnd(10)}${AGING_BUCKETS.map((b) => (buckets[b] ?? '0').padStart(14)).join('')}`);
  }
  lines.push('', 'Dead letters by reason');
  const reasons = Object.entries(r.deadLetters).sort();
  if (reasons.length === 0) lines.push('  (none)');
  for (const [reason, n] of reasons) lines.push(`  ${reason.padEnd(22)}${String(n).padStart(8)}`);
  lines.push('', `Records: ${Object.entries(r.summary).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** Runs the pipeline over samples/ and writes the report to `out`. */
export async function runEmbedded(out: { write(text: string): unknown }, sampleDir = fileURLToPath(new URL('../../samples/', import.meta.url))): Promise<ReceivablesReport> {
  const pipeline = buildInvoicePipeline({ cutLines: true });
  const rows = new Map<string, InvoiceRow>();
  const deadLetters: Record<string, number> = {};
  let clock = -Infinity;
  await replay({
    topology: pipeline.topology,
    applicationId: 'invoice-embedded',
    inputs: [
      { topic: pipeline.topics.orders, path: `${sampleDir}orders.jsonl` },
      { topic: pipeline.topics.payments, path: `${sampleDir}payments.jsonl` },
      { topic: pipeline.topics.activity, path: `${sampleDir}activity.jsonl` },
    ],
    timestampOf: pipeline.eventTime.occurredAtMillis,
    streamingTimestampOf: () => new OccurredAtScanner(),
    progress: false,
    onOutput: (record) => {
      if (record.topic === pipeline.topics.invoiceRows) rows.set(record.key as string, record.value as InvoiceRow);
      else if (record.topic === pipeline.topics.dlq) {
        const reason = String(record.headers?.['dlq.reason'] ?? 'unknown');
        deadLetters[reason] = (deadLetters[reason] ?? 0) + 1;
      }
    },
    onSummary: (_summary, runner) => {
      clock = runner.store<KeyValueStore<number>>(STORE.clock)?.get('clock') ?? -Infinity;
    },
  });
  const report = receivables([...rows.values()], clock, deadLetters, { ...pipeline.accounting.counts });
  out.write(renderReport(report));
  return report;
}
