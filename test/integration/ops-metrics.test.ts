// The operations surface of a live instance against the real broker and registry: /metrics scraped
// DURING the run holds every catalog metric with sane values (traffic counters, accounting that
// adds up, lag going to 0, stores, restore, latency, clock lag, Node runtime), /readyz turns 200
// once the tasks are restored, and the interactive queries answer from local state.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/app/config.ts';
import { METRIC_NAMES } from '../../src/app/metrics.ts';
import { startLiveInstance, type LiveInstance } from '../../src/app/observe/live.ts';
import { createKafkaClient, liveConfig, liveUrl, outputTopics, runTopics, runTopicsToDelete } from './support/live-pipeline.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { testStack } from '../stack/env.ts';
import { produceRaw } from './chaos/workload.ts';
import { until } from './support/until.ts';

interface Series {
  labels: Record<string, string>;
  value: number;
}

/** The samples of one metric in Prometheus text format. */
function series(text: string, name: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

const sum = (s: Series[]): number => s.reduce((a, b) => a + b.value, 0);
const one = (text: string, name: string, labels: Record<string, string> = {}): number | undefined =>
  series(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('ops: metrics, probes and queries of a live run', () => {
  const run = `ops-${Date.now()}`;
  const t = runTopics(run);
  let admin: RuntimeAdmin;
  let stateDir: string;
  let live: LiveInstance | undefined;
  let config: Config;
  // Queries behind a token, as deployed; the probes and /metrics answer without one, on their own port.
  const token = `ops-token-${run}`;
  const get = (path: string): Promise<Response> => fetch(liveUrl(live as LiveInstance, path), { redirect: 'manual', headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    const stack = testStack();
    admin = await createKafkaClient({ brokers: stack.kafkaBrokers, clientId: `${run}-admin` }).admin();
    await admin.createTopics([
      ...[t.orders, t.payments, t.activity].map((name) => ({ name, partitions: 2 })),
      ...outputTopics(t).map((name) => ({ name, partitions: 1 })),
    ]);
    stateDir = mkdtempSync(join(tmpdir(), 'ops-metrics-'));
    config = liveConfig(run, t, { brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, stateDir, commitIntervalMs: 200, queryToken: token });
  });

  afterAll(async () => {
    await live?.close();
    await admin?.deleteTopics(runTopicsToDelete(t)).catch(() => undefined);
    await admin?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('scrapes every metric with sane values during the run, becomes ready, and answers queries', async () => {
    // Event times of "now": latency and clock lag then measure this run, not the data's age.
    const at = (ms: number): string => new Date(Date.now() - 5_000 + ms).toISOString();
    const lines = [{ sku: 'A', quantity: 2, unit_price: '50.00', tax_rate: '0.1' }];
    const orders = [1, 2, 3, 4, 5, 6].map((i) => ({
      key: `ord_${i}`,
      value: JSON.stringify({ event_id: `o${i}`, event_type: 'order.placed', occurred_at: at(i), order_id: `ord_${i}`, client_id: `cli_${i % 2}`, currency: 'EUR', lines }),
    }));
    // 2 × 50.00 + 10% tax = 110.00
    const payments = [
      { id: 'p1', invoice: 'inv_ord_1', amount: '110.00' },
      { id: 'p2', invoice: 'inv_ord_2', amount: '40.00' },
      { id: 'p9', invoice: 'inv_ord_404', amount: '5.00' }, // unknown invoice: held
    ].map((p, i) => ({
      key: p.id,
      value: JSON.stringify({ event_id: p.id, event_type: 'payment.received', occurred_at: at(100 + i), payment_id: p.id, invoice_id: p.invoice, amount: p.amount, currency: 'EUR', method: 'card' }),
    }));
    const activity = [{ key: 'inv_ord_3', value: JSON.stringify({ event_id: 'a1', event_type: 'invoice.sent', occurred_at: at(200), invoice_id: 'inv_ord_3' }) }];
    const { kafkaBrokers } = testStack();
    await produceRaw(kafkaBrokers, t.orders, [...orders, orders[0] as { key: string; value: string }, { key: 'bad', value: '{not json' }]);
    const produced = orders.length + 2 + payments.length + activity.length;

    live = await startLiveInstance(config, { sampleIntervalMs: 300, log: () => {} });
    const instance = live;
    // Orders first, the rest once they are in: tasks of different input partitions do not order
    // among themselves, and an activity event before its order would (rightly) be dead-lettered.
    // (The query endpoint tells when the invoice task has them.)
    for (const o of orders) await until(`invoice of ${o.key}`, 60_000, async () => ((await get(`/invoices/inv_${o.key}`)).status === 200 ? true : undefined));
    await produceRaw(kafkaBrokers, t.payments, payments);
    await produceRaw(kafkaBrokers, t.activity, activity);
    // Alive from the start; ready only once every assigned task is restored and running.
    expect((await get('/healthz')).status).toBe(200);
    // Queries need the token; the query port serves nothing else.
    expect((await fetch(liveUrl(instance, '/invoices/inv_ord_1'))).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${instance.queryServer.port}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${instance.opsServer.port}/invoices/inv_ord_1`)).status).toBe(404);
    const readyBody = await until('/readyz 200', 60_000, async () => {
      const r = await get('/readyz');
      return r.status === 200 ? ((await r.json()) as { ready: boolean; tasks: string[] }) : undefined;
    });
    expect(readyBody.ready).toBe(true);
    // 3 sub-topologies: 2 input partitions, repartition topics inherit 2.
    expect(readyBody.tasks).toEqual(['0_0', '0_1', '1_0', '1_1', '2_0', '2_1']);

    const scrape = async (): Promise<string> => {
      await instance.sampler?.sample();
      const r = await get('/metrics');
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toContain('text/plain');
      return r.text();
    };
    const n = METRIC_NAMES;
    // Scraped while running: wait for every record to be accounted and the lag to reach 0.
    const text = await until('accounting complete, held 1, lag 0', 90_000, async () => {
      const s = await scrape();
      const lag = series(s, n.consumerLag);
      const done = one(s, n.accountingRead) === produced && one(s, n.heldPayments) === 1 && lag.length > 0 && sum(lag) === 0;
      return done ? s : undefined;
    });
    expect(instance.streams.state).toBe('RUNNING');

    // Accounting: read = applied + duplicate + dead_lettered + held now.
    const outcome = (o: string): number => one(text, n.accountingOutcome, { outcome: o }) ?? -1;
    expect(one(text, n.accountingRead)).toBe(produced);
    expect(outcome('applied') + outcome('duplicate') + outcome('dead_lettered') + (one(text, n.heldPayments) ?? 0)).toBe(produced);
    expect(outcome('duplicate')).toBe(1);
    expect(series(text, n.deadLetters)).toEqual([{ labels: { reason: 'malformed_json', topic: t.orders }, value: 1 }]);
    expect(outcome('dead_lettered')).toBe(1);
    expect(one(text, n.duplicates)).toBe(1);
    expect(one(text, n.deadLetters, { reason: 'malformed_json', topic: t.orders })).toBe(1);

    // Records in per input topic (and the internal repartition topics); out per output topic.
    expect(one(text, n.recordsIn, { topic: t.orders })).toBe(orders.length + 2);
    expect(one(text, n.recordsIn, { topic: t.payments })).toBe(payments.length);
    expect(one(text, n.recordsIn, { topic: t.activity })).toBe(1);
    expect(one(text, n.recordsIn, { topic: `${run}-${run}.invoice-pipeline-by-invoice-repartition` }) ?? 0).toBe(orders.length + 1 + payments.length + activity.length);
    // created ×6, paid, partially_paid, sent
    expect(one(text, n.recordsOut, { topic: `${run}.invoices` })).toBe(9);
    expect(one(text, n.recordsOut, { topic: t.dlq })).toBe(1);
    expect(one(text, n.recordsOut, { topic: `${run}-invoices-changelog` }) ?? 0).toBeGreaterThan(0);

    // Latency: every emitted event observed, within this run's seconds (event times were ~now).
    const latencyCount = sum(series(text, `${n.processingLatency}_count`));
    const latencySum = sum(series(text, `${n.processingLatency}_sum`));
    expect(latencyCount).toBe(9);
    expect(latencySum / latencyCount).toBeGreaterThan(0);
    expect(latencySum / latencyCount).toBeLessThan(120);

    // Clock lag per invoice task that saw events: wall clock − the largest occurred_at.
    const clockLag = series(text, n.clockLag);
    expect(clockLag.length).toBeGreaterThan(0);
    for (const s of clockLag) {
      expect(s.labels.task?.startsWith('1_')).toBe(true);
      expect(s.value).toBeGreaterThan(-5);
      expect(s.value).toBeLessThan(300);
    }

    // Tasks and stores: 6 running, 6 invoices, 1 held payment by expiry, restore done.
    expect(one(text, n.tasks, { state: 'running' })).toBe(6);
    expect(one(text, n.tasks, { state: 'restoring' })).toBe(0);
    expect(sum(series(text, n.storeEntries).filter((s) => s.labels.store === 'invoices'))).toBe(6);
    expect(sum(series(text, n.storeEntries).filter((s) => s.labels.store === 'held-payments-by-expiry'))).toBe(1);
    expect(sum(series(text, n.storeSize).filter((s) => s.labels.store === 'invoices'))).toBeGreaterThan(0);
    const remaining = series(text, n.restoreRemaining);
    expect(remaining.length).toBeGreaterThan(0);
    expect(sum(remaining)).toBe(0);
    expect(one(text, n.buildInfo, { guarantee: 'exactly_once' })).toBe(1);
    expect(one(text, `${n.commitDuration}_count`, { guarantee: 'exactly_once' }) ?? 0).toBeGreaterThan(0);

    // Node runtime metrics; the sink metrics are declared (the sink stage runs in its own process).
    expect(one(text, 'process_cpu_seconds_total') ?? 0).toBeGreaterThan(0);
    expect(one(text, 'nodejs_heap_size_used_bytes') ?? 0).toBeGreaterThan(0);
    expect(text).toContain(`# TYPE ${n.sinkBatchSize} histogram`);

    // Interactive queries from local state.
    const paid = await get('/invoices/inv_ord_1');
    expect(paid.status).toBe(200);
    expect(await paid.json()).toMatchObject({ invoice_id: 'inv_ord_1', invoice_total: '110.00', amount_paid: '110.00', status: 'paid' });
    expect(await (await get('/invoices/inv_ord_2')).json()).toMatchObject({ status: 'partially_paid', outstanding: '70.00' });
    expect((await get('/invoices/inv_ord_404')).status).toBe(404);
    const balances = await get('/clients/cli_0/balances');
    expect(balances.status).toBe(200);
    // cli_0: orders 2, 4, 6 → 330.00 invoiced, 40.00 paid
    expect(await balances.json()).toMatchObject({ client_id: 'cli_0', complete: true, elsewhere: [], balances: [{ currency: 'EUR', invoiced_total: '330.00', paid_total: '40.00' }] });
    const aging = await get(`/reports/aging?as_of=${new Date(Date.now() + 45 * 86_400_000).toISOString().slice(0, 10)}`);
    // Due in 30 days: 45 days on, 5 invoices owe 110 + 70 + 3 × 110 = 510.00, 15 days past due.
    expect(await aging.json()).toMatchObject({ complete: true, aging: { EUR: { current: '0.00', '1-30': '510.00', '31-60': '0.00' } } });
    expect((await get('/healthz')).status).toBe(200);

    // Shutdown closes the HTTP servers too.
    expect(await instance.close()).toBe(true);
    live = undefined;
    await expect(fetch(liveUrl(instance, '/healthz'))).rejects.toThrow();
    await expect(fetch(liveUrl(instance, '/invoices/inv_ord_1'))).rejects.toThrow();

    // A new instance with no local state restores from the changelogs: restore progress counts
    // the changelog records, readiness waits for it, and the queries answer the same.
    rmSync(stateDir, { recursive: true, force: true });
    live = await startLiveInstance(config, { sampleIntervalMs: 300, log: () => {} });
    const second = live;
    await until('/readyz 200 after restore', 60_000, async () => ((await get('/readyz')).status === 200 ? true : undefined));
    await second.sampler?.sample();
    const restored = await (await get('/metrics')).text();
    const restoredInvoices = sum(series(restored, n.restoredRecords).filter((s) => s.labels.store === 'invoices'));
    expect(restoredInvoices).toBeGreaterThanOrEqual(6);
    expect(sum(series(restored, n.restoreRemaining))).toBe(0);
    expect(sum(series(restored, n.storeEntries).filter((s) => s.labels.store === 'invoices'))).toBe(6);
    expect(sum(series(restored, n.storeEntries).filter((s) => s.labels.store === 'held-payments-by-expiry'))).toBe(1);
    // The restored payment is held now, though this instance never read it (it was 0 until 2026-12-07).
    expect(one(restored, n.heldPayments)).toBe(1);
    expect(await (await get('/invoices/inv_ord_1')).json()).toMatchObject({ status: 'paid', version: 2 });
    expect(await second.close()).toBe(true);
    live = undefined;
  });
});
