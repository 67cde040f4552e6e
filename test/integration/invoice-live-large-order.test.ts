// A valid order close to the validation's 1 MiB limit through the live pipeline: its repartition
// record (the parsed event and the original bytes) is about 2.5 times the input. With the broker's
// default 1 MiB message limit on the internal topics, a 535 KB order stopped the instance (a
// fatal MESSAGE_TOO_LARGE, then the same on every restart); internal topics are created with a
// larger limit (INTERNAL_MAX_MESSAGE_BYTES), and the order becomes an invoice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveInstance, type LiveInstance } from '../../src/app/observe/live.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { testStack } from '../stack/env.ts';
import { produceRaw } from './chaos/workload.ts';
import { createKafkaClient, liveConfig, liveUrl, outputTopics, runTopics, runTopicsToDelete } from './support/live-pipeline.ts';
import { until } from './support/until.ts';

describe('live: an order near the input size limit', () => {
  const run = `big-${Date.now()}`;
  const t = runTopics(run);
  let admin: RuntimeAdmin;
  let stateDir: string;
  let live: LiveInstance | undefined;

  beforeAll(async () => {
    admin = await createKafkaClient({ brokers: testStack().kafkaBrokers, clientId: `${run}-admin` }).admin();
    await admin.createTopics([t.orders, t.payments, t.activity, ...outputTopics(t)].map((name) => ({ name, partitions: 1, configs: { 'retention.ms': '-1' } })));
    stateDir = mkdtempSync(join(tmpdir(), 'live-large-order-'));
  });

  afterAll(async () => {
    await live?.close();
    await admin?.deleteTopics(runTopicsToDelete(t)).catch(() => undefined);
    await admin?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('turns a 975 KB order into an invoice without stopping the instance', async () => {
    const stack = testStack();
    const lines = Array.from({ length: 14_500 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1, unit_price: '1.00', tax_rate: '0' }));
    const value = JSON.stringify({ event_id: 'o1', event_type: 'order.placed', occurred_at: new Date().toISOString(), order_id: 'ord_big', client_id: 'cli_1', currency: 'EUR', lines });
    expect(value.length).toBeGreaterThan(900_000);
    expect(value.length).toBeLessThan(1_000_000);
    await produceRaw(stack.kafkaBrokers, t.orders, [{ key: 'ord_big', value }]);
    live = await startLiveInstance(liveConfig(run, t, { brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, stateDir, metrics: false }), { log: () => {} });
    const instance = live;
    const body = await until('invoice inv_ord_big', 60_000, async () => {
      if (instance.streams.fatalError) throw instance.streams.fatalError;
      const r = await fetch(liveUrl(instance, '/invoices/inv_ord_big'));
      return r.status === 200 ? ((await r.json()) as Record<string, unknown>) : undefined;
    });
    expect(body).toMatchObject({ invoice_id: 'inv_ord_big', status: 'open' });
    expect(Number(body.invoice_total)).toBe(14_500);
    expect(instance.streams.state).toBe('RUNNING');
  });
});
