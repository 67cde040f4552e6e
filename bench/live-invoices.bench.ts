// The invoice pipeline live against the local broker and registry (`npm run stack -- up`):
//   live-invoices: a generated scenario (bench/scenario) is produced to the three input topics
//   first (keyed upstream, timestamp = occurred_at), then one instance started as
//   `invoice-stream run` starts it (exactly_once by default) is timed from start until every
//   input and repartition offset is committed. Input records/s, records per CPU-second.
//   npm run bench -- live-invoices [--orders=20000] [--partitions=4] [--guarantee=exactly_once|at_least_once] [--instances=1]
//     [--threads=1] [--commit-interval-ms=N] (default: the guarantee's, as `invoice-stream run`)
//   --threads=N > 1 runs one instance with N stream threads (worker threads, numStreamThreads) in
//   this process: cpu_ms is process.cpuUsage(), which covers every thread.
//   --instances=N > 1 runs N instances of the group as child processes of this file (module
//   loading and start-up inside the timed span), and cpu_ms adds up theirs: how far more cores go.
//   LIVE_BENCH_LOG=1 prints every log line of the instance on stderr, with ms since the file loaded
//   (where start-up time goes: the timed span's start, `started`, `assignment`, `task ready`).
//   LIVE_BENCH_ALLOC=<file> writes a V8 sampling allocation profile of the timed span (objects the
//   GC collected included: what the GC has to do) to <file>, for DevTools or a script. With
//   LIVE_BENCH_ALLOC_SURVIVORS=1 objects a scavenge collected are left out: what is left is what
//   survived the young generation (copied and promoted: a scavenge's cost) or is still live.
//   LIVE_BENCH_CPU=<file> writes a V8 CPU profile of the timed span on the main thread (all of one
//   instance with --threads=1; stream thread 0 with more; nothing of the instances with --instances > 1)
//   to <file>, for DevTools or a script. The profiler runs in the timed span: its cost is in the figures.
//   LIVE_BENCH_BROKER_PID=<pid> (Linux) adds the timed span's CPU of that process (the broker's
//   JVM) and of the whole machine, from /proc: what the pipeline leaves the broker on shared cores.
//   cpu_probe_ms: a fixed JavaScript workload's best time just before the run (bench/lib.ts
//   cpuProbe): the shared machine's speed drifts, so compare figures taken at similar probe times.
//   --topic-counts adds offsets_per_input: offsets written per input record on each of the run's
//   topics (records, plus one per transaction marker), read after the timed span.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The workload is produced with the runtime's own producer (produceLines), the pipeline runs on the runtime.
import { createKafkaClient, liveConfig, liveUrl, outputTopics, produceLines, runTopics, runTopicsToDelete } from '../test/integration/support/live-pipeline.ts';
import { startInstance } from '../src/app/observe/instance.ts';
import type { Config } from '../src/app/config.ts';
import { waitForLag0 } from '../test/integration/chaos/workload.ts';
import { cpuProbe, cpuSince, emit, numberArg, rate, since, type BenchArgs, type BenchmarkMap } from './lib.ts';
import { generateScenario } from './scenario/generator.ts';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const REGISTRY = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v6';

async function liveInvoices(args: BenchArgs): Promise<void> {
  const orders = numberArg(args, 'orders', 20_000);
  const partitions = numberArg(args, 'partitions', 4);
  const guarantee = args.guarantee === 'at_least_once' ? 'at_least_once' : 'exactly_once';
  const instances = numberArg(args, 'instances', 1);
  const threads = numberArg(args, 'threads', 1);
  // On, as `invoice-stream run` has them (metrics.enabled defaults to true); until 2026-12-07's
  // sixth session the bench ran without them unless asked (docs/BENCHMARKS.md).
  const metrics = args['no-metrics'] === undefined;
  const topicCounts = args['topic-counts'] !== undefined;
  const commitIntervalMs = args['commit-interval-ms'] === undefined ? undefined : numberArg(args, 'commit-interval-ms', 100);
  const run = `bench-live-invoices-${Date.now()}`;
  const t = runTopics(run);
  const admin = await createKafkaClient({ brokers: BROKERS, clientId: `${run}-admin` }).admin();
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-live-invoices-'));
  const topics = [t.orders, t.payments, t.activity, ...outputTopics(t)];
  try {
    // retention.ms -1: the scenario's timestamps are months old, and time retention would delete them under the run.
    await admin.createTopics(topics.map((name) => ({ name, partitions, configs: { 'retention.ms': '-1' } })));
    // The backlog, outside the timed span.
    const records = await produceLines(BROKERS, t, generateScenario({ orders, seed: 11 }));
    const config: Config = { ...liveConfig(run, t, { brokers: BROKERS, registryUrl: REGISTRY, stateDir, guarantee, metrics, ...(commitIntervalMs !== undefined ? { commitIntervalMs } : {}) }), numStreamThreads: threads };
    const consumed = [t.orders, t.payments, t.activity, ...t.repartitions];
    // The machine's speed now, outside the timed span.
    const probeMs = cpuProbe();
    const alloc = process.env.LIVE_BENCH_ALLOC ? await startAllocationSampling() : undefined;
    const cpuProfile = process.env.LIVE_BENCH_CPU ? await startCpuProfile() : undefined;
    const brokerPid = process.env.LIVE_BENCH_BROKER_PID;
    const machineBefore = brokerPid ? machineCpu(brokerPid) : undefined;
    const cpu = process.cpuUsage();
    const started = performance.now();
    if (process.env.LIVE_BENCH_LOG) console.error(Date.now() - T0, 'timed span starts');
    let ms = 0;
    let cpuMs: number;
    let machine = {};
    let commits = {};
    let profiled: Promise<unknown> | undefined;
    // The machine's CPU up to the end of the timed span, before the instances close.
    const spanEnds = (): void => {
      ms = since(started);
      profiled = cpuProfile?.();
      if (brokerPid && machineBefore) machine = machineCpuSince(brokerPid, machineBefore);
    };
    if (instances === 1) {
      const live = await startInstance(config, { log: logProblems });
      await waitForLag0(admin, run, consumed, 600_000, () => live.fatalError);
      spanEnds();
      cpuMs = cpuSince(cpu);
      if (metrics) commits = commitDurations(await (await fetch(liveUrl(live, '/metrics'))).text());
      if (process.env.LIVE_BENCH_LOG) console.error(Date.now() - T0, 'timed span ends; closing');
      await live.close();
      if (process.env.LIVE_BENCH_LOG) console.error(Date.now() - T0, 'closed');
    } else {
      const children = Array.from({ length: instances }, (_, i) => startChild({ ...config, clientId: `${run}-${i}`, stateDir: join(stateDir, String(i)) }));
      await waitForLag0(admin, run, consumed, 600_000, () => children.find((c) => c.failed)?.failed);
      spanEnds();
      cpuMs = (await Promise.all(children.map((c) => c.stop()))).reduce((a, b) => a + b, 0);
    }
    if (alloc && process.env.LIVE_BENCH_ALLOC) writeFileSync(process.env.LIVE_BENCH_ALLOC, JSON.stringify(await alloc()));
    if (profiled && process.env.LIVE_BENCH_CPU) writeFileSync(process.env.LIVE_BENCH_CPU, JSON.stringify(await profiled));
    const written = topicCounts ? await offsetsPerInput(admin, runTopicsToDelete(t), records) : {};
    emit({
      name: 'live-invoices', records_per_s: rate(records, ms), records, partitions, guarantee, instances, threads, commit_interval_ms: config.commitIntervalMs,
      elapsed_ms: Math.round(ms), cpu_ms: Math.round(cpuMs), records_per_cpu_s: rate(records, cpuMs), ...machine, ...commits, ...written, cpu_probe_ms: probeMs,
    });
  } finally {
    await admin.deleteTopics(runTopicsToDelete(t)).catch(() => undefined);
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export const benchmarks: BenchmarkMap = {
  'live-invoices': liveInvoices,
};

// Warnings and errors go to stderr: a run that stops says why instead of waiting out its bound.
const T0 = Date.now();
function logProblems(level: string, message: string, fields?: Record<string, unknown>): void {
  if (process.env.LIVE_BENCH_LOG) console.error(Date.now() - T0, level, message, JSON.stringify(fields ?? {}).slice(0, 150));
  if (level === 'warn' || level === 'error') console.error(JSON.stringify({ level, message, ...fields }));
}

/** The commit duration histogram of a /metrics text (every label set summed): count, mean, and the buckets of the median and the p99. */
function commitDurations(text: string): { commits: number; commit_ms_mean: number; commit_ms_p50_le: number; commit_ms_p99_le: number } {
  const name = 'invoice_stream_commit_duration_seconds';
  const buckets = new Map<number, number>();
  let sum = 0;
  let count = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (line.startsWith(`${name}_bucket`) && le !== undefined) buckets.set(Number(le), (buckets.get(Number(le)) ?? 0) + value);
    else if (line.startsWith(`${name}_sum`)) sum += value;
    else if (line.startsWith(`${name}_count`)) count += value;
  }
  // Cumulative buckets: the first whose count reaches the quantile's rank.
  const at = (q: number): number => [...buckets].sort((a, b) => a[0] - b[0]).find(([, n]) => n >= q * count)?.[0] ?? Number.NaN;
  return { commits: count, commit_ms_mean: Math.round((sum / count) * 1000), commit_ms_p50_le: at(0.5) * 1000, commit_ms_p99_le: at(0.99) * 1000 };
}

/**
 * Offsets written per input record on each of the run's topics (their end offsets summed over
 * partitions, divided by the inputs): what one input costs the broker. Under exactly_once an
 * offset is also taken by each transaction's commit marker.
 */
async function offsetsPerInput(admin: { endOffsets(topic: string): Promise<Map<number, number>> }, topics: string[], inputs: number): Promise<{ offsets_per_input: Record<string, number> }> {
  const perTopic: Record<string, number> = {};
  for (const topic of topics) {
    let sum = 0;
    for (const end of (await admin.endOffsets(topic)).values()) sum += end;
    // The run's name is the same prefix on every topic.
    perTopic[topic.replace(/^bench-live-invoices-\d+[.-]?/, '')] = Math.round((sum / inputs) * 1000) / 1000;
  }
  return { offsets_per_input: perTopic };
}

// Linux's clock tick, USER_HZ: 100 on every architecture Node runs on.
const TICK_MS = 10;

interface MachineCpu {
  /** utime + stime of the process, ticks. */
  process: number;
  /** Busy and all ticks of the machine (every core), from the first line of /proc/stat. */
  busy: number;
  all: number;
}

function machineCpu(pid: string): MachineCpu {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const all = ticks.reduce((a, b) => a + b, 0);
  // idle and iowait are the 4th and 5th.
  return { process: Number(fields[11]) + Number(fields[12]), busy: all - ticks[3]! - ticks[4]!, all };
}

function machineCpuSince(pid: string, before: MachineCpu): { broker_cpu_ms: number; machine_busy_ms: number; machine_cpu_ms: number } {
  const now = machineCpu(pid);
  return { broker_cpu_ms: (now.process - before.process) * TICK_MS, machine_busy_ms: (now.busy - before.busy) * TICK_MS, machine_cpu_ms: (now.all - before.all) * TICK_MS };
}

/** Starts V8's sampling heap profiler, collected objects included (but for LIVE_BENCH_ALLOC_SURVIVORS, those of scavenges); the returned call stops it and gives the profile. */
async function startAllocationSampling(): Promise<() => Promise<unknown>> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  // The flags are V8's (not in Node's typings yet): without them the profile holds live objects only.
  await session.post('HeapProfiler.startSampling', { samplingInterval: 32_768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !process.env.LIVE_BENCH_ALLOC_SURVIVORS } as never);
  return async () => {
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: unknown };
    session.disconnect();
    return profile;
  };
}

/** Starts V8's CPU profiler (250 µs samples) on this thread; the returned call stops it and gives the profile (a .cpuprofile). */
async function startCpuProfile(): Promise<() => Promise<unknown>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile;
  };
}

/** One instance in a child process (this file's CLI below); `stop` ends it and gives its CPU ms. */
function startChild(config: Config): { failed: Error | undefined; stop(): Promise<number> } {
  const child = spawn(process.execPath, [import.meta.filename], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LIVE_INVOICES_CONFIG: JSON.stringify(config) } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const handle = {
    failed: undefined as Error | undefined,
    stop: () => new Promise<number>((resolve) => {
      child.once('exit', () => resolve((JSON.parse(out.trim().split('\n').pop() || '{"cpu_ms":0}') as { cpu_ms: number }).cpu_ms));
      child.kill('SIGTERM');
    }),
  };
  child.once('exit', (code) => {
    if (code !== 0 && code !== null) handle.failed = new Error(`instance ${config.clientId} exited with code ${code}`);
  });
  return handle;
}

// Child: run one instance until SIGTERM, then print its CPU time.
if (import.meta.main) {
  const config = JSON.parse(process.env.LIVE_INVOICES_CONFIG ?? '{}') as Config;
  const live = await startInstance(config, { log: logProblems });
  process.once('SIGTERM', () => {
    void live.close().then(() => {
      const cpu = process.cpuUsage();
      console.log(JSON.stringify({ cpu_ms: Math.round((cpu.user + cpu.system) / 1000) }));
      process.exit(live.fatalError ? 1 : 0);
    });
  });
}
