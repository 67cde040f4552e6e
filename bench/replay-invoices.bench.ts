// replay-invoices: the full invoice pipeline over a generated scenario (default ~1M input
// records), through the engine's replay runner with the persistent (LMDB) store, writing every
// output (Avro file, dlq.jsonl, Delta tables). Variants isolate the parts:
//   replay-invoices            full replay, LMDB state, all outputs
//   replay-invoices-memory     full replay, in-memory state
//   replay-invoices-topology   the topology alone (outputs discarded, in-memory state): the processing cost
//   replay-invoices-state      the topology alone with LMDB state: what persistent state adds
//   replay-invoices-read       reading and merging the files by occurred_at (one JSON parse per
//                              line), nothing else: the floor under any replay of this design
// Run: npm run bench -- replay-invoices [--orders=255000] [--seed=42] [--dir=/tmp/x]
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay, Stores } from '../src/engine/index.ts';
import { LineReader } from '../src/engine/replay/line-reader.ts';
import { mergeFiles } from '../src/engine/replay/merge.ts';
import { occurredAtMillis, replayInvoices } from '../src/app/replay.ts';
import { buildInvoicePipeline } from '../topologies/invoice-pipeline.ts';
import { emit, numberArg, type BenchArgs, type BenchmarkMap } from './lib.ts';
import { writeScenario } from './scenario/write.ts';

// The scenario is generated once per (orders, seed) and reused: generation is not what is measured.
async function scenario(args: BenchArgs): Promise<string> {
  const orders = numberArg(args, 'orders', 255_000);
  const seed = numberArg(args, 'seed', 42);
  const dir = args.dir ?? join(tmpdir(), `invoice-scenario-${orders}-${seed}`);
  if (!existsSync(join(dir, 'activity.jsonl'))) await writeScenario(dir, orders, seed);
  return dir;
}

// CPU time next to wall time: on a shared machine the wall-clock rate says more about the
// neighbours than about the code.
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
}

async function full(args: BenchArgs, persistent: boolean, name: string): Promise<void> {
  const input = await scenario(args);
  const out = await mkdtemp(join(tmpdir(), 'invoice-replay-'));
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    const result = await replayInvoices({
      orders: join(input, 'orders.jsonl'), payments: join(input, 'payments.jsonl'), activity: join(input, 'activity.jsonl'),
      out, stateDir: persistent ? join(out, 'state') : undefined, progress: false, commitEvery: args['commit-every'] === undefined ? undefined : numberArg(args, 'commit-every', 100_000),
    });
    const cpu_ms = cpuMs(cpu);
    // records_per_s covers the replay loop only; the *_total figures add the outputs' close (the
    // final Delta commits, Avro and JSON files), which is part of the work.
    const total_ms = Math.round(performance.now() - started);
    emit({ name, records_per_s: result.recordsPerSecond, records: result.records, elapsed_ms: result.elapsedMs, total_ms, records_per_s_total: Math.round(result.records / (total_ms / 1000)), cpu_ms, records_per_cpu_s: Math.round(result.records / (cpu_ms / 1000)), store: persistent ? 'lmdb' : 'memory', ...result.summary });
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function topologyOnly(args: BenchArgs, persistent: boolean, name: string): Promise<void> {
  const input = await scenario(args);
  const stateDir = persistent ? await mkdtemp(join(tmpdir(), 'invoice-state-')) : undefined;
  const pipeline = buildInvoicePipeline({
    storeSupplier: (n) => (stateDir ? Stores.persistentKeyValueStore(n, { dir: stateDir }) : Stores.inMemoryKeyValueStore(n)),
    cacheMaxEntries: args.cache === undefined ? undefined : numberArg(args, 'cache', 100_000),
  });
  let produced = 0;
  const cpu = process.cpuUsage();
  const result = await replay({
    topology: pipeline.topology,
    inputs: [
      { topic: pipeline.topics.orders, path: join(input, 'orders.jsonl') },
      { topic: pipeline.topics.payments, path: join(input, 'payments.jsonl') },
      { topic: pipeline.topics.activity, path: join(input, 'activity.jsonl') },
    ],
    timestampOf: pipeline.eventTime.occurredAtMillis,
    onOutput: () => void produced++,
    commitEvery: numberArg(args, 'commit-every', 500_000),
    progress: false,
  });
  const cpu_ms = cpuMs(cpu);
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
  emit({ name, records_per_s: result.recordsPerSecond, records: result.records, elapsed_ms: result.elapsedMs, cpu_ms, records_per_cpu_s: Math.round(result.records / (cpu_ms / 1000)), produced });
}

async function readOnly(args: BenchArgs): Promise<void> {
  const input = await scenario(args);
  const readers = ['orders', 'payments', 'activity'].map((f) => new LineReader(join(input, `${f}.jsonl`)));
  const cpu = process.cpuUsage();
  const started = performance.now();
  let records = 0;
  for await (const batch of mergeFiles(readers, occurredAtMillis)) records += batch.length;
  const elapsed_ms = Math.round(performance.now() - started);
  const cpu_ms = cpuMs(cpu);
  emit({ name: 'replay-invoices-read', records_per_s: Math.round(records / (elapsed_ms / 1000)), records, elapsed_ms, cpu_ms, records_per_cpu_s: Math.round(records / (cpu_ms / 1000)) });
}

/** The benchmarks of this file. */
export const benchmarks: BenchmarkMap = {
  'replay-invoices': (args) => full(args, true, 'replay-invoices'),
  'replay-invoices-memory': (args) => full(args, false, 'replay-invoices-memory'),
  'replay-invoices-topology': (args) => topologyOnly(args, false, 'replay-invoices-topology'),
  'replay-invoices-state': (args) => topologyOnly(args, true, 'replay-invoices-state'),
  'replay-invoices-read': readOnly,
};
