// Live benchmarks of the Kafka runtime against the local broker (`npm run stack -- up`):
//   live-alos, live-eos: records/s from a 4-partition input topic to the output topic with one
//   instance in its own process (as deployed; the driver and the reader stay out of its event
//   loop): a backlog is produced first, then timed from the first committed offset until every
//   input offset is committed. Then p50/p99 end-to-end latency (input CreateTime →
//   read_committed read of the output) at a fixed rate.
//   npm run bench -- live-eos [--records=300000] [--rate=5000] [--seconds=10] [--commit-interval=100] [--stats=1]
//   --stats=1: the instance also reports, for the fixed-rate phase only, its commit round times,
//   the gaps between commit ends, GC pauses and event-loop delay (test/integration/chaos/latency-stats.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Workloads are produced with kafkajs (a test dependency); the instances run on the runtime.
import { createKafkaClient, type ProcessingGuarantee } from '../src/runtime/index.ts';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import type { RuntimeAdmin } from '../src/runtime/client/api.ts';
import { emit, numberArg, since, rate, type BenchArgs, type BenchmarkMap } from './lib.ts';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');

const INSTANCE = join(import.meta.dirname, '../test/integration/chaos/instance.ts');

async function produce(topic: string, n: number, ratePerSec?: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench-driver', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const batch = ratePerSec ? Math.max(1, Math.round(ratePerSec / 100)) : 5_000;
  const value = Buffer.alloc(100, 'x');
  const started = Date.now();
  const inflight: Promise<unknown>[] = [];
  for (let i = 0; i < n; i += batch) {
    const messages = [];
    for (let j = i; j < Math.min(n, i + batch); j++) messages.push({ key: `k${j % 10_000}`, value, timestamp: String(Date.now()) });
    inflight.push(producer.send({ topic, messages, acks: 1 }));
    if (inflight.length >= 8) await inflight.shift();
    if (ratePerSec) {
      const wait = started + ((i + messages.length) / ratePerSec) * 1000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
  await Promise.all(inflight);
  await producer.disconnect();
}

async function committed(admin: RuntimeAdmin, group: string, topic: string): Promise<number> {
  let total = 0;
  for (const offset of (await admin.committedOffsets(group, topic)).values()) total += offset;
  return total;
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}

async function live(guarantee: ProcessingGuarantee, args: BenchArgs): Promise<void> {
  const records = numberArg(args, 'records', 200_000);
  const fixedRate = numberArg(args, 'rate', 5_000);
  const seconds = numberArg(args, 'seconds', 10);
  const commitIntervalMs = numberArg(args, 'commit-interval', 100);
  const withStats = numberArg(args, 'stats', 0) === 1;
  const run = `bench-live-${guarantee === 'exactly_once' ? 'eos' : 'alos'}-${Date.now()}`;
  const input = `${run}-in`;
  const output = `${run}-out`;
  const client = createKafkaClient({ brokers: BROKERS, clientId: run });
  const admin = await client.admin();
  await admin.createTopics([{ name: input, partitions: 4 }, { name: output, partitions: 4 }, { name: `${run}-dlq`, partitions: 1 }]);
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-live-'));
  try {
    // Throughput: a backlog, drained by one instance.
    await produce(input, records);
    const child = spawn(process.execPath, [INSTANCE], {
      env: {
        ...process.env,
        KAFKA_BROKERS: BROKERS.join(','),
        APP_ID: run,
        TOPIC_PREFIX: run,
        TOPOLOGY: 'passthrough',
        STATE_DIR: stateDir,
        INSTANCE_ID: 'bench-0',
        GUARANTEE: guarantee,
        COMMIT_INTERVAL_MS: String(commitIntervalMs),
        LATENCY_STATS: withStats ? '1' : '0',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stats: Record<string, unknown> | undefined;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (process.env.BENCH_LOG) process.stderr.write(chunk);
      stderr += chunk.toString('utf8');
      for (let nl = stderr.indexOf('\n'); nl >= 0; nl = stderr.indexOf('\n')) {
        const line = stderr.slice(0, nl);
        stderr = stderr.slice(nl + 1);
        if (line.includes('"latency stats"')) stats = JSON.parse(line) as Record<string, unknown>;
      }
    });
    // 'close', not 'exit': the stats line on stderr is read to its end.
    const exited = new Promise((r) => child.once('close', r));
    let c0 = 0;
    while ((c0 = await committed(admin, run, input)) === 0) await new Promise((r) => setTimeout(r, 10));
    const start = performance.now();
    while ((await committed(admin, run, input)) < records) await new Promise((r) => setTimeout(r, 20));
    const ms = since(start);

    // Latency: a fixed rate through the running instance, read back read_committed.
    const kafka = new Kafka({ clientId: `${run}-reader`, brokers: BROKERS, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${run}-reader`, readUncommitted: false, maxWaitTimeInMs: 20 });
    const latencies: number[] = [];
    let measuring = false;
    await consumer.connect();
    await consumer.subscribe({ topics: [output], fromBeginning: false });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        if (measuring) for (const msg of batch.messages) latencies.push(now - Number(msg.timestamp));
      },
    });
    await joined;
    await new Promise((r) => setTimeout(r, 1_000));
    measuring = true;
    if (withStats) child.kill('SIGUSR2');
    await produce(input, fixedRate * seconds, fixedRate);
    await new Promise((r) => setTimeout(r, 2_000));
    await consumer.disconnect();
    child.kill('SIGTERM');
    await exited;
    latencies.sort((a, b) => a - b);
    emit({
      name: guarantee === 'exactly_once' ? 'live-eos' : 'live-alos',
      records_per_s: rate(records - c0, ms),
      records: records - c0,
      ms: Math.round(ms),
      commit_interval_ms: commitIntervalMs,
      partitions: 4,
      instances: 1,
      latency_rate_per_s: fixedRate,
      latency_samples: latencies.length,
      p50_ms: percentile(latencies, 0.5),
      p99_ms: percentile(latencies, 0.99),
      max_ms: latencies[latencies.length - 1],
      ...(stats ? { instance_commit_ms: stats.commit_ms, instance_commit_end_gap_ms: stats.commit_end_gap_ms, instance_gc_ms: stats.gc_ms, instance_event_loop_delay_ms: stats.event_loop_delay_ms } : {}),
    });
  } finally {
    await admin.deleteTopics([input, output, `${run}-dlq`]).catch(() => undefined);
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The live benchmarks. */
export const benchmarks: BenchmarkMap = {
  'live-alos': (args) => live('at_least_once', args),
  'live-eos': (args) => live('exactly_once', args),
};
