// The sink stage from Kafka into local Delta tables (`npm run stack -- up` first): synthetic
// pipeline outputs (per step: one Avro invoice event, the invoice's new row, its client's new
// balance, as the live pipeline writes them) are produced before the timed span; the span runs
// from the joined consumer to the last partition's txn committed in its table.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { avroSerde, HttpSchemaRegistry } from '../src/engine/index.ts';
import { INVOICE_EVENT_SCHEMA, toAvroRecord } from '../src/invoice/avro.ts';
import type { InvoiceEvent } from '../src/invoice/invoice.ts';
import { parseConfig } from '../src/app/config.ts';
import { sinkGroupId, startSink } from '../src/app/sink-command.ts';
import { createKafkaClient } from '../src/runtime/index.ts';
import type { OutgoingRecord } from '../src/runtime/client/api.ts';
import { txnAppId } from '../src/connect/index.ts';
import { pipelineTopics } from '../topologies/invoice-pipeline.ts';
import { cpuSince, emit, numberArg, rate, rng, type BenchArgs, type BenchmarkMap } from './lib.ts';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const REGISTRY = process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:18081/apis/ccompat/v6';

function money(cents: number): string {
  return (cents / 100).toFixed(2);
}

// One step of an invoice's life: the event, the invoice row after it, the client balance after it.
function step(i: number, keys: number, clients: number, versions: Map<number, number>, random: () => number): { event: InvoiceEvent; row: Record<string, unknown>; balance: Record<string, unknown> } {
  const k = Math.floor(random() * keys);
  const version = (versions.get(k) ?? 0) + 1;
  versions.set(k, version);
  const invoiceId = `inv_o${k}`;
  const clientId = `c${k % clients}`;
  const total = 10_000 + (k % 9_000);
  const paid = Math.min(total, (version - 1) * 1_000);
  const ts = new Date(Date.UTC(2026, 0, 5) + i * 1000).toISOString().replace('Z', '000Z');
  const status = paid >= total ? 'paid' : paid > 0 ? 'partially_paid' : 'open';
  const event: InvoiceEvent = {
    event_type: version === 1 ? 'invoice.created' : 'invoice.partially_paid', event_id: `${invoiceId}:${version}`, timestamp: ts,
    invoice_id: invoiceId, order_id: `o${k}`, client_id: clientId, currency: 'EUR', amount: money(version === 1 ? total : 1_000),
    payment_method: version === 1 ? null : 'card', invoice_total: money(total), amount_paid: money(paid), outstanding: money(total - paid),
    status, issue_date: '2026-01-05', due_date: '2026-02-04', days_to_pay: null, days_overdue: null, version,
  } as InvoiceEvent;
  const row = {
    invoice_id: invoiceId, order_id: `o${k}`, client_id: clientId, currency: 'EUR', invoice_total: money(total), amount_paid: money(paid),
    outstanding: money(total - paid), status, issue_date: '2026-01-05', due_date: '2026-02-04', paid_at: null, days_to_pay: null,
    sent_at: null, viewed_at: null, disputed: false, version, updated_at: ts,
  };
  const balance = {
    client_id: clientId, currency: 'EUR', invoiced_total: money(total * 3), paid_total: money(paid), outstanding: money(total - paid),
    open_invoices: 3, overdue_invoices: 0, updated_at: ts,
  };
  return { event, row, balance };
}

export const benchmarks: BenchmarkMap = {
  'sink-delta': async (args: BenchArgs) => {
    const steps = numberArg(args, 'steps', 50_000);
    const keys = numberArg(args, 'keys', 10_000);
    const clients = numberArg(args, 'clients', 1_000);
    const partitions = numberArg(args, 'partitions', 3);
    const batchRows = numberArg(args, 'batch-rows', 10_000);
    const batchMs = numberArg(args, 'batch-ms', 1_000);
    const run = `bench-sink-${Date.now()}`;
    const topics = pipelineTopics({ prefix: run });
    const client = createKafkaClient({ brokers: BROKERS, clientId: run });
    const admin = await client.admin();
    const dir = mkdtempSync(join(tmpdir(), 'bench-sink-'));
    try {
      await admin.createTopics([topics.invoiceEvents, topics.invoiceRows, topics.balanceRows].map((name) => ({ name, partitions, replicationFactor: 1 })));
      const avro = await avroSerde<Record<string, unknown>>(new HttpSchemaRegistry(REGISTRY), `${topics.invoiceEvents}-value`, INVOICE_EVENT_SCHEMA);
      const producer = await client.producer();
      const random = rng(42);
      const versions = new Map<number, number>();
      let pending: OutgoingRecord[] = [];
      for (let i = 0; i < steps; i++) {
        const s = step(i, keys, clients, versions, random);
        pending.push(
          { topic: topics.invoiceEvents, key: Buffer.from(s.event.invoice_id), value: avro.serialize(topics.invoiceEvents, toAvroRecord(s.event)) },
          { topic: topics.invoiceRows, key: Buffer.from(s.event.invoice_id), value: Buffer.from(JSON.stringify(s.row)) },
          { topic: topics.balanceRows, key: Buffer.from(JSON.stringify([s.balance.client_id, 'EUR'])), value: Buffer.from(JSON.stringify(s.balance)) },
        );
        if (pending.length >= 6_000) {
          await producer.send(pending);
          pending = [];
        }
      }
      if (pending.length) await producer.send(pending);
      await producer.close();
      const last = new Map<string, number>();
      const group = sinkGroupId(run);
      for (const topic of [topics.invoiceEvents, topics.invoiceRows, topics.balanceRows]) {
        for (const [p, end] of await admin.endOffsets(topic)) if (end > 0) last.set(txnAppId(group, topic, p), end - 1);
      }
      process.stderr.write(`sink-delta: produced ${steps * 3} records; consuming\n`);
      const config = parseConfig({ applicationId: run, brokers: BROKERS, schemaRegistry: { url: REGISTRY }, topics: { outputPrefix: run }, sink: { kind: 'delta', dir } });
      const sink = await startSink(config, { options: { maxBatchRows: batchRows, maxBatchMs: batchMs } });
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const done = () => [...last].every(([appId, offset]) => (sink.stage.committed.get(appId) ?? -1) >= offset);
      while (!done()) await new Promise((r) => setTimeout(r, 20));
      const ms = performance.now() - t0;
      const cpuMs = cpuSince(cpu);
      const stats = { ...sink.stage.stats };
      await sink.stop();
      emit({
        name: 'sink-delta', records_per_s: rate(stats.records, ms), rows_per_s: rate(stats.rows, ms), records: stats.records, rows: stats.rows,
        commits: stats.commits, pauses: stats.pauses, elapsed_ms: Math.round(ms), cpu_ms: Math.round(cpuMs), records_per_cpu_s: rate(stats.records, cpuMs),
        steps, keys, clients, partitions, batch_rows: batchRows, batch_ms: batchMs,
      });
    } finally {
      await admin.deleteTopics([topics.invoiceEvents, topics.invoiceRows, topics.balanceRows]).catch(() => undefined);
      await admin.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
