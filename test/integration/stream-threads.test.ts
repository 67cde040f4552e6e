// An instance with two stream threads (the main thread and a worker) against the real broker
// and registry, started as `invoice-stream run` starts it: the public conformance scenario
// (test/fixtures/conformance/small) must end exactly as expected.json says and in the replay's
// order, read back read_committed by librdkafka, as with one thread
// (invoice-live-conformance.test.ts). One partition per input: three tasks (validation, invoices,
// balances), which the assignor splits between the two threads as between two instances. Then
// /metrics adds the threads' counters up, queries answer from whichever thread owns the key, and
// close is clean.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { createKafkaClient, liveConfig, liveUrl, outputTopics, produceLines, runTopics, runTopicsToDelete } from './support/live-pipeline.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { METRIC_NAMES } from '../../src/app/metrics.ts';
import { startInstance } from '../../src/app/observe/instance.ts';
import type { ThreadedInstance } from '../../src/app/threads/stream-threads.ts';
import { testStack } from '../stack/env.ts';
import { waitForLag0, waitUntilQuiet } from './chaos/workload.ts';
import { readLiveOutputs } from './support/live-outputs.ts';
import { metricSample, replayScenario, scenarioLines, summaryFromMetrics } from './support/scenario-run.ts';
import { until } from './support/until.ts';
import { compareScenario, type Actual, type Expected } from '../unit/conformance/compare.ts';
import { SMALL_SCENARIO } from '../fixtures/conformance.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Row = Record<string, Json>;

describe('stream threads: two threads, live (Kafka + Schema Registry, exactly_once)', () => {
  const run = `threads-${Date.now()}`;
  const t = runTopics(run);
  let admin: RuntimeAdmin;
  let stateDir: string;
  let live: ThreadedInstance | undefined;
  let expected: Expected;
  let actual: Actual;
  let replayed: Actual;
  let metrics = '';

  beforeAll(async () => {
    const stack = testStack();
    admin = await createKafkaClient({ brokers: stack.kafkaBrokers, clientId: `${run}-admin` }).admin();
    await admin.createTopics([t.orders, t.payments, t.activity, ...outputTopics(t)].map((name) => ({ name, partitions: 1 })));
    await produceLines(stack.kafkaBrokers, t, scenarioLines(SMALL_SCENARIO));

    stateDir = mkdtempSync(join(tmpdir(), 'stream-threads-'));
    const config = { ...liveConfig(run, t, { brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, stateDir, commitIntervalMs: 100, metrics: true, groupInstanceId: `${run}-pod-0` }), numStreamThreads: 2 };
    live = (await startInstance(config, { log: () => {}, sampleIntervalMs: 300 })) as ThreadedInstance;

    const inputs = [t.orders, t.payments, t.activity];
    await waitForLag0(admin, run, inputs, 90_000, () => live?.fatalError);
    await waitUntilQuiet(admin, run, [...inputs, ...t.repartitions], outputTopics(t), () => live?.fatalError);

    const outputs = await readLiveOutputs(stack.kafkaBrokers, stack.schemaRegistryUrl, t);
    metrics = await (await fetch(liveUrl(live, '/metrics'))).text();
    actual = { ...outputs, summary: summaryFromMetrics(metrics) };
    expected = JSON.parse(readFileSync(join(SMALL_SCENARIO, 'expected.json'), 'utf8')) as Expected;
    const out = join(stateDir, 'replay-out');
    replayed = await replayScenario(SMALL_SCENARIO, out);
  }, 180_000);

  afterAll(async () => {
    await live?.close();
    await admin?.deleteTopics(runTopicsToDelete(t)).catch(() => undefined);
    await admin?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('matches expected.json exactly and emits in the replay’s order', () => {
    expect(live?.fatalError).toBeUndefined();
    expect(compareScenario(expected, actual)).toEqual([]);
    expect(actual.events).toHaveLength(expected.events.length);
    const order = (rows: Row[]): string[] => rows.map((r) => `${String(r.invoice_id)}#${String(r.version)}`);
    expect(order(actual.events)).toEqual(order(replayed.events));
  });

  it('splits the tasks between both threads, each a group member of its own', async () => {
    const l = live as ThreadedInstance;
    const perThread = await until('both threads ready with tasks', 30_000, async () => {
      const tasks = l.threads.map((h) => (h.status?.readiness.ok ? ((h.status.readiness.detail.tasks as string[] | undefined) ?? []) : []));
      return tasks.every((x) => x.length > 0) ? tasks : undefined;
    });
    expect(perThread.flat().sort()).toEqual(['0_0', '1_0', '2_0']);
    // Thread 0 on the main thread (no isolate of its own to start), thread 1 on a worker.
    expect(l.threads[0]?.threadId).toBe(0);
    expect(l.threads[1]?.threadId).toBeGreaterThan(0);
    const ready = await (await fetch(liveUrl(l, '/readyz'))).json() as { ready: boolean; tasks: string[]; threads: number };
    expect(ready).toEqual({ ready: true, tasks: ['0_0', '1_0', '2_0'], threads: 2 });
    expect((await fetch(liveUrl(l, '/healthz'))).status).toBe(200);
  });

  it('serves /metrics with each counter the sum of the threads\' and build info once', async () => {
    const l = live as ThreadedInstance;
    const perThread = (await Promise.all(l.threads.map((h) => h.ask({ op: 'metrics' })))) as MetricObjectWithValues<MetricValue<string>>[][];
    const valueIn = (registry: MetricObjectWithValues<MetricValue<string>>[], name: string, labels: Record<string, string> = {}): number =>
      registry.find((m) => m.name === name)?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
    const text = await (await fetch(liveUrl(l, '/metrics'))).text();
    for (const [name, labels] of [[METRIC_NAMES.accountingRead, {}], [METRIC_NAMES.recordsIn, { topic: t.orders }], [METRIC_NAMES.recordsOut, { topic: t.invoices }]] as const) {
      const parts = perThread.map((r) => valueIn(r, name, labels));
      expect(metricSample(text, name, labels), name).toBe(parts[0]! + parts[1]!);
    }
    // The records read were counted by one thread (the validation task's), the events by the other's or the same.
    expect(metricSample(text, METRIC_NAMES.accountingRead)).toBe(expected.summary.read);
    expect(metricSample(text, METRIC_NAMES.buildInfo)).toBe(1);
    expect(metricSample(text, METRIC_NAMES.tasks, { state: 'running' })).toBe(3);
  });

  it('answers queries from whichever thread runs the key\'s task', async () => {
    const l = live as ThreadedInstance;
    const [id, row] = Object.entries(expected.invoices)[0] as [string, Row];
    const invoice = await fetch(liveUrl(l, `/invoices/${encodeURIComponent(id)}`));
    expect(invoice.status).toBe(200);
    expect(await invoice.json()).toMatchObject({ invoice_id: id, status: row.status, outstanding: row.outstanding });
    const client = (expected.client_balances as Row[])[0] as Row;
    const balances = await fetch(liveUrl(l, `/clients/${encodeURIComponent(String(client.client_id))}/balances`));
    expect(balances.status).toBe(200);
    expect(await balances.json()).toMatchObject({ client_id: client.client_id, complete: true, elsewhere: [] });
    const aging = await fetch(liveUrl(l, '/reports/aging?as_of=2026-06-30'));
    expect(aging.status).toBe(200);
    expect(await aging.json()).toMatchObject({ partitions: [0], complete: true, elsewhere: [] });
    expect((await fetch(liveUrl(l, '/invoices/inv_never_seen'))).status).toBe(404);
  });

  it('closes cleanly: every thread commits and leaves, the servers stop', async () => {
    const l = live as ThreadedInstance;
    live = undefined;
    expect(await l.close()).toBe(true);
    expect(l.fatalError).toBeUndefined();
    await expect(fetch(liveUrl(l, '/healthz'))).rejects.toThrow();
  });

  it('restarted with one thread, every task finds its state where the two threads left it: nothing restored', async () => {
    // The threads share the state dir (task directories locked per thread), as Kafka Streams' do.
    expect(readdirSync(stateDir).filter((name) => name.startsWith('thread-'))).toEqual([]);
    const stack = testStack();
    const ready: Array<{ task: string; restored: number }> = [];
    const log = (_level: string, message: string, fields?: Record<string, unknown>): void => {
      if (message === 'task ready') ready.push(fields as { task: string; restored: number });
    };
    const config = { ...liveConfig(run, t, { brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, stateDir, commitIntervalMs: 100, metrics: false, groupInstanceId: `${run}-pod-0` }), numStreamThreads: 1 };
    const single = await startInstance(config, { log });
    try {
      // The threads were static members and did not leave: their tasks move once their session times out (30 s).
      for (let i = 0; i < 900 && ready.length < 3; i++) await new Promise((r) => setTimeout(r, 100));
      expect(ready.map((r) => r.task).sort()).toEqual(['0_0', '1_0', '2_0']);
      // The stateful tasks hold state from the first run (checkpointed at close): before the threads
      // shared the state dir, and while the runtime did not see its stores as persistent, they restored all of it.
      for (const r of ready) expect(r.restored, r.task).toBe(0);
    } finally {
      expect(await single.close()).toBe(true);
    }
  }, 150_000);
});

describe('stream threads: `invoice-stream run` with INVOICE_STREAM_NUM_STREAM_THREADS=2', () => {
  const run = `threads-cli-${Date.now()}`;
  const t = runTopics(run);
  let admin: RuntimeAdmin;
  let stateDir: string;

  beforeAll(async () => {
    const stack = testStack();
    admin = await createKafkaClient({ brokers: stack.kafkaBrokers, clientId: `${run}-admin` }).admin();
    await admin.createTopics([t.orders, t.payments, t.activity, ...outputTopics(t)].map((name) => ({ name, partitions: 2 })));
    stateDir = mkdtempSync(join(tmpdir(), 'stream-threads-cli-'));
  });

  afterAll(async () => {
    await admin?.deleteTopics(runTopicsToDelete(t)).catch(() => undefined);
    await admin?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('becomes ready with both threads, and SIGTERM closes them and exits 0', async () => {
    const stack = testStack();
    const cli = resolve(import.meta.dirname, '../../src/app/cli.ts');
    const child = spawn(process.execPath, [cli, 'run'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        KAFKA_BROKERS: stack.kafkaBrokers.join(','), SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        INVOICE_STREAM_APPLICATION_ID: run, INVOICE_STREAM_GROUP_INSTANCE_ID: `${run}-pod-0`, INVOICE_STREAM_NUM_STREAM_THREADS: '2',
        INVOICE_STREAM_TOPIC_ORDERS: t.orders, INVOICE_STREAM_TOPIC_PAYMENTS: t.payments, INVOICE_STREAM_TOPIC_INVOICE_ACTIVITY: t.activity,
        INVOICE_STREAM_TOPIC_DLQ: t.dlq, INVOICE_STREAM_OUTPUT_PREFIX: run, INVOICE_STREAM_STATE_DIR: stateDir,
        INVOICE_STREAM_HTTP_HOST: '127.0.0.1', INVOICE_STREAM_HTTP_PORT: '0', INVOICE_STREAM_ADVERTISED_HOST: '127.0.0.1', INVOICE_STREAM_HTTP_AUTH: 'none',
        INVOICE_STREAM_OPS_HOST: '127.0.0.1', INVOICE_STREAM_OPS_PORT: '0', INVOICE_STREAM_LOG_LEVEL: 'warn',
      },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    let logs = ''; // the JSON log lines (warnings and errors), for the failure messages
    child.stdout.on('data', (d: Buffer) => (logs += d.toString('utf8')));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const ops = await until('the running line', 60_000, async () => /2 stream threads\).* ops port (\d+)/.exec(stderr)?.[1]);
      const ready = await until('/readyz 200', 60_000, async () => {
        const r = await fetch(`http://127.0.0.1:${ops}/readyz`);
        return r.status === 200 ? ((await r.json()) as { tasks: string[]; threads: number }) : undefined;
      });
      // Failures carry the instance's warnings: a flake seen once under load must say why next time.
      expect(ready.threads, stderr + logs).toBe(2);
      expect(ready.tasks, stderr + logs).toEqual(['0_0', '0_1', '1_0', '1_1', '2_0', '2_1']);
      // One state dir for both threads: each task directory is there, none per thread.
      expect(readdirSync(join(stateDir, run)).filter((name) => /^\d+_\d+$/.test(name)).sort(), stderr + logs).toEqual(['0_0', '0_1', '1_0', '1_1', '2_0', '2_1']);
      expect(readdirSync(stateDir).filter((name) => name.startsWith('thread-'))).toEqual([]);
      child.kill('SIGTERM');
      expect(await exited, stderr + logs).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 150_000);
});
