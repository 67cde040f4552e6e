// The metrics catalog renders every metric under its conventional name, and the helpers keep the
// accounting counters consistent.
import { describe, expect, it } from 'vitest';
import {
  LATENCY_BUCKETS_SECONDS, METRIC_NAMES, METRIC_PREFIX, NODE_METRIC_NAMES, createMetrics, observeEmit,
  mirrorAccounting, observeRestore, observeSinkBatch, primeMetrics, recordDeadLetter,
} from '../../../src/app/metrics.ts';
import { metricsObserver } from '../../../src/app/observe/runtime-observer.ts';
import { metricsSinkObserver } from '../../../src/app/observe/sink-observer.ts';
import type { SinkTableCounts } from '../../../src/app/metrics.ts';

describe('metrics catalog', () => {
  it('renders a HELP and TYPE line for every catalog metric and the Node runtime metrics', async () => {
    const m = createMetrics();
    const text = await m.registry.metrics();
    for (const name of Object.values(METRIC_NAMES)) {
      expect(text, name).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'));
    }
    for (const name of NODE_METRIC_NAMES) expect(text, name).toContain(`# TYPE ${name} `);
  });

  it('follows Prometheus naming: prefix, _total only on counters, a unit on the others', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const json = await m.registry.getMetricsAsJSON();
    expect(json.length).toBe(Object.keys(METRIC_NAMES).length);
    for (const metric of json) {
      expect(metric.name.startsWith(METRIC_PREFIX)).toBe(true);
      expect(metric.name.endsWith('_total'), metric.name).toBe(String(metric.type) === 'counter');
      if (String(metric.type) !== 'counter' && metric.name !== METRIC_NAMES.buildInfo && metric.name !== METRIC_NAMES.tasks && metric.name !== METRIC_NAMES.taskStalled && metric.name !== METRIC_NAMES.heldPayments) {
        expect(metric.name, metric.name).toMatch(/_(seconds|bytes|records|rows|entries)$/);
      }
    }
  });

  it('has the 200 ms SLO threshold as a latency bucket boundary', () => {
    expect(LATENCY_BUCKETS_SECONDS).toContain(0.2);
  });

  it('keeps the accounting counters, duplicates and dead letters consistent', async () => {
    const m = createMetrics({ defaultMetrics: false });
    primeMetrics(m, { version: '0.1.0', guarantee: 'exactly_once', inputTopics: ['orders', 'payments', 'invoice-activity'] });
    const zero = { read: 0, applied: 0, duplicate: 0, dead_lettered: 0, held: 0 };
    // Two holds, one later applied: the held gauge is the level held now, the counters only grow.
    let prev = mirrorAccounting(m, zero, { read: 4, applied: 1, duplicate: 1, dead_lettered: 0, held: 2 }, 2);
    prev = mirrorAccounting(m, prev, { read: 5, applied: 2, duplicate: 1, dead_lettered: 1, held: 1 }, 1);
    recordDeadLetter(m, 'currency_mismatch', 'payments');
    const text = await m.registry.metrics();
    expect(text).toContain('invoice_stream_accounting_read_total 5');
    expect(text).toContain('invoice_stream_accounting_outcome_total{outcome="held"} 2');
    expect(text).toContain('invoice_stream_accounting_outcome_total{outcome="applied"} 2');
    expect(text).toContain('invoice_stream_held_payments 1');
    expect(text).toContain('invoice_stream_records_in_total{topic="invoice-activity"} 0');
    expect(text).toContain('invoice_stream_duplicates_total 1');
    expect(text).toContain('invoice_stream_dead_letters_total{reason="currency_mismatch",topic="payments"} 1');
    // What is rendered balances: read = applied + duplicate + dead_lettered + held (the level now).
    const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? Number.NaN);
    const read = value(/^invoice_stream_accounting_read_total (\d+)$/m);
    const applied = value(/^invoice_stream_accounting_outcome_total\{outcome="applied"\} (\d+)$/m);
    const duplicate = value(/^invoice_stream_accounting_outcome_total\{outcome="duplicate"\} (\d+)$/m);
    const deadLettered = value(/^invoice_stream_accounting_outcome_total\{outcome="dead_lettered"\} (\d+)$/m);
    const held = value(/^invoice_stream_held_payments (\d+)$/m);
    expect(applied + duplicate + deadLettered + held).toBe(read);
    expect(prev).toEqual({ read: 5, applied: 2, duplicate: 1, dead_lettered: 1, held: 1 });
    expect(text).toContain('invoice_stream_build_info{version="0.1.0",guarantee="exactly_once"} 1');
  });

  it('counts records produced per topic and brings them into the counter at every scrape', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const observer = metricsObserver(m, 'dlq', 'exactly_once');
    const record = (topic: string, headers?: Record<string, string>) => ({ topic, key: null, value: Buffer.from('x'), ...(headers ? { headers } : {}) });
    for (let i = 0; i < 3; i++) observer.produced?.(record('invoices'));
    observer.produced?.(record('dlq', { 'dlq.reason': 'malformed_json', 'dlq.source.topic': 'orders' }));
    let text = await m.registry.metrics();
    expect(text).toContain('invoice_stream_records_out_total{topic="invoices"} 3');
    expect(text).toContain('invoice_stream_records_out_total{topic="dlq"} 1');
    expect(text).toContain('invoice_stream_dead_letters_total{reason="malformed_json",topic="orders"} 1');
    // Counted once: a second scrape with nothing new says the same, then the next records add up.
    expect(await m.registry.metrics()).toContain('invoice_stream_records_out_total{topic="invoices"} 3');
    observer.produced?.(record('invoices'));
    text = await m.registry.metrics();
    expect(text).toContain('invoice_stream_records_out_total{topic="invoices"} 4');
  });

  it('observes latency, restore progress and sink batches', async () => {
    const m = createMetrics({ defaultMetrics: false });
    observeEmit(m, 'invoice.created', 1_000, 1_150);
    observeEmit(m, 'invoice.created', 2_000, 1_000); // producer clock ahead: clamped to 0
    observeRestore(m, 'invoices', 3, 500, 1500);
    observeRestore(m, 'invoices', 3, 1500, 0);
    observeSinkBatch(m, 'delta', 'invoices', 120, 0.4, false);
    observeSinkBatch(m, 'delta', 'invoices', 0, 0, true);
    const text = await m.registry.metrics();
    expect(text).toContain('invoice_stream_processing_latency_seconds_bucket{le="0.2",event_type="invoice.created"} 2');
    expect(text).toContain('invoice_stream_processing_latency_seconds_bucket{le="0.1",event_type="invoice.created"} 1');
    expect(text).toContain('invoice_stream_restore_records_total{store="invoices",partition="3"} 2000');
    expect(text).toContain('invoice_stream_restore_remaining_records{store="invoices",partition="3"} 0');
    expect(text).toContain('invoice_stream_sink_batch_size_rows_count{sink="delta",table="invoices"} 1');
    expect(text).toContain('invoice_stream_sink_failures_total{sink="delta",table="invoices"} 1');
  });

  it('mirrors each Delta table writer\'s own counts (S3 requests, retries, compaction) at every scrape', async () => {
    const m = createMetrics({ defaultMetrics: false });
    const counts: SinkTableCounts = {
      requests: { get: 3, list: 1, put: 2, putIfAbsent: 1, delete: 0, retries: 0 },
      compaction: { runs: 0, errors: 0, filesRemoved: 0 },
    };
    const observer = metricsSinkObserver(m, 'delta');
    observer.watchTable?.('invoices', () => counts);
    observer.watchTable?.('client_balances', () => ({ compaction: { runs: 0, errors: 0, filesRemoved: 0 } })); // on local disk
    const series = (text: string, name: string, labels: string): number => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1]);
    let text = await m.registry.metrics();
    expect(series(text, 'invoice_stream_sink_storage_requests_total', 'sink="delta",table="invoices",request="get"')).toBe(3);
    expect(series(text, 'invoice_stream_sink_storage_requests_total', 'sink="delta",table="invoices",request="put_if_absent"')).toBe(1);
    expect(series(text, 'invoice_stream_sink_compaction_failures_total', 'sink="delta",table="client_balances"')).toBe(0); // primed
    // The writers count on; the next scrape takes the increases, once, however many counters it reads.
    counts.requests = { get: 10, list: 2, put: 5, putIfAbsent: 3, delete: 4, retries: 6 };
    counts.compaction = { runs: 4, errors: 1, filesRemoved: 7 };
    text = await m.registry.metrics();
    expect(series(text, 'invoice_stream_sink_storage_requests_total', 'sink="delta",table="invoices",request="get"')).toBe(10);
    expect(series(text, 'invoice_stream_sink_storage_requests_total', 'sink="delta",table="invoices",request="delete"')).toBe(4);
    expect(series(text, 'invoice_stream_sink_storage_retries_total', 'sink="delta",table="invoices"')).toBe(6);
    expect(series(text, 'invoice_stream_sink_compaction_runs_total', 'sink="delta",table="invoices"')).toBe(4);
    expect(series(text, 'invoice_stream_sink_compaction_failures_total', 'sink="delta",table="invoices"')).toBe(1);
    expect(series(text, 'invoice_stream_sink_compaction_files_rewritten_total', 'sink="delta",table="invoices"')).toBe(7);
    text = await m.registry.metrics();
    expect(series(text, 'invoice_stream_sink_compaction_runs_total', 'sink="delta",table="invoices"')).toBe(4);
    expect(text).not.toMatch(/invoice_stream_sink_storage_requests_total\{[^}]*table="client_balances"/);
  });

  it('makes independent registries (one per process, one per test)', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.recordsIn.inc({ topic: 'orders' }, 5);
    expect(await b.registry.metrics()).not.toContain('invoice_stream_records_in_total{topic="orders"} 5');
  });
});
