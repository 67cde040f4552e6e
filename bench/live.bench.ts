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
// The driver and the latency reader use the runtime's own client (src/runtime/client/api.ts), in
// this process; the instance under test runs in its own.
import { createKafkaClient, type ProcessingGuarantee } from '../src/runtime/index.ts';
import type { KafkaClient, OutgoingRecord, RuntimeAdmin } from '../src/runtime/client/api.ts';
import { roundRobinAssignor } from '../src/connect/assignor.ts';
import { emit, numberArg, since, rate, type BenchArgs, type BenchmarkMap } from './lib.ts';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');

const INSTANCE = join(import.meta.dirname, '../test/integration/chaos/instance.ts');

/** Produces `n` records (key `k<i % 10000>`, 100-byte value, CreateTime = now) with the runtime's idempotent producer, batch after batch; at `ratePerSec` when given. */
async function produce(client: KafkaClient, topic: string, n: number, ratePerSec?: number): Promise<void> {
  const producer = await client.producer();
  const batch = ratePerSec ? Math.max(1, Math.round(ratePerSec / 100)) : 5_000;
  const value = Buffer.alloc(100, 'x');
  const started = Date.now();
  try {
    for (let i = 0; i < n; i += batch) {
      const records: OutgoingRecord[] = [];
      for (let j = i; j < Math.min(n, i + batch); j++) records.push({ topic, key: Buffer.from(`k${j % 10_000}`), value, timestamp: Date.now() });
      await producer.send(records);
      if (ratePerSec) {
        const wait = started + ((i + records.length) / ratePerSec) * 1000 - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
  } finally {
    await producer.close();
  }
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
    await produce(client, input, records);
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
    // The reader: a group consumer of the runtime's client, read_committed (its default), short
    // max wait, starting at the output's end so that only the fixed-rate records are read.
    const reader = createKafkaClient({ brokers: BROKERS, clientId: `${run}-reader` }).groupConsumer({
      groupId: `${run}-reader`, topics: [output], assignor: roundRobinAssignor, maxWaitTimeMs: 20,
    });
    const latencies: number[] = [];
    let measuring = false;
    const ends = await admin.endOffsets(output);
    let readerFailed: Error | undefined;
    const joined = new Promise<void>((resolve) => {
      void reader.run({
        onAssigned: (assignment) => {
          for (const p of assignment.partitions.get(output) ?? []) reader.seek(output, p, ends.get(p) ?? 0);
          resolve();
        },
        onBatch: async (batch) => {
          const now = Date.now();
          if (measuring) for (const r of batch.records) latencies.push(now - r.timestamp);
        },
        onSkipped: () => undefined,
        onCrash: (error) => (readerFailed = error),
      });
    });
    await joined;
    await new Promise((r) => setTimeout(r, 1_000));
    measuring = true;
    if (withStats) child.kill('SIGUSR2');
    await produce(client, input, fixedRate * seconds, fixedRate);
    await new Promise((r) => setTimeout(r, 2_000));
    await reader.close();
    if (readerFailed) throw readerFailed;
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
