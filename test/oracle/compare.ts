// Compares the oracle's output with a replay's (or with a conformance expected.json), by the
// conformance README's rules: decimals as numbers, timestamps as instants, events by
// (invoice_id, version) and in order within each invoice, dead letters as a multiset of
// (reason, topic, partition, offset, value), `updated_at` / `event_id` / `error` not compared.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import avro from 'avsc';
import { cmpDec, parseDecimalText } from './decimal.ts';
import { formatDay, formatTimestamp, parseTimestamp } from './time.ts';
import type { Row } from './model.ts';
import { DeltaTable } from '../../src/sinks/delta/index.ts';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../../src/invoice/tables.ts';

type Json = Row[string];

/** Outputs in comparable shape. */
export interface Outputs {
  invoices: Row[];
  client_balances: Row[];
  events: Row[];
  dlq: Row[];
  summary: Row;
}

const IGNORED = new Set(['updated_at', 'event_id', 'error']);

function same(expected: Json, actual: Json): boolean {
  if (typeof expected === 'string' && typeof actual === 'string') {
    if (expected === actual) return true;
    const de = parseDecimalText(expected);
    const da = parseDecimalText(actual);
    if (de && da) return cmpDec(de, da) === 0;
    const te = parseTimestamp(expected);
    return te !== undefined && te === parseTimestamp(actual);
  }
  return JSON.stringify(expected) === JSON.stringify(actual);
}

function compareRow(where: string, expected: Row, actual: Row | undefined, diffs: string[]): void {
  if (!actual) {
    diffs.push(`${where}: missing`);
    return;
  }
  for (const [field, value] of Object.entries(expected)) {
    if (IGNORED.has(field)) continue;
    if (!(field in actual)) diffs.push(`${where}.${field}: missing (expected ${JSON.stringify(value)})`);
    else if (!same(value, actual[field] as Json)) diffs.push(`${where}.${field}: expected ${JSON.stringify(value)}, got ${JSON.stringify(actual[field])}`);
  }
}

function compareKeyed(what: string, expected: Row[], actual: Row[], key: (r: Row) => string, diffs: string[]): void {
  const index = (rows: Row[]) => {
    const map = new Map<string, Row>();
    for (const r of rows) {
      if (map.has(key(r))) diffs.push(`${what} ${key(r)}: twice`);
      map.set(key(r), r);
    }
    return map;
  };
  const want = index(expected);
  const got = index(actual);
  for (const [k, row] of want) compareRow(`${what} ${k}`, row, got.get(k), diffs);
  for (const k of got.keys()) if (!want.has(k)) diffs.push(`${what} ${k}: unexpected`);
}

const dlqKey = (r: Row) => {
  const s = r.source as Row;
  return JSON.stringify([r.reason, s.topic, s.partition ?? 0, s.offset, r.value]);
};

/** Every difference (empty: equal). */
export function compareOutputs(expected: Outputs, actual: Outputs): string[] {
  const diffs: string[] = [];
  compareKeyed('invoice', expected.invoices, actual.invoices, (r) => String(r.invoice_id), diffs);
  compareKeyed('client_balance', expected.client_balances, actual.client_balances, (r) => `${r.client_id}/${r.currency}`, diffs);
  compareKeyed('event', expected.events, actual.events, (r) => `${r.invoice_id}#${r.version}`, diffs);
  // Within one invoice, emission order is version order.
  const order = (rows: Row[]) => {
    const by = new Map<string, number[]>();
    for (const r of rows) by.set(String(r.invoice_id), [...(by.get(String(r.invoice_id)) ?? []), Number(r.version)]);
    return by;
  };
  for (const [id, versions] of order(actual.events)) {
    if (versions.some((v, i) => v !== i + 1)) diffs.push(`event order ${id}: versions emitted as ${versions.join(',')}`);
  }
  const counts = new Map<string, number>();
  for (const r of expected.dlq) counts.set(dlqKey(r), (counts.get(dlqKey(r)) ?? 0) + 1);
  for (const r of actual.dlq) counts.set(dlqKey(r), (counts.get(dlqKey(r)) ?? 0) - 1);
  for (const [k, n] of counts) if (n !== 0) diffs.push(`dlq ${k}: ${n > 0 ? 'missing' : 'unexpected'} x${Math.abs(n)}`);
  compareRow('summary', expected.summary, actual.summary, diffs);
  for (const f of Object.keys(actual.summary)) if (!(f in expected.summary)) diffs.push(`summary.${f}: unexpected`);
  return diffs;
}

/** Two's complement big-endian bytes at scale 4 → decimal text. */
function decimalBytes(buf: Buffer): string {
  let v = 0n;
  for (const b of buf) v = (v << 8n) | BigInt(b);
  if (buf.length > 0 && (buf[0] as number) & 0x80) v -= 1n << BigInt(buf.length * 8);
  const neg = v < 0n;
  const digits = (neg ? -v : v).toString().padStart(5, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

// Avro longs as BigInt: timestamp-micros passes 2^53 after the year 2255.
const BIG_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (n: number) => BigInt(n),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/** Reads invoice-events.avro (decimal(38,4) bytes, timestamp-micros, date as epoch days). */
export async function readEventsAvro(path: string): Promise<Row[]> {
  const rows: Row[] = [];
  const isLong = (s: avro.Schema) => s === 'long' || (typeof s === 'object' && (s as { type?: unknown }).type === 'long');
  const decoder = avro.createFileDecoder(path, { parseHook: (schema: avro.Schema) => avro.Type.forSchema(schema, { typeHook: (s: avro.Schema) => (isLong(s) ? BIG_LONG : undefined) }) });
  for await (const record of decoder as AsyncIterable<Record<string, unknown>>) {
    const row: Row = {};
    for (const [field, value] of Object.entries(record)) {
      if (Buffer.isBuffer(value)) row[field] = decimalBytes(value);
      else if (field === 'timestamp') row[field] = formatTimestamp(value as bigint);
      else if (field === 'issue_date' || field === 'due_date') row[field] = formatDay(Number(value));
      else if (typeof value === 'bigint') row[field] = Number(value);
      else row[field] = value as Json;
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Reads a replay output directory. Like the conformance test's reader, on purpose not shared with
 * it: the oracle decodes the project's files with its own time and decimal code, so a bug in the
 * project's formatting cannot hide in both sides of the comparison.
 */
export async function readReplayDir(dir: string): Promise<Outputs> {
  const json = async (file: string) => JSON.parse(await readFile(join(dir, file), 'utf8')) as Json;
  const dlqText = await readFile(join(dir, 'dlq.jsonl'), 'utf8');
  return {
    invoices: (await json('tables/invoices.json')) as Row[],
    client_balances: (await json('tables/client_balances.json')) as Row[],
    events: await readEventsAvro(join(dir, 'invoice-events.avro')),
    dlq: dlqText.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row),
    summary: (await json('summary.json')) as Row,
  };
}

/** Reads the replay's Delta tables (DIR/delta/<table>, what the contract names) with the project's reader. */
export async function readDeltaTables(dir: string): Promise<Pick<Outputs, 'invoices' | 'client_balances' | 'events'>> {
  const read = async (spec: typeof INVOICES_TABLE) => (await (await DeltaTable.open(join(dir, 'delta', spec.name), spec)).readAll()) as unknown as Row[];
  return { invoices: await read(INVOICES_TABLE), client_balances: await read(CLIENT_BALANCES_TABLE), events: await read(INVOICE_EVENTS_TABLE) };
}
