// Confluent-framed Avro inputs in a LIVE run (docs/contract.md "Inputs": accepted when a registry is
// configured): the runtime lets the input deserializer fetch each writer schema before the
// synchronous validation runs, so an Avro payment is applied like its JSON twin, not dead-lettered.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { afterAll, expect, it } from 'vitest';
import { createKafkaClient, liveConfig, outputTopics, runTopics, runTopicsToDelete } from './support/live-pipeline.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { startLiveInstance, type LiveInstance } from '../../src/app/observe/live.ts';
import { HttpSchemaRegistry } from '../../src/engine/index.ts';
import { testStack } from '../stack/env.ts';
import { readCommitted, waitForLag0 } from './chaos/workload.ts';

const PAYMENT = {
  type: 'record', name: 'PaymentReceived', namespace: 'test.live', fields: [
    { name: 'event_id', type: 'string' }, { name: 'event_type', type: 'string' },
    { name: 'occurred_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'payment_id', type: 'string' }, { name: 'invoice_id', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'currency', type: 'string' }, { name: 'method', type: 'string' },
  ],
};

const run = `avro-in-${Date.now()}`;
const t = runTopics(run);
const topics = [t.orders, t.payments, t.activity, ...outputTopics(t)];
let admin: RuntimeAdmin | undefined;
let live: LiveInstance | undefined;
let stateDir = '';

afterAll(async () => {
  await live?.close();
  await admin?.deleteTopics(runTopicsToDelete(t)).catch(() => undefined);
  await admin?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

it('applies a Confluent-framed Avro payment in a live run', { timeout: 150_000 }, async () => {
  const stack = testStack();
  admin = await createKafkaClient({ brokers: stack.kafkaBrokers, clientId: `${run}-admin` }).admin();
  await admin.createTopics(topics.map((name) => ({ name, partitions: 1, configs: { 'retention.ms': '-1' } })));

  const registry = new HttpSchemaRegistry(stack.schemaRegistryUrl);
  const id = await registry.register(`${t.payments}-value`, JSON.stringify(PAYMENT));
  const body = avro.Type.forSchema(PAYMENT as avro.Schema).toBuffer({
    event_id: 'p-1', event_type: 'payment.received', occurred_at: Date.UTC(2026, 0, 3, 9), payment_id: 'pay-1',
    invoice_id: 'inv_A-1', amount: Buffer.from([0x04, 0xe2]) /* 1250 at scale 2: 12.50 */, currency: 'EUR', method: 'ach',
  });
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  const order = JSON.stringify({
    event_id: 'o-1', event_type: 'order.placed', occurred_at: '2026-01-02T10:00:00Z', order_id: 'A-1', client_id: 'c-1',
    currency: 'EUR', lines: [{ sku: 's', quantity: 1, unit_price: '12.50', tax_rate: 0 }],
  });
  const producer = await createKafkaClient({ brokers: stack.kafkaBrokers, clientId: `${run}-producer` }).producer();
  await producer.send([{ topic: t.orders, key: Buffer.from('A-1'), value: Buffer.from(order) }]);
  await producer.send([{ topic: t.payments, key: Buffer.from('pay-1'), value: Buffer.concat([header, body]) }]);
  await producer.close();

  stateDir = mkdtempSync(join(tmpdir(), 'invoice-live-avro-'));
  const config = liveConfig(run, t, { brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, stateDir, commitIntervalMs: 100, metrics: false });
  live = await startLiveInstance(config, { log: () => {} });
  await waitForLag0(admin, run, [t.orders, t.payments, t.activity], 90_000);

  // Both events of the invoice, committed: created, then paid by the Avro payment.
  let types: string[] = [];
  for (const deadline = Date.now() + 60_000; types.length < 2 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const events = await readCommitted(stack.kafkaBrokers, admin, `${run}.invoices`);
    const decoded = await Promise.all(events.map(async (r) => {
      const value = r.value as Buffer;
      const type = avro.Type.forSchema(JSON.parse(await registry.getSchema(value.readInt32BE(1))) as avro.Schema);
      return type.fromBuffer(value.subarray(5)) as { event_type: string; status: string };
    }));
    types = decoded.map((e) => `${e.event_type}:${e.status}`);
  }
  expect(types).toEqual(['invoice.created:open', 'invoice.paid:paid']);
  expect(await readCommitted(stack.kafkaBrokers, admin, t.dlq)).toEqual([]);
});
