// The "must show": delta-rs (an independent reader) reads the Delta tables that a replay of
// test/fixtures/conformance/small writes, and they equal expected.json (rules of compare.ts: decimals
// as numbers, timestamps as instants, updated_at ignored). Events come from `invoice_events`, so
// the table itself is checked, including that each event is there once; then the Avro file's
// events, as fastavro (another independent reader) reads them.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { replayInvoices } from '../../src/app/replay.ts';
import { compareScenario, readReplayOutput, type Actual, type Expected } from '../unit/conformance/compare.ts';
import { SMALL_SCENARIO } from '../fixtures/conformance.ts';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const PYTHON = join(ROOT, '.toolchain/py/bin/python');
const SCENARIO = SMALL_SCENARIO;

type Rows = Actual['invoices'];

async function deltaRs(dir: string): Promise<{ version: number; rows: Rows; protocol: { minReaderVersion: number; minWriterVersion: number } }> {
  const { stdout } = await exec(PYTHON, [join(ROOT, 'test/python/delta_read.py'), dir], { maxBuffer: 256 << 20 });
  return JSON.parse(stdout) as { version: number; rows: Rows; protocol: { minReaderVersion: number; minWriterVersion: number } };
}

let out: string | undefined;
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('conformance small: Delta tables read by delta-rs', () => {
  it('equal expected.json', async () => {
    if (!existsSync(PYTHON)) throw new Error(`${PYTHON} missing: run scripts/python-tools.sh`);
    out = await mkdtemp(join(tmpdir(), 'delta-conformance-'));
    await replayInvoices({
      orders: join(SCENARIO, 'orders.jsonl'), payments: join(SCENARIO, 'payments.jsonl'), activity: join(SCENARIO, 'activity.jsonl'),
      out, progress: false,
    });
    const expected = JSON.parse(await readFile(join(SCENARIO, 'expected.json'), 'utf8')) as Expected;
    const [invoices, events, balances] = await Promise.all(
      ['invoices', 'invoice_events', 'client_balances'].map(t => deltaRs(join(out as string, 'delta', t))),
    );
    for (const t of [invoices, events, balances]) expect(t.protocol).toEqual({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['appendOnly', 'invariants', 'deletionVectors'] });
    const files = await readReplayOutput(out); // dlq.jsonl and summary.json: not Delta
    const actual: Actual = { ...files, invoices: invoices.rows, client_balances: balances.rows, events: events.rows };
    expect(compareScenario(expected, actual)).toEqual([]);
    expect(new Set(events.rows.map(r => r.event_id)).size).toBe(events.rows.length);
    expect(events.rows).toHaveLength(expected.events.length);

    // The Avro container file, read by fastavro (not avsc, which wrote it and reads it in the
    // unit tests): every event of expected.json, in its order, with the same field values.
    const { stdout } = await exec(PYTHON, [join(ROOT, 'test/python/avro_read.py'), join(out, 'invoice-events.avro')], { maxBuffer: 256 << 20 });
    const avroFile = JSON.parse(stdout) as { codec: string; schema: string; records: Rows };
    expect(avroFile.schema).toBe('io.invoicestream.InvoiceEvent');
    expect(compareScenario(expected, { ...actual, events: avroFile.records })).toEqual([]);
    expect(avroFile.records.map((r) => `${r.invoice_id}#${r.version}`)).toEqual(expected.events.map((r) => `${r.invoice_id}#${r.version}`));
  });
});
