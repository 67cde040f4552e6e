// The invoice pipeline live against the local broker and registry (`npm run stack -- up`):
//   live-invoices: a generated scenario (bench/scenario) is produced to the three input topics
//   first (keyed upstream, timestamp = occurred_at), then one instance started as
//   `invoice-stream run` starts it (exactly_once by default) is timed from start until every
//   input and repartition offset is committed. Input records/s, records per CPU-second.
//   npm run bench -- live-invoices [--orders=20000] [--partitions=4] [--guarantee=exactly_once|at_least_once]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The runtime first: it installs its kafkajs fix before kafkajs loads.
import { KafkajsClient } from '../src/runtime/index.ts';
import { Kafka, logLevel } from 'kafkajs';
import { configSchema } from '../src/app/config/schema.ts';
import type { Config } from '../src/app/config.ts';
import { startLiveInstance } from '../src/app/observe/live.ts';
import { occurredAtMillis } from '../src/invoice/event-time.ts';
import { waitForLag0 } from '../test/integration/chaos/workload.ts';
import { cpuSince, emit, numberArg, rate, since, type BenchArgs, type BenchmarkMap } from './lib.ts';
import { generateScenario } from './scenario/generator.ts';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const REGISTRY = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v6';
// The upstream key of each input (CONTRACT.md: orders by order_id, payments by payment_id, activity by invoice_id).
const KEY_FIELD = { orders: 'order_id', payments: 'payment_id', activity: 'invoice_id' } as const;

function upstreamKey(line: string, field: string): string | null {
  try {
    const value = (JSON.parse(line) as Record<string, unknown>)[field];
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

async function liveInvoices(args: BenchArgs): Promise<void> {
  const orders = numberArg(args, 'orders', 20_000);
  const partitions = numberArg(args, 'partitions', 4);
  const guarantee = args.guarantee === 'at_least_once' ? 'at_least_once' : 'exactly_once';
  const run = `bench-live-invoices-${Date.now()}`;
  const t = { orders: `${run}.orders`, payments: `${run}.payments`, activity: `${run}.activity`, dlq: `${run}.dlq` };
  const outputs = [`${run}.invoices`, `${run}.invoice-rows`, `${run}.client-balances`];
  const admin = await new KafkajsClient({ brokers: BROKERS, clientId: `${run}-admin` }).admin();
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-live-invoices-'));
  try {
    await admin.createTopics([t.orders, t.payments, t.activity].map((name) => ({ name, partitions })));
    await admin.createTopics([t.dlq, ...outputs].map((name) => ({ name, partitions })));

    // The backlog, outside the timed span.
    const scenario = generateScenario({ orders, seed: 11 });
    const producer = new Kafka({ clientId: `${run}-driver`, brokers: BROKERS, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    let records = 0;
    for (const input of ['orders', 'payments', 'activity'] as const) {
      const lines = scenario[input];
      records += lines.length;
      for (let i = 0; i < lines.length; i += 5_000) {
        const messages = lines.slice(i, i + 5_000).map((line) => {
          const value = Buffer.from(line, 'utf8');
          const ts = occurredAtMillis(value);
          return { key: upstreamKey(line, KEY_FIELD[input]), value, timestamp: ts === undefined ? undefined : String(Math.floor(ts)) };
        });
        await producer.send({ topic: t[input], messages, acks: -1 });
      }
    }
    await producer.disconnect();

    const config = configSchema.parse({
      applicationId: run, brokers: BROKERS, clientId: run, schemaRegistry: { url: REGISTRY },
      topics: { orders: t.orders, payments: t.payments, invoiceActivity: t.activity, deadLetter: t.dlq, outputPrefix: run },
      stateDir, processingGuarantee: guarantee, clock: { mode: 'event_time' },
      http: { host: '127.0.0.1', port: 0, advertisedHost: '127.0.0.1' }, metrics: { enabled: false }, logLevel: 'silent',
    }) as Config;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const live = await startLiveInstance(config, { log: () => {} });
    const repartitions = [`${run}-${run}.invoice-pipeline-by-invoice-repartition`, `${run}-${run}.invoice-pipeline-by-client-repartition`];
    await waitForLag0(admin, run, [t.orders, t.payments, t.activity, ...repartitions], 600_000);
    const ms = since(started);
    const cpuMs = cpuSince(cpu);
    await live.close();
    emit({
      name: 'live-invoices', records_per_s: rate(records, ms), records, partitions, guarantee,
      elapsed_ms: Math.round(ms), cpu_ms: Math.round(cpuMs), records_per_cpu_s: rate(records, cpuMs),
    });
  } finally {
    await admin.deleteTopics([...Object.values(t), ...outputs]).catch(() => undefined);
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export const benchmarks: BenchmarkMap = {
  'live-invoices': liveInvoices,
};
