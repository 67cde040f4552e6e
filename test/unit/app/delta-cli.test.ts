// `invoice-stream delta enable-deletion-vectors DIR...` (issue 16): a copy-on-write table made by
// the earlier writer is upgraded in one commit and keeps its rows; the next update is merge-on-read;
// running it again changes nothing; a directory without a table and bad arguments fail.
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
    expect(await main(['delta', 'vacuum', root])).toBe(2);
    expect(err).toContain('unknown subcommand vacuum');
  });
});
