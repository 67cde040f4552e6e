// Interoperability with Spark + Delta Lake (pyspark, delta-spark; test/python/delta_spark.py):
// Spark reads tables this writer made (from JSON commits; from our Parquet checkpoint alone), then writes to one
// itself (UPDATE, INSERT: INT96 timestamps, its own checkpoint at version 10); this writer catches
// up, keeps guarding versions against Spark's rows, and delta-rs and Spark read the same result.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable, type DeltaRow, type DeltaTableSpec } from '../../src/sinks/delta/index.ts';
import { spark } from './support/spark.ts';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const PYTHON = join(ROOT, '.toolchain/py/bin/python');


async function deltaRs(dir: string): Promise<{ version: number; rows: DeltaRow[] }> {
  const { stdout } = await exec(PYTHON, [join(ROOT, 'test/python/delta_read.py'), dir], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as { version: number; rows: DeltaRow[] };
}

const spec: DeltaTableSpec = {
  name: 'invoices', keyColumns: ['invoice_id'], versionColumn: 'version',
  columns: [
    { name: 'invoice_id', type: 'string', nullable: false },
    { name: 'status', type: 'string', nullable: false },
    { name: 'invoice_total', type: 'decimal(38,4)', nullable: false },
    { name: 'issue_date', type: 'date', nullable: false },
    { name: 'paid_at', type: 'timestamp', nullable: true },
    { name: 'version', type: 'long', nullable: false },
  ],
};
const inv = (n: number, version: number, status = 'open'): DeltaRow => ({
  invoice_id: `inv_${String(n).padStart(3, '0')}`, status,
  // 28 integer digits: far past what a double holds exactly
  invoice_total: `1234567890123456789012345${String(n).padStart(3, '0')}.${String(version).padStart(4, '0')}`,
  issue_date: '2024-02-29', paid_at: version > 1 ? `2024-03-01T00:00:00.${String(version).padStart(6, '0')}Z` : null, version,
});
const sorted = (rows: DeltaRow[]): DeltaRow[] => [...rows].sort((a, b) => String(a.invoice_id) < String(b.invoice_id) ? -1 : 1);

let work: string;
beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} missing: run scripts/python-tools.sh (pyspark, delta-spark, deltalake)`);
  work = await mkdtemp(join(tmpdir(), 'delta-spark-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('local Delta tables and Spark', () => {
  it('Spark reads our table, writes to it, and we carry on with the version guard intact', { timeout: 600_000 }, async () => {
    const dir = join(work, 'invoices');
    const table = await DeltaTable.open(dir, spec, { targetFileRows: 8 });
    const expected = new Map<string, DeltaRow>();
    const put = (r: DeltaRow): void => { expected.set(String(r.invoice_id), r); };
    // versions 1..8 by us (checkpoint at none yet: interval 10)
    await table.upsert(Array.from({ length: 20 }, (_, i) => inv(i, 1)));
    for (let i = 0; i < 20; i++) put(inv(i, 1));
    for (let b = 2; b <= 8; b++) {
      await table.upsert([inv(b, b), inv(b + 10, b)], { txn: { appId: 'sink', version: b } });
      put(inv(b, b));
      put(inv(b + 10, b));
    }
    expect(table.version).toBe(8);
    const t = `delta.\`${dir}\``;
    // A second table whose log starts at our Parquet checkpoint (JSON commits 0..10 deleted).
    const cpDir = join(work, 'checkpointed');
    const cpTable = await DeltaTable.open(cpDir, spec);
    for (let v = 1; v <= 11; v++) await cpTable.upsert([inv(1, v), inv(100 + v, 1)], { txn: { appId: 'cp', version: v } });
    for (let v = 0; v <= 10; v++) await unlink(join(cpDir, '_delta_log', `${String(v).padStart(20, '0')}.json`));
    const cpExpected = [inv(1, 11), ...Array.from({ length: 11 }, (_, i) => inv(101 + i, 1))];
    // Spark: read, then UPDATE (v9) and INSERT (v10: Spark writes its checkpoint), then read again.
    const [before, , , after, fromCheckpoint] = await spark([
      `SELECT * FROM ${t}`,
      `UPDATE ${t} SET status = 'spark', version = version + 100 WHERE invoice_id = 'inv_003'`,
      `INSERT INTO ${t} VALUES ('inv_900', 'spark', 1.5, DATE '2024-01-01', TIMESTAMP '2024-01-01 00:00:00.123456', 1)`,
      `SELECT * FROM ${t}`,
      `SELECT * FROM delta.\`${cpDir}\``,
    ]);
    expect(sorted(fromCheckpoint)).toEqual(sorted(cpExpected));
    expect(sorted(before)).toEqual(sorted([...expected.values()]));
    put({ ...inv(3, 3), status: 'spark', version: 103 });
    put({ invoice_id: 'inv_900', status: 'spark', invoice_total: '1.5000', issue_date: '2024-01-01', paid_at: '2024-01-01T00:00:00.123456Z', version: 1 });
    expect(sorted(after)).toEqual(sorted([...expected.values()]));
    expect(await readdir(join(dir, '_delta_log'))).toContain('00000000000000000010.checkpoint.parquet');

    // We catch up with Spark's commits: inv_003 at version 50 is older than Spark's 103 (skipped),
    // inv_900 (written by Spark, INT96 timestamps) moves to version 2, and a new key comes in.
    const r = await table.upsert([inv(3, 50), inv(900, 2), inv(901, 1)], { txn: { appId: 'sink', version: 9 } });
    expect(r).toMatchObject({ version: 11, skipped: 1, updated: 1, inserted: 1 });
    put(inv(900, 2));
    put(inv(901, 1));
    expect(sorted(await table.readAll())).toEqual(sorted([...expected.values()]));
    // A fresh writer opens from Spark's checkpoint (version 10) plus our commit 11.
    const reopened = await DeltaTable.open(dir, spec);
    expect(reopened.version).toBe(11);
    expect(reopened.txnVersion('sink')).toBe(9);
    expect(sorted(await reopened.readAll())).toEqual(sorted([...expected.values()]));

    const rs = await deltaRs(dir);
    expect(rs.version).toBe(11);
    expect(sorted(rs.rows)).toEqual(sorted([...expected.values()]));
    const [final] = await spark([`SELECT * FROM ${t}`]);
    expect(sorted(final)).toEqual(sorted([...expected.values()]));
  });
});
