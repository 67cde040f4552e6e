// What a live run wrote, read back by a client that is not the code under test: librdkafka (the
// confluent-kafka Python wheel, test/python/kafka_read.py) with isolation.level=read_committed.
// Events are decoded with the schema the registry holds for their id; tables are the last row per
// key of their changelog topics; dead letters come with their dlq.* headers. Shapes are those of
// a replay's outputs (test/unit/conformance/compare.ts), so both compare by the same rules.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import avro from 'avsc';
import { HttpSchemaRegistry } from '../../../src/engine/index.ts';
import { DLQ_HEADERS } from '../../../src/engine/processor/internals/deserialization.ts';
import { decimalText } from '../../../src/invoice/avro.ts';
import { formatDate, formatTimestamp } from '../../../src/values/time.ts';
import type { Actual } from '../../unit/conformance/compare.ts';
import type { RunTopics } from './live-pipeline.ts';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Row = Record<string, Json>;

/** One committed record as the independent reader saw it. */
export interface ReadRecord {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null>;
  /** The record's timestamp (ms), as the broker stored it. */
  timestamp: number;
}

/** Every committed record of each topic, read_committed, by librdkafka (not the project's client). */
export async function readCommittedIndependently(brokers: readonly string[], topics: readonly string[]): Promise<Map<string, ReadRecord[]>> {
  const { stdout } = await exec(join(ROOT, '.toolchain/py/bin/python'), [join(ROOT, 'test/python/kafka_read.py'), brokers.join(','), ...topics], { maxBuffer: 512 << 20 });
  const b = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'base64'));
  const out = new Map<string, ReadRecord[]>();
  for (const line of stdout.split('\n').filter(Boolean)) {
    const { topic, records } = JSON.parse(line) as { topic: string; records: Array<{ partition: number; offset: number; key: string | null; value: string | null; headers: Record<string, string | null>; timestamp: number }> };
    out.set(topic, records.map((r) => ({
      partition: r.partition, offset: r.offset, key: b(r.key), value: b(r.value),
      headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, b(v)])),
      timestamp: r.timestamp,
    })));
  }
  return out;
}

/** A topic's configuration (name → value) as librdkafka's admin client describes it (not the project's client). */
export async function topicConfigIndependently(brokers: readonly string[], topic: string): Promise<Record<string, string | null>> {
  const { stdout } = await exec(join(ROOT, '.toolchain/py/bin/python'), [join(ROOT, 'test/python/kafka_topic_config.py'), brokers.join(','), topic]);
  return JSON.parse(stdout) as Record<string, string | null>;
}

/** The last row per record key of a table changelog topic (JSON values; a null value deletes). */
export function finalRows(records: readonly ReadRecord[]): Row[] {
  const rows = new Map<string, Row>();
  for (const r of records) {
    const key = r.key?.toString('utf8') ?? '';
    if (r.value === null) rows.delete(key);
    else rows.set(key, JSON.parse(r.value.toString('utf8')) as Row);
  }
  return [...rows.values()];
}

/** Invoice events of Confluent-framed Avro values, as replay rows (decimals as text, dates and timestamps as strings). */
export async function decodeEvents(records: readonly ReadRecord[], registryUrl: string): Promise<Row[]> {
  const registry = new HttpSchemaRegistry(registryUrl);
  const types = new Map<number, avro.Type>();
  const events: Row[] = [];
  for (const r of records) {
    const value = r.value as Buffer;
    if (value[0] !== 0) throw new Error(`event at ${r.partition}/${r.offset}: not Confluent-framed (magic ${value[0]})`);
    const id = value.readInt32BE(1);
    let type = types.get(id);
    if (!type) types.set(id, (type = avro.Type.forSchema(JSON.parse(await registry.getSchema(id)) as avro.Schema)));
    const record = type.fromBuffer(value.subarray(5)) as Record<string, unknown>;
    const row: Row = {};
    for (const [field, v] of Object.entries(record)) {
      if (Buffer.isBuffer(v)) row[field] = decimalText(v);
      else if (field === 'timestamp') row[field] = formatTimestamp(v as number);
      else if (field === 'issue_date' || field === 'due_date') row[field] = v === null ? null : formatDate(v as number);
      else row[field] = v as Json;
    }
    events.push(row);
  }
  return events;
}

/** Dead letters as replay rows; source topics renamed by `topicName` (run topics to the contract's names). */
export function deadLetters(records: readonly ReadRecord[], topicName: (topic: string) => string): Row[] {
  return records.map((r) => {
    const header = (name: string): string | undefined => r.headers[name]?.toString('utf8');
    const topic = header(DLQ_HEADERS.sourceTopic) ?? '';
    return {
      reason: header(DLQ_HEADERS.reason) ?? null,
      error: header(DLQ_HEADERS.error) ?? null,
      source: { topic: topicName(topic), partition: Number(header(DLQ_HEADERS.sourcePartition)), offset: Number(header(DLQ_HEADERS.sourceOffset)) },
      value: r.value?.toString('utf8') ?? null,
    };
  });
}

/** The contract's input topic names, as a replay's dead letters name their sources. */
export const CONTRACT_TOPICS = { orders: 'orders', payments: 'payments', activity: 'invoice-activity' } as const;

/** A live run's outputs read independently, in replay shapes (summary left to the caller). */
export async function readLiveOutputs(brokers: readonly string[], registryUrl: string, t: RunTopics): Promise<Omit<Actual, 'summary'>> {
  const read = await readCommittedIndependently(brokers, [t.invoices, t.rows, t.balances, t.dlq]);
  const contractTopic = new Map<string, string>([[t.orders, CONTRACT_TOPICS.orders], [t.payments, CONTRACT_TOPICS.payments], [t.activity, CONTRACT_TOPICS.activity]]);
  return {
    invoices: finalRows(read.get(t.rows) ?? []),
    client_balances: finalRows(read.get(t.balances) ?? []),
    events: await decodeEvents(read.get(t.invoices) ?? [], registryUrl),
    dlq: deadLetters(read.get(t.dlq) ?? [], (topic) => contractTopic.get(topic) ?? topic),
  };
}
