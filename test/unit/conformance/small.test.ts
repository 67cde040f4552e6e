// The public conformance scenario (test/fixtures/conformance/small) through the replay code path:
// every invoice, balance, event, dead letter and the summary must match expected.json exactly.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayInvoices } from '../../../src/app/replay.ts';
import { DeltaTable } from '../../../src/sinks/delta/index.ts';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../../../src/invoice/tables.ts';
import { compareScenario, readReplayOutput, type Actual, type Expected } from './compare.ts';
import { SMALL_SCENARIO } from '../../fixtures/conformance.ts';

const SCENARIO = SMALL_SCENARIO;

describe('conformance: small', () => {
  let out: string;
  let expected: Expected;
  let actual: Actual;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'invoice-small-'));
    await replayInvoices({
      orders: join(SCENARIO, 'orders.jsonl'),
      payments: join(SCENARIO, 'payments.jsonl'),
      activity: join(SCENARIO, 'activity.jsonl'),
      out,
      progress: false,
    });
    expected = JSON.parse(await readFile(join(SCENARIO, 'expected.json'), 'utf8')) as Expected;
    actual = await readReplayOutput(out);
  });

  afterAll(async () => {
    await rm(out, { recursive: true, force: true });
  });

  it('matches expected.json exactly (Avro events, tables, dlq.jsonl, summary.json)', () => {
    expect(compareScenario(expected, actual)).toEqual([]);
    expect(actual.events).toHaveLength(expected.events.length);
  });

  it('emits events in the expected order, across invoices too', () => {
    // The conformance README compares by (invoice_id, version); the file's order is the replay's
    // emission order, which matches the reference's, overdue batches included (by due date, id).
    const order = (rows: Array<Record<string, unknown>>) => rows.map((r) => `${r.invoice_id}#${r.version}`);
    expect(order(actual.events)).toEqual(order(expected.events));
  });

  it('writes the same rows to the Delta tables', async () => {
    const read = async (name: string, spec: typeof INVOICES_TABLE) => (await DeltaTable.open(join(out, 'delta', name), spec)).readAll();
    const invoices = await read('invoices', INVOICES_TABLE);
    const balances = await read('client_balances', CLIENT_BALANCES_TABLE);
    const events = await read('invoice_events', INVOICE_EVENTS_TABLE);
    const fromDelta = { ...actual, invoices, client_balances: balances, events } as Actual;
    expect(compareScenario(expected, fromDelta)).toEqual([]);
  });
});
