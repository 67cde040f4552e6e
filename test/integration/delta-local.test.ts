// The local Delta writer verified by an independent reader: tables written through several
// upserts are read back with delta-rs (Python `deltalake`, test/python/delta_read.py) and must hold
// exactly the expected rows, version, protocol, txn versions and per-file stats, also when only
// the checkpoint (no older JSON commits) is left. Needs the venv of scripts/python-tools.sh.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable, type DeltaRow, type DeltaTableSpec } from '../../src/sinks/delta/index.ts';
import { decimalToUnscaled, timestampToMicros } from '../../src/sinks/delta/values.ts';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const PYTHON = join(ROOT, '.toolchain/py/bin/python');
const READER = join(ROOT, 'test/python/delta_read.py');

interface DeltaRsView {
  version: number;
  protocol: { minReaderVersion: number; minWriterVersion: number };
  schema: { name: string; type: string; nullable: boolean }[];
  rows: DeltaRow[];
  txn: Record<string, number | null>;
  files: Record<string, unknown>[];
  operations: string[];
  queries: DeltaRow[][];
}

async function deltaRs(dir: string, appIds: string[] = [], version?: number, sql: string[] = []): Promise<DeltaRsView> {
  const args = [
    READER, dir, ...appIds.flatMap(a => ['--app-id', a]), ...(version === undefined ? [] : ['--version', String(version)]),
    ...sql.flatMap(q => ['--sql', q]),
  ];
  const { stdout } = await exec(PYTHON, args, { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as DeltaRsView;
}

/** Rows the active files' deletion vectors delete, from the JSON commits (delta-rs does not list them). */
async function deletedRows(dir: string): Promise<number> {
  const files = new Map<string, number>();
  for (const name of (await readdir(join(dir, '_delta_log'))).filter(n => /^\d{20}\.json$/.test(n)).sort()) {
    for (const line of (await readFile(join(dir, '_delta_log', name), 'utf8')).trim().split('\n')) {
      const a = JSON.parse(line) as { add?: { path: string; deletionVector?: { cardinality: number } }; remove?: { path: string } };
      if (a.remove) files.delete(a.remove.path);
      if (a.add) files.set(a.add.path, a.add.deletionVector?.cardinality ?? 0);
    }
  }
  return [...files.values()].reduce((n, c) => n + c, 0);
}

const invoices: DeltaTableSpec = {
  name: 'invoices', keyColumns: ['invoice_id'], versionColumn: 'version',
  columns: [
    { name: 'invoice_id', type: 'string', nullable: false },
    { name: 'currency', type: 'string', nullable: false },
    { name: 'invoice_total', type: 'decimal(18,2)', nullable: false },
    { name: 'fx_amount', type: 'decimal(38,6)', nullable: true },
    { name: 'issue_date', type: 'date', nullable: false },
    { name: 'paid_at', type: 'timestamp', nullable: true },
    { name: 'days_to_pay', type: 'integer', nullable: true },
    { name: 'disputed', type: 'boolean', nullable: false },
    { name: 'version', type: 'long', nullable: false },
  ],
};

const balances: DeltaTableSpec = {
  name: 'client_balances', keyColumns: ['client_id', 'currency'],
  columns: [
    { name: 'client_id', type: 'string', nullable: false },
    { name: 'currency', type: 'string', nullable: false },
    { name: 'outstanding', type: 'decimal(18,3)', nullable: false },
    { name: 'open_invoices', type: 'long', nullable: false },
  ],
};

function invoice(n: number, version: number): DeltaRow {
  const paid = version % 3 === 0;
  return {
    invoice_id: `inv_ord_${n}`, currency: n % 2 ? 'EUR' : 'JPY',
    // amounts past 2^53 cents and sub-cent fx values: any float on the way would show
    invoice_total: `${90071992547409 + n}.${String(version % 100).padStart(2, '0')}`,
    fx_amount: n % 5 === 0 ? null : `-${n}12345678901234567890.123456`,
    issue_date: '2024-02-29',
    paid_at: paid ? `2024-03-0${1 + (n % 9)}T10:11:12.${String(100000 + version).slice(1)}1Z` : null,
    days_to_pay: paid ? n % 30 : null,
    disputed: n % 7 === 0,
    version,
  };
}

const byKey = (keys: string[]) => (a: DeltaRow, b: DeltaRow): number => {
  const ka = keys.map(k => String(a[k])).join('|');
  const kb = keys.map(k => String(b[k])).join('|');
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

let work: string;
beforeAll(async () => {
  if (!existsSync(PYTHON)) {
    throw new Error(`delta-rs reader missing: ${PYTHON} not found; run scripts/python-tools.sh (or python3 -m venv .toolchain/py && .toolchain/py/bin/pip install -r test/python/requirements.txt)`);
  }
  work = await mkdtemp(join(tmpdir(), 'delta-it-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('local Delta tables read by delta-rs', () => {
  it('invoices: inserts, updates, stale versions, replayed txns and a checkpoint', async () => {
    const dir = join(work, 'invoices');
    const table = await DeltaTable.open(dir, invoices, { targetFileRows: 40, smallFileRows: 10 });
    const expected = new Map<string, DeltaRow>();
    const apply = (rows: DeltaRow[]): void => {
      for (const r of rows) {
        const cur = expected.get(String(r.invoice_id));
        if (!cur || (r.version as number) > (cur.version as number)) expected.set(String(r.invoice_id), r);
      }
    };
    let batchNo = 0;
    const upsert = async (rows: DeltaRow[]): Promise<void> => {
      batchNo++;
      await table.upsert(rows, { txn: { appId: 'invoice-sink-p0', version: batchNo } });
      apply(rows);
    };
    // 1: 100 new invoices (3 files of <= 40 rows)
    await upsert(Array.from({ length: 100 }, (_, i) => invoice(i, 1)));
    const afterFirst = [...expected.values()].sort(byKey(['invoice_id']));
    // 2..11: updates spread over the files, new keys, and in-batch duplicates
    for (let b = 2; b <= 11; b++) {
      const rows = [invoice(b, b), invoice(b + 40, b), invoice(b + 80, b), invoice(1000 + b, 1), invoice(b, b - 1)];
      await upsert(rows);
    }
    // 12: stale lower versions must be ignored
    const stale = await table.upsert([invoice(2, 1), invoice(50, 1)], { txn: { appId: 'invoice-sink-p0', version: 12 } });
    batchNo = 12;
    expect(stale).toMatchObject({ updated: 0, inserted: 0, skipped: 2 });
    // a replay of batch 5 (after a crash) must be skipped entirely, even with newer rows
    const replay = await table.upsert([invoice(5, 99), invoice(5000, 1)], { txn: { appId: 'invoice-sink-p0', version: 5 } });
    expect(replay.txnSkipped).toBe(true);

    const view = await deltaRs(dir, ['invoice-sink-p0', 'unknown-app']);
    expect(view.version).toBe(12);
    expect(view.protocol).toEqual({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['appendOnly', 'invariants', 'deletionVectors'] });
    expect(view.schema.map(f => [f.name, f.type, f.nullable])).toEqual(invoices.columns.map(c => [c.name, c.type, c.nullable]));
    expect(view.txn).toEqual({ 'invoice-sink-p0': 12, 'unknown-app': null });
    expect(view.rows.sort(byKey(['invoice_id']))).toEqual([...expected.values()].sort(byKey(['invoice_id'])));
    expect(view.operations[0]).toBe('WRITE'); // history is newest first: the txn-only commit 12
    expect(view.operations).toContain('MERGE');
    expect(view.operations.at(-1)).toBe('CREATE TABLE');
    // our own reader agrees
    expect((await table.readAll()).sort(byKey(['invoice_id']))).toEqual(view.rows);
    // per-file stats as delta-rs parsed them: counts add up and bounds hold the file's keys
    // (with deletion vectors numRecords counts a file's rows, the deleted ones too: PROTOCOL.md)
    expect(view.files.reduce((n, f) => n + Number(f.num_records), 0) - await deletedRows(dir)).toBe(expected.size);
    for (const f of view.files) {
      expect(String(f['min.invoice_id']) <= String(f['max.invoice_id'])).toBe(true);
      expect(f['null_count.invoice_id']).toBe(0);
    }
    // Filtered reads through DataFusion prune files by our min/max/nullCount stats (checked: a max
    // key bound edited too low makes delta-rs return nothing), so wrong bounds would drop rows here.
    // (delta-rs tolerates millisecond-truncated timestamp maxima itself; the widening to a true
    // upper bound, for readers that do not, is asserted in test/unit/delta/stats.test.ts.)
    const all = [...expected.values()];
    const ids = (rows: DeltaRow[]): string[] => rows.map(r => String(r.invoice_id)).sort();
    // The latest paid_at has a sub-millisecond part, the edge case of millisecond stats.
    const latestPaid = all.map(r => r.paid_at).filter(p => p !== null).sort((a, b) => Number(timestampToMicros(a as string) - timestampToMicros(b as string))).at(-1) as string;
    expect(timestampToMicros(latestPaid) % 1000n).not.toBe(0n);
    const filtered = await deltaRs(dir, [], undefined, [
      "SELECT invoice_id FROM t WHERE invoice_id = 'inv_ord_45'",
      'SELECT invoice_id FROM t WHERE invoice_total >= 90071992547450.00',
      `SELECT invoice_id FROM t WHERE paid_at >= TIMESTAMP '${latestPaid}'`,
      'SELECT invoice_id FROM t WHERE fx_amount IS NULL',
      'SELECT invoice_id FROM t WHERE days_to_pay < 10 AND disputed',
    ]);
    expect(ids(filtered.queries[0])).toEqual(['inv_ord_45']);
    expect(ids(filtered.queries[1])).toEqual(ids(all.filter(r => decimalToUnscaled(r.invoice_total as string, 18, 2) >= 9007199254745000n)));
    const t0 = timestampToMicros(latestPaid);
    const paidAfter = all.filter(r => r.paid_at !== null && timestampToMicros(r.paid_at as string) >= t0);
    expect(paidAfter.length).toBeGreaterThan(0);
    expect(ids(filtered.queries[2])).toEqual(ids(paidAfter));
    expect(ids(filtered.queries[3])).toEqual(ids(all.filter(r => r.fx_amount === null)));
    expect(ids(filtered.queries[4])).toEqual(ids(all.filter(r => r.days_to_pay !== null && (r.days_to_pay as number) < 10 && r.disputed)));
    // time travel to version 1 sees the first batch only
    expect((await deltaRs(dir, [], 1)).rows.sort(byKey(['invoice_id']))).toEqual(afterFirst);

    // Checkpoint at version 10: delta-rs reads a copy whose JSON commits 0..10 are gone.
    const log = await readdir(join(dir, '_delta_log'));
    expect(log).toContain('00000000000000000010.checkpoint.parquet');
    const copy = join(work, 'invoices-checkpoint-only');
    await cp(dir, copy, { recursive: true });
    for (let v = 0; v <= 10; v++) await unlink(join(copy, '_delta_log', `${String(v).padStart(20, '0')}.json`));
    const fromCheckpoint = await deltaRs(copy, ['invoice-sink-p0']);
    expect(fromCheckpoint.version).toBe(12);
    expect(fromCheckpoint.txn['invoice-sink-p0']).toBe(12);
    expect(fromCheckpoint.rows.sort(byKey(['invoice_id']))).toEqual(view.rows);
    // and our writer reopens from the checkpoint with the same state
    const reopened = await DeltaTable.open(copy, invoices);
    expect(reopened.txnVersion('invoice-sink-p0')).toBe(12);
    expect((await reopened.readAll()).sort(byKey(['invoice_id']))).toEqual(view.rows);
  });

  it('client_balances: composite key, no version column, last row wins and unchanged rows commit nothing', async () => {
    const dir = join(work, 'client_balances');
    const table = await DeltaTable.open(dir, balances);
    await table.upsert([
      { client_id: 'c1', currency: 'EUR', outstanding: '10.5', open_invoices: 1 },
      { client_id: 'c1', currency: 'KWD', outstanding: '0.125', open_invoices: 1 },
      { client_id: 'c1', currency: 'EUR', outstanding: '12.000', open_invoices: 2 },
    ]);
    const unchanged = await table.upsert([{ client_id: 'c1', currency: 'KWD', outstanding: '0.125', open_invoices: 1 }]);
    expect(unchanged.version).toBeNull();
    await table.upsert([{ client_id: 'c2', currency: 'EUR', outstanding: '-3', open_invoices: 0 }, { client_id: 'c1', currency: 'KWD', outstanding: '0', open_invoices: 0 }]);
    const view = await deltaRs(dir);
    expect(view.version).toBe(2);
    expect(view.rows.sort(byKey(['client_id', 'currency']))).toEqual([
      { client_id: 'c1', currency: 'EUR', outstanding: '12.000', open_invoices: 2 },
      { client_id: 'c1', currency: 'KWD', outstanding: '0.000', open_invoices: 0 },
      { client_id: 'c2', currency: 'EUR', outstanding: '-3.000', open_invoices: 0 },
    ]);
  });
});
