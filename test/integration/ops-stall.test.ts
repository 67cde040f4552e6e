// An injected stall on a live instance against the real broker: the client under the runtime stops
// handing over the invoice task's repartition batches (as a fetcher that silently stops would), so
// records wait on the repartition topic while nothing moves. The stall watch must see it from the
// broker's offsets: /healthz and /readyz answer 503 naming the task, and the metrics show it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/app/config.ts';
import { kafkaClientOptions } from '../../src/app/kafka-connection.ts';
import { METRIC_NAMES } from '../../src/app/metrics.ts';
import { startLiveInstance, type LiveInstance } from '../../src/app/observe/live.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { faultyClient } from './support/faulty-client.ts';
import { createKafkaClient, liveConfig, liveUrl, outputTopics, runTopics, runTopicsToDelete } from './support/live-pipeline.ts';
import { testStack } from '../stack/env.ts';
import { produceRaw } from './chaos/workload.ts';
import { until } from './support/until.ts';

describe('ops: a stalled task fails the probes', () => {
  const run = `stall-${Date.now()}`;
  const t = runTopics(run);
  let admin: RuntimeAdmin;
  let stateDir: string;
  let live: LiveInstance | undefined;
  let config: Config;
  const get = (path: string): Promise<Response> => fetch(liveUrl(live as LiveInstance, path));

  beforeAll(async () => {
    const stack = testStack();
    admin = await createKafkaClient({ brokers: stack.kafkaBrokers, clientId: `${run}-admin` }).admin();
    await admin.createTopics([...[t.orders, t.payments, t.activity, ...outputTopics(t)].map((name) => ({ name, partitions: 1, configs: { 'retention.ms': '-1' } }))]);
    stateDir = mkdtempSync(join(tmpdir(), 'ops-stall-'));
    config = { ...liveConfig(run, t, { brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, stateDir, commitIntervalMs: 100 }), stallTimeoutMs: 2_000 };
  });

  afterAll(async () => {
    await live?.close();
    await admin?.deleteTopics(runTopicsToDelete(t)).catch(() => undefined);
    await admin?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('turns /healthz and /readyz to 503 and sets invoice_stream_task_stalled for the stalled task only', async () => {
    const state = { dropping: false, dropped: 0 };
    // The invoice processor's input: the by-invoice repartition topic (sub-topology 1).
    const byInvoice = t.repartitions[0] as string;
    const client = faultyClient(createKafkaClient(kafkaClientOptions(config)), {
      dropBatches: (topic) => {
        const drop = state.dropping && topic === byInvoice;
        if (drop) state.dropped++;
        return drop;
      },
    });
    live = await startLiveInstance(config, { client, sampleIntervalMs: 200, log: () => {} });
    const at = (i: number): string => new Date(Date.now() - 60_000 + i).toISOString();
    const order = (i: number): { key: string; value: string } => ({
      key: `ord_${i}`,
      value: JSON.stringify({ event_id: `o${i}`, event_type: 'order.placed', occurred_at: at(i), order_id: `ord_${i}`, client_id: 'cli_1', currency: 'EUR', lines: [{ sku: 'A', quantity: 1, unit_price: '10.00', tax_rate: '0' }] }),
    });
    // Healthy first: an order goes through, both probes answer 200.
    await produceRaw(testStack().kafkaBrokers, t.orders, [order(1)]);
    await until('invoice of ord_1', 60_000, async () => ((await get('/invoices/inv_ord_1')).status === 200 ? true : undefined));
    await until('/readyz 200', 30_000, async () => ((await get('/readyz')).status === 200 ? true : undefined));
    expect((await get('/healthz')).status).toBe(200);

    // The stall: repartition batches vanish from here on; orders keep being validated and re-keyed.
    state.dropping = true;
    await produceRaw(testStack().kafkaBrokers, t.orders, [2, 3, 4, 5].map(order));
    const health = await until('/healthz 503', 60_000, async () => {
      const r = await get('/healthz');
      return r.status === 503 ? ((await r.json()) as { reason: string; stalled: string[] }) : undefined;
    });
    expect(state.dropped).toBeGreaterThan(0);
    expect(health).toMatchObject({ reason: 'tasks stalled', stalled: ['1_0'] });
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, reason: 'tasks stalled', stalled: ['1_0'] });
    const progress = live.streams.taskProgress().get('1_0');
    expect(progress?.stalled).toBe(true);
    expect(progress?.lag).toBeGreaterThan(0);
    expect(progress?.progressAgeMs).toBeGreaterThanOrEqual(2_000);
    // The validating task (0_0) kept moving: not stalled.
    expect(live.streams.taskProgress().get('0_0')?.stalled).toBe(false);

    await live.sampler?.sample();
    const text = await (await get('/metrics')).text();
    expect(text).toMatch(new RegExp(`^${METRIC_NAMES.taskStalled}\\{task="1_0"\\} 1$`, 'm'));
    expect(text).toMatch(new RegExp(`^${METRIC_NAMES.taskStalled}\\{task="0_0"\\} 0$`, 'm'));
    const age = Number(new RegExp(`^${METRIC_NAMES.taskProgressAge}\\{task="1_0"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(age).toBeGreaterThanOrEqual(2);
  });
});
