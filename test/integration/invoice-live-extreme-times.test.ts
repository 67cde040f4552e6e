// Event times far from today in a LIVE run: orders placed in 0001, 1700 and 2400 (RFC 3339 allows
// them; the contract takes any). Their invoice events carry timestamp-micros longs past ±2^52,
// which avsc's own long writes with the sign lost (below -2^52) or refuses (past ±2^53): the
// serializer threw and the task failed on the same record forever. The events are checked here by
// reading the long's zigzag varint with BigInt, not with the library that wrote it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createKafkaClient, liveConfig, outputTopics, runTopics, runTopicsToDelete } from './support/live-pipeline.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { startLiveInstance, type LiveInstance } from '../../src/app/observe/live.ts';
import { testStack } from '../stack/env.ts';
import { readCommitted, waitForLag0 } from './chaos/workload.ts';

// occurred_at → epoch microseconds (computed with Python's datetime, proleptic Gregorian).
const ORDERS: Array<[string, bigint]> = [
  ['0001-01-01T10:00:00Z', -62135560800000000n],
  ['1700-03-01T10:00:00Z', -8515202400000000n],
  ['2400-01-02T10:00:00Z', 13569588000000000n],
];

const run = `extreme-times-${Date.now()}`;
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

/** The first three fields of an invoice event's Avro body: event_type, event_id, timestamp (exact). */
function head(body: Buffer): { eventType: string; eventId: string; micros: bigint } {
  let pos = 0;
  const long = (): bigint => {
    let z = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = body[pos++] as number;
      z |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) break;
    }
    return (z >> 1n) ^ -(z & 1n);
  };
  const string = (): string => {
    const n = Number(long());
    const s = body.toString('utf8', pos, pos + n);
    pos += n;
    return s;
  };
  return { eventType: string(), eventId: string(), micros: long() };
}

it('issues invoices for orders placed in 0001, 1700 and 2400, timestamps exact', { timeout: 150_000 }, async () => {
  const stack = testStack();
  admin = await createKafkaClient({ brokers: stack.kafkaBrokers, clientId: `${run}-admin` }).admin();
  await admin.createTopics(topics.map((name) => ({ name, partitions: 1, configs: { 'retention.ms': '-1' } })));
  const producer = await createKafkaClient({ brokers: stack.kafkaBrokers, clientId: `${run}-producer` }).producer();
  await producer.send(ORDERS.map(([at], i) => ({
    topic: t.orders, key: Buffer.from(`X-${i}`),
    value: Buffer.from(JSON.stringify({
      event_id: `o-${i}`, event_type: 'order.placed', occurred_at: at, order_id: `X-${i}`, client_id: `c-${i}`,
      currency: 'EUR', lines: [{ sku: 's', quantity: 1, unit_price: '10.00', tax_rate: 0 }],
    })),
  })));
  await producer.close();

  stateDir = mkdtempSync(join(tmpdir(), 'invoice-live-extreme-'));
  const config = liveConfig(run, t, { brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, stateDir, commitIntervalMs: 100, metrics: false });
  live = await startLiveInstance(config, { log: () => {} });
  await waitForLag0(admin, run, [t.orders, t.payments, t.activity], 90_000, () => live?.streams.fatalError);

  let created: Array<{ eventId: string; micros: bigint }> = [];
  for (const deadline = Date.now() + 60_000; created.length < ORDERS.length && Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    created = (await readCommitted(stack.kafkaBrokers, admin, `${run}.invoices`))
      .map((r) => head((r.value as Buffer).subarray(5)))
      .filter((e) => e.eventType === 'invoice.created');
  }
  expect(created.map((e) => e.micros).sort((a, b) => (a < b ? -1 : 1))).toEqual(ORDERS.map(([, micros]) => micros));
  expect(await readCommitted(stack.kafkaBrokers, admin, t.dlq)).toEqual([]);
  expect(live.streams.fatalError).toBeUndefined();
});
