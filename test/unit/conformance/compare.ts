// Compares a replay's outputs with a conformance scenario's expected.json, by the rules of
// docs/contract.md ("Conformance scenario"): decimals as numbers, timestamps as instants, `updated_at` and
// `error` wording ignored, events by (invoice_id, version), dead letters as a multiset.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import avro from 'avsc';
import { decimalText } from '../../../src/invoice/avro.ts';
import { compareDecimal, parseDecimal } from '../../../src/values/decimal.ts';
import { formatDate, formatTimestamp, parseTimestamp } from '../../../src/values/time.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Row = Record<string, Json>;

/** The published shape of expected.json. */
export interface Expected {
  invoices: Record<string, Row>;
  client_balances: Row[];
  events: Row[];
  dlq: Row[];
  summary: Row;
}

/** What a replay wrote, in the same shapes. */
export interface Actual {
  invoices: Row[];
  client_balances: Row[];
  events: Row[];
  dlq: Row[];
  summary: Row;
}

const IGNORED = new Set(['updated_at', 'event_id', 'error']);

function sameValue(expected: Json, actual: Json): boolean {
  if (typeof expected === 'string' && typeof actual === 'string') {
    if (expected === actual) return true;
    const de = parseDecimal(expected);
    const da = parseDecimal(actual);
    if (de && da) return compareDecimal(de, da) === 0;
    const te = parseTimestamp(expected);
    const ta = parseTimestamp(actual);
    return te !== undefined && te === ta;
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
    else if (!sameValue(value, actual[field] as Json)) diffs.push(`${where}.${field}: expected ${JSON.stringify(value)}, got ${JSON.stringify(actual[field])}`);
  }
}

function keyed(rows: Row[], key: (r: Row) => string, what: string, diffs: string[]): Map<string, Row> {
  const map = new Map<string, Row>();
  for (const r of rows) {
    const k = key(r);
    if (map.has(k)) diffs.push(`${what} ${k}: twice`);
    map.set(k, r);
  }
  return map;
}

function compareKeyed(what: string, expected: Row[], actual: Row[], key: (r: Row) => string, diffs: string[]): void {
  const got = keyed(actual, key, what, diffs);
  const want = keyed(expected, key, what, diffs);
  for (const [k, row] of want) compareRow(`${what} ${k}`, row, got.get(k), diffs);
  for (const k of got.keys()) if (!want.has(k)) diffs.push(`${what} ${k}: unexpected`);
}

function dlqKey(r: Row): string {
  const source = r.source as Row;
  return JSON.stringify([r.reason, source.topic, source.partition ?? 0, source.offset, r.value]);
}

/** Every difference between expected and actual (empty: a match). */
export function compareScenario(expected: Expected, actual: Actual): string[] {
  const diffs: string[] = [];
  compareKeyed('invoice', Object.values(expected.invoices), actual.invoices, (r) => String(r.invoice_id), diffs);
  compareKeyed('client_balance', expected.client_balances, actual.client_balances, (r) => `${r.client_id}/${r.currency}`, diffs);
  compareKeyed('event', expected.events, actual.events, (r) => `${r.invoice_id}#${r.version}`, diffs);
  const want = expected.dlq.map(dlqKey).sort();
  const got = actual.dlq.map(dlqKey).sort();
  const counts = new Map<string, number>();
  for (const k of want) counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const k of got) counts.set(k, (counts.get(k) ?? 0) - 1);
  for (const [k, n] of counts) if (n !== 0) diffs.push(`dlq ${k}: ${n > 0 ? 'missing' : 'unexpected'} ×${Math.abs(n)}`);
  compareRow('summary', expected.summary, actual.summary, diffs);
  for (const field of Object.keys(actual.summary)) if (!(field in expected.summary)) diffs.push(`summary.${field}: unexpected`);
  return diffs;
}

/** Reads invoice-events.avro back into event rows (decimals as text, dates and timestamps as strings). */
export async function readEventsAvro(path: string): Promise<Row[]> {
  const rows: Row[] = [];
  const decoder = avro.createFileDecoder(path);
  for await (const record of decoder as AsyncIterable<Record<string, unknown>>) {
    const row: Row = {};
    for (const [field, value] of Object.entries(record)) {
      if (Buffer.isBuffer(value)) row[field] = decimalText(value);
      else if (field === 'timestamp') row[field] = formatTimestamp(value as number);
      else if (field === 'issue_date' || field === 'due_date') row[field] = formatDate(value as number);
      else row[field] = value as Json;
    }
    rows.push(row);
  }
  return rows;
}

/** Reads a replay output directory (events from the Avro file, tables from tables/*.json). */
export async function readReplayOutput(dir: string): Promise<Actual> {
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
