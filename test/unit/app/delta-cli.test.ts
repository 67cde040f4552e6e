// `invoice-stream delta enable-deletion-vectors DIR...` (issue 16): a copy-on-write table made by
// the earlier writer is upgraded in one commit and keeps its rows; the next update is merge-on-read;
// running it again changes nothing; a directory without a table and bad arguments fail.
// `delta optimize` and `delta vacuum`: one line per table, the rows unchanged, dry runs, the
// retention check, bad options (exit 2).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/app/cli.ts';
import { DeltaTable, type DeltaTableSpec } from '../../../src/sinks/delta/index.ts';

const spec: DeltaTableSpec = {
  name: 'invoices', keyColumns: ['invoice_id'], versionColumn: 'version',
  columns: [{ name: 'invoice_id', type: 'string', nullable: false }, { name: 'version', type: 'long', nullable: false }],
};
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map(d => rm(d, { recursive: true, force: true })));
});

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.restoreAllMocks();
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
});

describe('invoice-stream delta enable-deletion-vectors', () => {
  it('upgrades copy-on-write tables once; their rows stay, updates become merge-on-read', async () => {
    const root = await mkdtemp(join(tmpdir(), 'delta-cli-'));
    dirs.push(root);
    const a = join(root, 'a');
    const b = join(root, 'b');
    for (const dir of [a, b]) {
      const t = await DeltaTable.open(dir, spec, { deletionVectors: false });
      await t.upsert([{ invoice_id: 'i1', version: 1 }, { invoice_id: 'i2', version: 1 }]);
    }
    expect(await main(['delta', 'enable-deletion-vectors', a, b])).toBe(0);
    expect(out).toBe(`${a}: deletion vectors enabled at version 2\n${b}: deletion vectors enabled at version 2\n`);
    const commit = (await readFile(join(a, '_delta_log', '00000000000000000002.json'), 'utf8')).trim().split('\n').map(l => JSON.parse(l) as Record<string, Record<string, unknown>>);
    expect(commit.find(x => x.protocol)?.protocol).toEqual({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['appendOnly', 'invariants', 'deletionVectors'] });
    expect(commit.find(x => x.commitInfo)?.commitInfo.operation).toBe('SET TBLPROPERTIES');
    const t = await DeltaTable.open(a, spec, { smallFileRows: 1 }); // no small-file packing: the update marks a row
    expect(t.deletionVectors).toBe(true);
    expect(await t.upsert([{ invoice_id: 'i1', version: 2 }])).toMatchObject({ updated: 1, deletionVectors: 1, filesRemoved: 0 });
    expect((await t.readAll()).sort((x, y) => String(x.invoice_id) < String(y.invoice_id) ? -1 : 1)).toEqual([{ invoice_id: 'i1', version: 2 }, { invoice_id: 'i2', version: 1 }]);

    out = '';
    expect(await main(['delta', 'enable-deletion-vectors', a])).toBe(0);
    expect(out).toBe(`${a}: deletion vectors already enabled\n`);
  });

  it('fails on a directory without a table (1) and on bad arguments (2)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'delta-cli-'));
    dirs.push(root);
    expect(await main(['delta', 'enable-deletion-vectors', join(root, 'none')])).toBe(1);
    expect(err).toContain('not a Delta table');
    expect(await main(['delta', 'enable-deletion-vectors'])).toBe(2);
    expect(await main(['delta', 'zorder', root])).toBe(2);
    expect(err).toContain('unknown subcommand zorder (try: delta enable-deletion-vectors | optimize | vacuum DIR...)');
  });
});

describe('invoice-stream delta optimize / vacuum', () => {
  const rows = (n: number, version: number): { invoice_id: string; version: number }[] => Array.from({ length: n }, (_, i) => ({ invoice_id: `i${String(i).padStart(3, '0')}`, version }));

  it('optimize rewrites files with deleted rows, vacuum then deletes what no version needs; the rows stay', async () => {
    const root = await mkdtemp(join(tmpdir(), 'delta-cli-'));
    dirs.push(root);
    const a = join(root, 'a');
    const t = await DeltaTable.open(a, spec, { targetFileRows: 50, smallFileRows: 0 });
    await t.upsert(rows(100, 1));
    await t.upsert(rows(30, 2)); // 30 of the first file's 50 rows deleted
    expect(await main(['delta', 'optimize', a, '--deleted-fraction=0.5', '--min-file-rows=10'])).toBe(0);
    // The first file (20 of 50 rows left) is rewritten; the others have no deleted rows and are not small.
    expect(out).toBe(`${a}: optimized at version 3: 1 files (1 with deletion vectors) rewritten into 1, 20 rows\n`);
    out = '';
    expect(await main(['delta', 'optimize', a, '--deleted-fraction=0.5', '--min-file-rows=10'])).toBe(0);
    expect(out).toBe(`${a}: nothing to optimize\n`);
    const reread = await DeltaTable.open(a, spec);
    expect((await reread.readAll()).sort((x, y) => String(x.invoice_id) < String(y.invoice_id) ? -1 : 1)).toEqual([...rows(30, 2), ...rows(100, 1).slice(30)]);

    out = '';
    expect(await main(['delta', 'vacuum', a, '--dry-run'])).toBe(0);
    expect(out).toBe(`${a}: would delete 0 files unreferenced since version 3 and older than 168 h\n`);
    err = '';
    expect(await main(['delta', 'vacuum', a, '--retention-hours=0'])).toBe(1);
    expect(err).toContain('below the table\'s 168 h');
    out = '';
    expect(await main(['delta', 'vacuum', a, '--retention-hours=0', '--no-retention-check', '--dry-run'])).toBe(0);
    expect(out).toMatch(/would delete part-.*\.parquet\n/);
    expect(out).toMatch(/would delete deletion_vector_.*\.bin\n/);
    expect(out).toMatch(/would delete 2 files unreferenced since version 3 and older than 0 h\n$/); // the rewritten file, its DV file
    out = '';
    expect(await main(['delta', 'vacuum', a, '--retention-hours=0', '--no-retention-check'])).toBe(0);
    expect(out).toBe(`${a}: deleted 2 files unreferenced since version 3 and older than 0 h\n`);
    expect((await (await DeltaTable.open(a, spec)).readAll())).toHaveLength(100);
  });

  it('refuses bad options and missing directories (exit 2)', async () => {
    expect(await main(['delta', 'optimize', '/tmp/x', '--deleted-fraction=2'])).toBe(2);
    expect(err).toContain('--deleted-fraction: a number from');
    expect(await main(['delta', 'vacuum', '/tmp/x', '--retention-hours=soon'])).toBe(2);
    expect(await main(['delta', 'vacuum', '/tmp/x', '--retain=1'])).toBe(2);
    expect(err).toContain("delta vacuum: Unknown option '--retain'");
    expect(await main(['delta', 'optimize'])).toBe(2);
    expect(err).toContain('delta optimize: one or more table directories');
  });
});
