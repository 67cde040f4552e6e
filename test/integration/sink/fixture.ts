// Test data for the sink stage: the invoice pipeline's real outputs (the topology replayed over a
// conformance scenario, no broker), encoded in the live pipeline's wire formats (events:
// Confluent-framed Avro registered as `<topic>-value`; rows and balances: JSON; keys: UTF-8), and
// the rows the tables must hold, by the replay's own rule (every event; the latest row per key).
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { avroSerde, HttpSchemaRegistry, jsonSerde, replay, type ProducedRecord } from '../../../src/engine/index.ts';
import { INVOICE_EVENT_SCHEMA, toAvroRecord } from '../../../src/invoice/avro.ts';
import type { InvoiceEvent } from '../../../src/invoice/invoice.ts';
import type { OutgoingRecord, RuntimeAdmin, KafkaClient } from '../../../src/runtime/client/api.ts';
import type { DeltaRow } from '../../../src/sinks/delta/index.ts';
import { occurredAtMillis } from '../../../src/invoice/event-time.ts';
import { buildInvoicePipeline, pipelineTopics } from '../../../topologies/invoice-pipeline.ts';
import { SMALL_SCENARIO } from '../../fixtures/conformance.ts';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');
const SCENARIO = SMALL_SCENARIO;

/** The pipeline's output records (values as objects) and the tables they must produce. */
export interface SinkFixture {
  outputs: ProducedRecord[];
  expected: { invoices: DeltaRow[]; invoice_events: DeltaRow[]; client_balances: DeltaRow[] };
}

/** Replays the conformance scenario through the invoice topology and keeps its table outputs. */
export async function pipelineOutputs(): Promise<SinkFixture> {
  const pipeline = buildInvoicePipeline();
  const t = pipeline.topics;
  const outputs: ProducedRecord[] = [];
  await replay({
    topology: pipeline.topology,
    applicationId: 'sink-fixture',
    inputs: [
      { topic: t.orders, path: join(SCENARIO, 'orders.jsonl') },
      { topic: t.payments, path: join(SCENARIO, 'payments.jsonl') },
      { topic: t.activity, path: join(SCENARIO, 'activity.jsonl') },
    ],
    timestampOf: occurredAtMillis,
    onOutput: (r) => {
      if (r.topic === t.invoiceEvents || r.topic === t.invoiceRows || r.topic === t.balanceRows) outputs.push(r);
    },
    progress: false,
  });
  const invoices = new Map<string, DeltaRow>();
  const balances = new Map<string, DeltaRow>();
  const events: DeltaRow[] = [];
  for (const r of outputs) {
    const row = r.value as DeltaRow;
    if (r.topic === t.invoiceEvents) events.push(row);
    else if (r.topic === t.invoiceRows) invoices.set(String(row.invoice_id), row);
    else balances.set(String(r.key), row);
  }
  return { outputs, expected: { invoices: [...invoices.values()], invoice_events: events, client_balances: [...balances.values()] } };
}

/** The three output topics of a prefix. */
export function sinkTopics(prefix: string): { events: string; rows: string; balances: string } {
  const t = pipelineTopics({ prefix });
  return { events: t.invoiceEvents, rows: t.invoiceRows, balances: t.balanceRows };
}

/** Encodes the outputs for `prefix`'s topics exactly as the live pipeline does. */
export async function wireRecords(registryUrl: string, prefix: string, outputs: readonly ProducedRecord[]): Promise<OutgoingRecord[]> {
  const base = pipelineTopics();
  const topics = sinkTopics(prefix);
  const avro = await avroSerde<Record<string, unknown>>(new HttpSchemaRegistry(registryUrl), `${topics.events}-value`, INVOICE_EVENT_SCHEMA);
  const json = jsonSerde<unknown>();
  return outputs.map((r) => {
    const key = Buffer.from(String(r.key), 'utf8');
    if (r.topic === base.invoiceEvents) return { topic: topics.events, key, value: avro.serialize(topics.events, toAvroRecord(r.value as InvoiceEvent)) };
    const topic = r.topic === base.invoiceRows ? topics.rows : topics.balances;
    return { topic, key, value: json.serialize(topic, r.value) };
  });
}

/** Produces in transactions of `chunk` records (the pipeline runs with EOS), plus one aborted transaction of junk. */
export async function produceTransactional(client: KafkaClient, id: string, records: readonly OutgoingRecord[], chunk = 500, junk: OutgoingRecord[] = []): Promise<void> {
  const producer = client.transactionalProducer(id);
  await producer.init();
  for (let i = 0; i < records.length; i += chunk) {
    await producer.begin();
    await producer.send(records.slice(i, i + chunk));
    await producer.commit();
    if (i === 0 && junk.length) {
      // Read with read_committed, the sink must never see these.
      await producer.begin();
      await producer.send(junk);
      await producer.abort();
    }
  }
  await producer.close();
}

/** Creates the three topics with `partitions` partitions. */
export async function createSinkTopics(admin: RuntimeAdmin, prefix: string, partitions: number): Promise<void> {
  const t = sinkTopics(prefix);
  await admin.createTopics([t.events, t.rows, t.balances].map((name) => ({ name, partitions, replicationFactor: 1, configs: { 'retention.ms': '-1' } })));
}

/** Offsets of the committed data records per `topic:partition` (read_committed: markers and aborted records are not there). */
export async function dataOffsets(client: KafkaClient, admin: RuntimeAdmin, topics: readonly string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const reader = await client.partitionReader();
  for (const topic of topics) {
    for (const [partition, high] of await admin.endOffsets(topic)) {
      const offsets: number[] = [];
      await reader.read(topic, partition, 0, high, (records) => {
        for (const r of records) offsets.push(r.offset);
      });
      if (offsets.length) out.set(`${topic}:${partition}`, offsets);
    }
  }
  await reader.close();
  return out;
}

/** What delta-rs (test/python/delta_read.py) reads from a table. */
export interface DeltaRsView {
  version: number;
  rows: DeltaRow[];
  txn: Record<string, number | null>;
}

/** Reads a table with delta-rs, with the txn versions of `appIds`. */
export async function deltaRs(dir: string, appIds: readonly string[] = []): Promise<DeltaRsView> {
  const { stdout } = await exec(join(ROOT, '.toolchain/py/bin/python'), [join(ROOT, 'test/python/delta_read.py'), dir, ...appIds.flatMap((a) => ['--app-id', a])], { maxBuffer: 1024 << 20 }); // the long chaos run's tables pass 64 MiB of JSON
  return JSON.parse(stdout) as DeltaRsView;
}

/** Rows in a canonical form for comparison: decimals at the table's scale 4, sorted by key. */
export function canonical(rows: readonly DeltaRow[], key: (r: DeltaRow) => string): DeltaRow[] {
  const fix = (v: DeltaRow[string]): DeltaRow[string] => {
    if (typeof v !== 'string') return v;
    const ts = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(v);
    if (ts) return `${ts[1]}.${(ts[2] ?? '').padEnd(6, '0')}Z`;
    if (!/^-?\d+(\.\d+)?$/.test(v)) return v;
    const [i, f = ''] = v.split('.');
    return `${i}.${f.padEnd(4, '0')}`;
  };
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, fix(v)]))).sort((a, b) => key(a).localeCompare(key(b)));
}
