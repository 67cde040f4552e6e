// The logic of an instance with several stream threads that runs on the main thread, without
// worker threads: /metrics merged from the threads' registries, the probes folded from theirs,
// queries read from whichever thread runs the partition, the threads' ids.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Stores, type KeyValueStore } from '../../../src/engine/index.ts';
import type { InvoiceState } from '../../../src/invoice/invoice.ts';
import { METRIC_NAMES, createMetrics, primeMetrics } from '../../../src/app/metrics.ts';
import { localReads, type StoreReads } from '../../../src/app/queries/host.ts';
import { queryAging, queryInvoice } from '../../../src/app/queries/invoice-queries.ts';
import { partitionForKey } from '../../../src/runtime/client/partitioner.ts';
import { aggregateThreadMetrics, threadAggregator } from '../../../src/app/threads/metrics.ts';
import { threadProbes, type ThreadView } from '../../../src/app/threads/probes.ts';
import { threadIds, type Status } from '../../../src/app/threads/protocol.ts';
import { threadsQueryHost, type Ask, type QueriedThread } from '../../../src/app/threads/queries.ts';
import { StreamThreadHandle } from '../../../src/app/threads/stream-threads.ts';
import type { Config } from '../../../src/app/config.ts';

const prime = { version: '1.2.3', guarantee: 'exactly_once' as const, inputTopics: ['orders', 'payments', 'invoice-activity'] };

/** The value of one series in a Prometheus text exposition. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('stream threads: /metrics', () => {
  it('sums the threads\' counters, gauges and histograms, keeps build info at 1 and the process metrics of the main thread', async () => {
    const main = createMetrics({ defaultMetrics: true });
    primeMetrics(main, prime);
    const threads = [createMetrics({ defaultMetrics: true }), createMetrics({ defaultMetrics: true })];
    for (const t of threads) primeMetrics(t, prime);
    threads[0]!.recordsIn.inc({ topic: 'orders' }, 5);
    threads[1]!.recordsIn.inc({ topic: 'orders' }, 7);
    threads[1]!.recordsIn.inc({ topic: 'payments' }, 2);
    threads[0]!.tasks.set({ state: 'running' }, 3);
    threads[1]!.tasks.set({ state: 'running' }, 2);
    threads[0]!.consumerLag.set({ topic: 'orders', partition: '0' }, 10);
    threads[1]!.consumerLag.set({ topic: 'orders', partition: '1' }, 20);
    threads[0]!.commitDuration.observe({ guarantee: 'exactly_once' }, 0.01);
    threads[1]!.commitDuration.observe({ guarantee: 'exactly_once' }, 0.5);

    const merged = aggregateThreadMetrics(await main.registry.getMetricsAsJSON(), await Promise.all(threads.map((t) => t.registry.getMetricsAsJSON())));
    const text = await merged.metrics();
    expect(sample(text, `${METRIC_NAMES.recordsIn}{topic="orders"}`)).toBe(12);
    expect(sample(text, `${METRIC_NAMES.recordsIn}{topic="payments"}`)).toBe(2);
    expect(sample(text, `${METRIC_NAMES.recordsIn}{topic="invoice-activity"}`)).toBe(0);
    expect(sample(text, `${METRIC_NAMES.tasks}{state="running"}`)).toBe(5);
    expect(sample(text, `${METRIC_NAMES.consumerLag}{topic="orders",partition="0"}`)).toBe(10);
    expect(sample(text, `${METRIC_NAMES.consumerLag}{topic="orders",partition="1"}`)).toBe(20);
    expect(sample(text, `${METRIC_NAMES.commitDuration}_count{guarantee="exactly_once"}`)).toBe(2);
    expect(sample(text, `${METRIC_NAMES.commitDuration}_bucket{le="0.025",guarantee="exactly_once"}`)).toBe(1);
    expect(sample(text, `${METRIC_NAMES.buildInfo}{version="1.2.3",guarantee="exactly_once"}`)).toBe(1);
    // Process-wide series once, not three times.
    const mainText = await main.registry.metrics();
    expect(sample(text, 'process_max_fds')).toBe(sample(mainText, 'process_max_fds'));
    // Every catalog metric is still rendered.
    for (const name of Object.values(METRIC_NAMES)) expect(text, name).toContain(`# TYPE ${name} `);
  });

  it('chooses how each series combines', () => {
    expect(threadAggregator(METRIC_NAMES.buildInfo)).toBe('max');
    expect(threadAggregator('process_cpu_seconds_total')).toBe('first');
    expect(threadAggregator('nodejs_eventloop_lag_p99_seconds')).toBe('max');
    expect(threadAggregator('nodejs_heap_size_used_bytes')).toBe('sum');
    expect(threadAggregator(METRIC_NAMES.recordsOut)).toBe('sum');
  });
});

describe('stream threads: probes', () => {
  const up = (tasks: string[]): Status => ({
    type: 'status',
    health: { ok: true, detail: { status: 'up', state: 'RUNNING' } },
    readiness: { ok: true, detail: { ready: true, tasks } },
  });
  const at = 1_000_000;

  it('is alive and ready when every thread is, with the tasks of all', () => {
    const views: ThreadView[] = [{ status: up(['1_0', '0_1']), statusAt: at }, { status: up(['0_0']), statusAt: at }];
    const probes = threadProbes(() => views, { now: () => at + 500 });
    expect(probes.health()).toEqual({ ok: true, detail: { status: 'up', state: 'RUNNING', threads: 2 } });
    expect(probes.readiness()).toEqual({ ok: true, detail: { ready: true, tasks: ['0_0', '0_1', '1_0'], threads: 2 } });
  });

  it('is alive but not ready while a thread has not reported', () => {
    const views: ThreadView[] = [{ status: up(['0_0']), statusAt: at }, {}];
    const probes = threadProbes(() => views, { now: () => at });
    expect(probes.health().ok).toBe(true);
    expect(probes.readiness()).toMatchObject({ ok: false, detail: { thread: 1, reason: 'starting' } });
  });

  it('is down when a thread failed, is down, or went silent', () => {
    const now = { t: at };
    const views: ThreadView[] = [{ status: up([]), statusAt: at }, { status: up([]), statusAt: at }];
    const probes = threadProbes(() => views, { now: () => now.t, maxSilenceMs: 10_000 });
    views[1] = { ...views[1], failure: 'fenced' };
    expect(probes.health()).toMatchObject({ ok: false, detail: { thread: 1, error: 'fenced' } });
    expect(probes.readiness().ok).toBe(false);
    views[1] = { status: { ...up([]), health: { ok: false, detail: { status: 'down', state: 'RUNNING', reason: 'tasks stalled', stalled: ['1_0'] } } }, statusAt: at };
    expect(probes.health()).toMatchObject({ ok: false, detail: { thread: 1, reason: 'tasks stalled' } });
    views[1] = { status: up([]), statusAt: at };
    now.t = at + 10_001;
    expect(probes.health()).toMatchObject({ ok: false, detail: { reason: 'stream thread silent for 10001 ms' } });
    expect(probes.readiness().ok).toBe(false);
  });
});

describe('stream threads: queries', () => {
  const PARTITIONS = 4;
  const invoice = (id: string): InvoiceState => ({
    invoiceId: id, orderId: id, clientId: 'cli', currency: 'EUR', scale: 2, invoiceTotal: '10.00', amountPaid: '0', issueDay: 20_000, dueDay: 20_030,
    paidAt: null, sentAt: null, viewedAt: null, disputed: false, voided: false, status: 'open', version: 1, updatedAt: 0,
  });
  // Thread 0 runs partitions 0 and 1, thread 1 runs 2; partition 3 is another pod's.
  const ids = Array.from({ length: 60 }, (_, i) => `inv_${i}`);
  const on = (p: number): string => ids.find((id) => partitionForKey(id, PARTITIONS) === p) as string;
  const thread = (partitions: number[], alive = true): QueriedThread & { asked: Ask[] } => {
    const stores = new Map<number, KeyValueStore<InvoiceState>>();
    for (const p of partitions) {
      const store = Stores.keyValueStoreBuilder<InvoiceState>(Stores.inMemoryKeyValueStore('invoices')).build();
      store.put(on(p), invoice(on(p)));
      stores.set(p, store);
    }
    const reads: StoreReads = localReads(<V>(store: string, p: number) => (store === 'invoices' ? (stores.get(p) as unknown as KeyValueStore<V> | undefined) : undefined));
    const asked: Ask[] = [];
    return {
      asked,
      alive: () => alive,
      placement: () => ({ invoices: { subtopology: 1, partitions: PARTITIONS } }),
      async ask(request: Ask): Promise<unknown> {
        asked.push(request);
        switch (request.op) {
          case 'get':
            return reads.get(request.store, request.partition, request.key);
          case 'owed':
            return reads.owed(request.partition);
          case 'owner':
            return request.partition === 3 ? 'b:8080' : 'a:8080';
          default:
            throw new Error(`unexpected ${request.op}`);
        }
      },
    };
  };

  it('answers a key from whichever thread runs its partition, and redirects a key of another pod', async () => {
    const threads = [thread([0, 1]), thread([2])];
    const host = threadsQueryHost(threads, 'a:8080');
    for (const p of [0, 1, 2]) expect(await queryInvoice(host, on(p))).toMatchObject({ kind: 'found', value: { invoice_id: on(p) } });
    expect(await queryInvoice(host, on(3))).toEqual({ kind: 'elsewhere', owner: 'b:8080', partition: 3 });
    const missing = ids.find((id) => id !== on(2) && partitionForKey(id, PARTITIONS) === 2) as string;
    expect(await queryInvoice(host, missing)).toEqual({ kind: 'not_found' });
  });

  it('sums the aging over every thread\'s partitions', async () => {
    const host = threadsQueryHost([thread([0, 1]), thread([2])], 'a:8080');
    const report = await queryAging(host, 20_100);
    expect(report).toMatchObject({ kind: 'found', value: { partitions: [0, 1, 2], complete: false, elsewhere: ['b:8080'] } });
    expect((report as { value: { aging: Record<string, Record<string, string>> } }).value.aging.EUR).toBeDefined();
  });

  it('does not ask a failed thread, and says restoring when no thread has the partition here', async () => {
    const dead = thread([2], false);
    const host = threadsQueryHost([thread([0, 1]), dead], 'a:8080');
    expect(await queryInvoice(host, on(2))).toMatchObject({ kind: 'unavailable', reason: 'partition 2 is assigned here but still restoring' });
    expect(dead.asked).toEqual([]);
  });
});

describe('stream threads: ids', () => {
  it('suffixes the instance id and the static member id with the thread index', () => {
    expect(threadIds('pod-0', 'pod-0', 1)).toEqual({ instanceId: 'pod-0-1', groupInstanceId: 'pod-0-1' });
    expect(threadIds('host-42', undefined, 0)).toEqual({ instanceId: 'host-42-0', groupInstanceId: undefined });
  });
});

describe('stream threads: a thread that fails', () => {
  const script = new URL('./support/scripted-thread.ts', import.meta.url);
  const stateDir = mkdtempSync(join(tmpdir(), 'threads-'));
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
  const start = (what: string, failures: number[] = []): StreamThreadHandle =>
    new StreamThreadHandle(0, { config: { script: what, stateDir, applicationId: 'app' } as unknown as Config, index: 0, stateRun: 'run-1', applicationServer: 'a:1', version: 'v', forwardLogs: true }, (h) => failures.push(h.index), () => {}, script);

  for (const what of ['exit', 'fatal']) {
    it(`${what}: the handle records it, tells the instance and the probes go down`, async () => {
      const failures: number[] = [];
      // A task directory this thread held, and one another thread holds.
      mkdirSync(join(stateDir, 'app'), { recursive: true });
      writeFileSync(join(stateDir, 'app', '0_0.lock'), JSON.stringify({ run: 'run-1', thread: 0 }));
      writeFileSync(join(stateDir, 'app', '0_1.lock'), JSON.stringify({ run: 'run-1', thread: 1 }));
      const handle = start(what, failures);
      await handle.started();
      expect((await handle.metrics()).map((m) => m.name)).toEqual(['records_total', 'lag']);
      const probes = threadProbes(() => [handle]);
      await until(() => handle.failure !== undefined);
      expect(failures).toEqual([0]);
      expect(handle.alive()).toBe(false);
      expect(probes.health()).toMatchObject({ ok: false, detail: { thread: 0, error: what === 'exit' ? 'exited with code 3' : 'fenced' } });
      expect(probes.readiness().ok).toBe(false);
      expect(await handle.close(1_000)).toBe(false);
      if (what === 'exit') {
        // Its counters stay in /metrics (their disappearance would read as a reset); its gauges, about tasks others have now, go.
        expect((await handle.metrics()).map((m) => m.name)).toEqual(['records_total']);
        // Its task directories are free for the threads that get its tasks; the other thread's stays held.
        await until(() => !existsSync(join(stateDir, 'app', '0_0.lock')));
        expect(existsSync(join(stateDir, 'app', '0_0.lock'))).toBe(false);
        expect(existsSync(join(stateDir, 'app', '0_1.lock'))).toBe(true);
      }
    });
  }

  it('a start failure rejects started(); a healthy thread closes clean', async () => {
    const failed = start('fail');
    await expect(failed.started()).rejects.toThrow('stream thread 0: topics missing: x');
    await failed.close(1_000);
    const ok = start('ok');
    await ok.started();
    expect(ok.threadId).toBeGreaterThan(0); // a test's script runs on a worker
    expect(await ok.close(1_000)).toBe(true);
  });
});

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 10));
}
