// delta-replay-outputs: the replay's outputs alone (src/app/replay-outputs.ts: Avro container
// file, dlq.jsonl, the three Delta tables, tables/*.json). The topology runs once, untimed, with
// in-memory state over the replay-invoices scenario; its produced records (and where each commit
// fell) are kept in memory, then fed to ReplayOutputs as the replay would, timed.
// Run: npm run bench -- delta-replay-outputs [--orders=50000] [--seed=42] [--repeat=1] [--profile=FILE]
// (--profile: a .cpuprofile of the timed part only, main thread)
// records_per_s counts input records (comparable with replay-invoices); produced_per_cpu_s the
// records ReplayOutputs took.
import { existsSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay, Stores, type ProducedRecord } from '../src/engine/index.ts';
import { ReplayOutputs } from '../src/app/replay-outputs.ts';
import { buildInvoicePipeline } from '../topologies/invoice-pipeline.ts';
import { emit, numberArg, type BenchArgs, type BenchmarkMap } from './lib.ts';
import { writeScenario } from './scenario/write.ts';

interface Captured {
  records: number;
  produced: ProducedRecord[];
  /** produced.length at each commit (the replay's onCommit points). */
  commits: number[];
  summary: object;
}

async function capture(args: BenchArgs): Promise<Captured> {
  const orders = numberArg(args, 'orders', 50_000);
  const seed = numberArg(args, 'seed', 42);
  const dir = args.dir ?? join(tmpdir(), `invoice-scenario-${orders}-${seed}`);
  if (!existsSync(join(dir, 'activity.jsonl'))) await writeScenario(dir, orders, seed);
  const pipeline = buildInvoicePipeline({ storeSupplier: (n) => Stores.inMemoryKeyValueStore(n) });
  const t = pipeline.topics;
  const produced: ProducedRecord[] = [];
  const commits: number[] = [];
  const kept = (topic: string): boolean => topic === t.invoiceRows || topic === t.balanceRows || topic === t.dlq ||
    topic === t.invoiceEvents || topic.startsWith(`${t.invoiceEvents}.`);
  const result = await replay({
    topology: pipeline.topology,
    inputs: [
      { topic: t.orders, path: join(dir, 'orders.jsonl') },
      { topic: t.payments, path: join(dir, 'payments.jsonl') },
      { topic: t.activity, path: join(dir, 'activity.jsonl') },
    ],
    timestampOf: pipeline.eventTime.occurredAtMillis,
    onOutput: (r) => { if (kept(r.topic)) produced.push(r); },
    onCommit: async () => { commits.push(produced.length); },
    commitEvery: 100_000,
    progress: false,
  });
  return { records: result.records, produced, commits, summary: { ...pipeline.accounting.counts } };
}

async function du(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) n += (await stat(join(e.parentPath, e.name))).size;
  }
  return n;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return Math.round((used.user + used.system) / 1000);
}

async function outputs(args: BenchArgs): Promise<void> {
  const cap = await capture(args);
  const repeat = numberArg(args, 'repeat', 1);
  const topics = buildInvoicePipeline({ storeSupplier: (n) => Stores.inMemoryKeyValueStore(n) }).topics;
  for (let r = 0; r < repeat; r++) {
    const out = await mkdtemp(join(tmpdir(), 'invoice-outputs-'));
    try {
      globalThis.gc?.();
      const session = args.profile ? new Session() : undefined;
      if (session) {
        session.connect();
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      }
      const cpu = process.cpuUsage();
      const started = performance.now();
      const o = await ReplayOutputs.open(out, topics);
      let i = 0;
      for (const end of cap.commits) {
        for (; i < end; i++) o.accept(cap.produced[i] as ProducedRecord);
        await o.commit();
      }
      await o.close(cap.summary);
      const ms = performance.now() - started;
      const cpu_ms = cpuMs(cpu);
      if (session && args.profile) {
        const { profile } = await session.post('Profiler.stop');
        await writeFile(args.profile, JSON.stringify(profile));
        session.disconnect();
      }
      emit({
        name: 'delta-replay-outputs', records_per_s: Math.round(cap.records / (ms / 1000)), records: cap.records,
        produced: cap.produced.length, elapsed_ms: Math.round(ms), cpu_ms,
        records_per_cpu_s: Math.round(cap.records / (cpu_ms / 1000)),
        produced_per_cpu_s: Math.round(cap.produced.length / (cpu_ms / 1000)), written: o.written,
        delta_bytes: await du(join(out, 'delta')), avro_bytes: (await stat(join(out, 'invoice-events.avro'))).size,
      });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }
}

/** The benchmarks of this file. */
export const benchmarks: BenchmarkMap = {
  'delta-replay-outputs': outputs,
};
