// DeltaTable against a temp directory: commits, version guard, txn, copy-on-write, checkpoints,
// concurrent writers. (Merge-on-read with deletion vectors: deletion-vectors.test.ts.) (Independent verification with delta-rs is in test/integration.)
import { mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeltaTable, type DeltaRow, type DeltaTableSpec } from '../../../src/sinks/delta/index.ts';

const spec: DeltaTableSpec = {
  name: 'invoices', keyColumns: ['invoice_id'], versionColumn: 'version',
  columns: [
    { name: 'invoice_id', type: 'string', nullable: false },
    { name: 'amount', type: 'decimal(18,2)', nullable: false },
    { name: 'version', type: 'long', nullable: false },
  ],
};
const row = (id: string, version: number, amount = `${version}.00`): DeltaRow => ({ invoice_id: id, amount, version });
const sortRows = (rows: DeltaRow[]): DeltaRow[] => [...rows].sort((a, b) => String(a.invoice_id).localeCompare(String(b.invoice_id)));

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'delta-unit-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(d => rm(d, { recursive: true, force: true })));
});
const commits = async (dir: string): Promise<string[]> => (await readdir(join(dir, '_delta_log'))).filter(n => /^\d{20}\.json$/.test(n)).sort();

describe('DeltaTable', () => {
  it('creates the table at version 0 and refuses a different schema on reopen', async () => {
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec);
    expect(t.version).toBe(0);
    const first = (await readFile(join(dir, '_delta_log', '00000000000000000000.json'), 'utf8')).trim().split('\n').map(l => JSON.parse(l));
    expect(first.find(a => a.protocol)?.protocol).toEqual({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['appendOnly', 'invariants', 'deletionVectors'] });
    expect(first.find(a => a.metaData)?.metaData.configuration).toEqual({ 'delta.enableDeletionVectors': 'true' });
    expect(t.deletionVectors).toBe(true);
    const cowDir = await tempDir();
    const cow = await DeltaTable.open(cowDir, spec, { deletionVectors: false });
    const cowFirst = (await readFile(join(cowDir, '_delta_log', '00000000000000000000.json'), 'utf8')).trim().split('\n').map(l => JSON.parse(l));
    expect(cowFirst.find(a => a.protocol)?.protocol).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
    expect(cow.deletionVectors).toBe(false);
    const wider = spec.columns.map(c => c.name === 'amount' ? { ...c, type: 'decimal(20,2)' as const } : c);
    await expect(DeltaTable.open(dir, { ...spec, columns: wider })).rejects.toThrow(/schema/);
    expect((await DeltaTable.open(dir, spec)).version).toBe(0);
  });

  it('upserts with the version guard, and commits nothing for a batch that changes nothing', async () => {
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec);
    expect(await t.upsert([row('a', 1), row('b', 1)])).toMatchObject({ version: 1, inserted: 2 });
    expect(await t.upsert([row('a', 3), row('b', 0)])).toMatchObject({ version: 2, updated: 1, skipped: 1 });
    expect(await t.upsert([row('a', 2), row('a', 3, '99.00')])).toMatchObject({ version: null, skipped: 2 });
    expect(await commits(dir)).toHaveLength(3);
    expect(sortRows(await t.readAll())).toEqual([row('a', 3), row('b', 1)]);
  });

  it('records txn versions in the data commit and skips replayed batches', async () => {
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec);
    await t.upsert([row('a', 1)], { txn: { appId: 'sink-p0', version: 7 } });
    const replay = await t.upsert([row('a', 9), row('z', 1)], { txn: { appId: 'sink-p0', version: 7 } });
    expect(replay).toMatchObject({ txnSkipped: true, version: null });
    // a batch with nothing to change still records its txn, so the offsets move on
    expect(await t.upsert([row('a', 1)], { txn: { appId: 'sink-p0', version: 8 } })).toMatchObject({ version: 2, skipped: 1 });
    const reopened = await DeltaTable.open(dir, spec);
    expect(reopened.txnVersion('sink-p0')).toBe(8);
    expect(reopened.txnVersion('other')).toBeUndefined();
    expect(await reopened.readAll()).toEqual([row('a', 1)]);
  });

  it('copy-on-write: rewrites only the files that hold updated keys; new keys fill the smallest small file', async () => {
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec, { targetFileRows: 10, smallFileRows: 5, deletionVectors: false });
    const init: DeltaRow[] = [];
    for (let i = 0; i < 40; i++) init.push(row(`k${String(i).padStart(2, '0')}`, 1));
    await t.upsert(init);
    expect(t.fileCount).toBe(4);
    const r = await t.upsert([row('k05', 2), row('k06', 2)]);
    expect(r).toMatchObject({ filesRemoved: 1, filesAdded: 1, rowsWritten: 10, updated: 2 });
    const n1 = await t.upsert([row('n1', 1)]);
    expect(n1).toMatchObject({ filesRemoved: 0, filesAdded: 1, inserted: 1 });
    const n2 = await t.upsert([row('n2', 1)]);
    expect(n2).toMatchObject({ filesRemoved: 1, filesAdded: 1, rowsWritten: 2 }); // packed with n1's file
    expect(t.fileCount).toBe(5);
    expect((await t.readAll()).length).toBe(42);
  });

  it('writes a checkpoint every 10 commits and opens from it without the older commits', async () => {
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec);
    for (let v = 1; v <= 12; v++) await t.upsert([row('a', v), row(`n${v}`, 1)], { txn: { appId: 'app', version: v } });
    const log = await readdir(join(dir, '_delta_log'));
    expect(log).toContain('00000000000000000010.checkpoint.parquet');
    expect(JSON.parse(await readFile(join(dir, '_delta_log', '_last_checkpoint'), 'utf8')).version).toBe(10);
    // Log cleanup would delete these; the table must still open from the checkpoint.
    for (let v = 0; v <= 10; v++) await unlink(join(dir, '_delta_log', `${String(v).padStart(20, '0')}.json`));
    const reopened = await DeltaTable.open(dir, spec);
    expect(reopened.version).toBe(12);
    expect(reopened.txnVersion('app')).toBe(12);
    const rows = await reopened.readAll();
    expect(rows).toHaveLength(13);
    expect(rows.find(r => r.invoice_id === 'a')).toEqual(row('a', 12));
  });

  it('serializes two writers on one table through put-if-absent commits', async () => {
    const dir = await tempDir();
    const a = await DeltaTable.open(dir, spec);
    const b = await DeltaTable.open(dir, spec);
    await a.upsert([row('x', 1)]);
    // b has not seen version 1: its first attempt conflicts, it re-reads the log and re-plans.
    const rb = await b.upsert([row('x', 2), row('y', 1)]);
    expect(rb).toMatchObject({ version: 2, updated: 1, inserted: 1 });
    const ra = await a.upsert([row('x', 2, '5.00')]);
    expect(ra.version).toBeNull(); // a catches up: version 2 is already there
    expect(sortRows(await a.readAll())).toEqual([row('x', 2), row('y', 1)]);
    const results = await Promise.all([a.upsert([row('p', 1)]), b.upsert([row('q', 1)])]);
    expect(results.map(r => r.version).sort()).toEqual([3, 4]);
    expect((await DeltaTable.open(dir, spec)).version).toBe(4);
    expect(await commits(dir)).toHaveLength(5);
    expect((await a.readAll()).map(r => r.invoice_id).sort()).toEqual(['p', 'q', 'x', 'y']);
  });
});
