// The invoice pipeline live against the local broker and registry (`npm run stack -- up`):
//   live-invoices: a generated scenario (bench/scenario) is produced to the three input topics
//   first (keyed upstream, timestamp = occurred_at), then one instance started as
//   `invoice-stream run` starts it (exactly_once by default) is timed from start until every
//   input and repartition offset is committed. Input records/s, records per CPU-second.
//   npm run bench -- live-invoices [--orders=20000] [--partitions=4] [--guarantee=exactly_once|at_least_once]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The support module loads the runtime before kafkajs (its kafkajs fix).
import { KafkajsClient, liveConfig, outputTopics, produceLines, runTopics } from '../test/integration/support/live-pipeline.ts';
import { startLiveInstance } from '../src/app/observe/live.ts';
import { waitForLag0 } from '../test/integration/chaos/workload.ts';
import { cpuSince, emit, numberArg, rate, since, type BenchArgs, type BenchmarkMap } from './lib.ts';
import { generateScenario } from './scenario/generator.ts';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const REGISTRY = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v6';

async function liveInvoices(args: BenchArgs): Promise<void> {
  const orders = numberArg(args, 'orders', 20_000);
  const partitions = numberArg(args, 'partitions', 4);
  const guarantee = args.guarantee === 'at_least_once' ? 'at_least_once' : 'exactly_once';
  const run = `bench-live-invoices-${Date.now()}`;
  const t = runTopics(run);
  const admin = await new KafkajsClient({ brokers: BROKERS, clientId: `${run}-admin` }).admin();
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-live-invoices-'));
  const topics = [t.orders, t.payments, t.activity, ...outputTopics(t)];
  try {
    await admin.createTopics(topics.map((name) => ({ name, partitions })));
    // The backlog, outside the timed span.
    const records = await produceLines(BROKERS, t, generateScenario({ orders, seed: 11 }));
    const config = liveConfig(run, t, { brokers: BROKERS, registryUrl: REGISTRY, stateDir, guarantee, metrics: false });
    const cpu = process.cpuUsage();
    const started = performance.now();
    // Warnings and errors go to stderr: a run that stops says why instead of waiting out its bound.
    const live = await startLiveInstance(config, { log: (level, message, fields) => (level === 'warn' || level === 'error') && console.error(JSON.stringify({ level, message, ...fields })) });
    await waitForLag0(admin, run, [t.orders, t.payments, t.activity, ...t.repartitions], 600_000, () => live.streams.fatalError);
    const ms = since(started);
    const cpuMs = cpuSince(cpu);
    await live.close();
    emit({
      name: 'live-invoices', records_per_s: rate(records, ms), records, partitions, guarantee,
      elapsed_ms: Math.round(ms), cpu_ms: Math.round(cpuMs), records_per_cpu_s: rate(records, cpuMs),
    });
  } finally {
    await admin.deleteTopics(topics).catch(() => undefined);
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export const benchmarks: BenchmarkMap = {
  'live-invoices': liveInvoices,
};
