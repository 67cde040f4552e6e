// DeltaTable.append (blind append through the typed batch and the flat Parquet encoder): the rows
// read back equal the upsert path's, the stats equal stats.ts's, txn versions guard replays, and
// an upsert after an append still finds the appended keys.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeltaTable, type DeltaRow, type DeltaTableSpec } from '../../../src/sinks/delta/index.ts';
import { normalizeRow } from '../../../src/sinks/delta/batch.ts';
import { decodeColumns } from '../../../src/sinks/delta/parquet.ts';
import { batchToRows } from '../../../src/sinks/delta/columnar.ts';
import { compileSpec } from '../../../src/sinks/delta/schema.ts';
import { modelStats } from './stats-model.ts';
import { rowsToTyped } from '../../../src/sinks/delta/typed.ts';
import { encodeTyped } from '../../../src/sinks/delta/flat-parquet.ts';
import { rng } from '../../../bench/lib.ts';

const spec: DeltaTableSpec = {
  name: 'everything', keyColumns: ['id'], versionColumn: 'version',
  columns: [
    { name: 'id', type: 'string', nullable: false },
    { name: 'label', type: 'string', nullable: true },
    { name: 'kind', type: 'string', nullable: false },
    { name: 'money', type: 'decimal(38,4)', nullable: false },
    { name: 'maybe_money', type: 'decimal(38,4)', nullable: true },
    { name: 'small_money', type: 'decimal(18,2)', nullable: true },
    { name: 'day', type: 'date', nullable: false },
    { name: 'at', type: 'timestamp', nullable: true },
    { name: 'n', type: 'integer', nullable: true },
    { name: 'flag', type: 'boolean', nullable: true },
    { name: 'version', type: 'long', nullable: false },
  ],
};

const MONEY = ['0', '-0.00', '1', '3978.28', '-12.5', '0.0001', '12345678901.2345', '-99999999999.9999',
  '1234567890123456789012345678901234.5678', '-9999999999999999999999999999999999.9999', '42.10000', 1.25, 7];
const TS = ['2024-03-01T10:00:00.000Z', '2024-03-01T10:00:00.123456Z', '2024-03-01T10:00:00.123000Z', '1969-12-31T23:59:59.999999Z',
  '9999-12-31T23:59:59.999999Z', '1900-01-01T00:00:00Z', '2024-02-29T12:00:00+02:00'];
const LABELS = ['a', 'é', 'z', '😀', '\uffff', 'mixed 😀 text', ''];

function rows(count: number, seed: number, versionBase = 1): DeltaRow[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const out: DeltaRow[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      id: `id_${String(Math.floor(r() * 1e9)).padStart(9, '0')}_${i}`,
      label: r() < 0.3 ? null : pick(LABELS),
      kind: pick(['created', 'paid', 'overdue']),
      money: pick(MONEY),
      maybe_money: r() < 0.5 ? null : pick(MONEY),
      small_money: r() < 0.5 ? null : pick(['0.00', '-1.50', '9999999999999999.99', '-9999999999999999.99', '3.1']),
      day: pick(['1970-01-01', '2024-02-29', '1900-03-01', '9999-12-31']),
      at: r() < 0.2 ? null : pick(TS),
      n: r() < 0.2 ? null : pick([0, -1, 2147483647, -2147483648, 31]),
      flag: r() < 0.2 ? null : r() < 0.5,
      version: versionBase + Math.floor(r() * 1000),
    });
  }
  return out;
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'delta-append-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(d => rm(d, { recursive: true, force: true })));
});
const byId = (a: DeltaRow, b: DeltaRow): number => String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0;

describe('DeltaTable.append', () => {
  const compiled = compileSpec(spec);

  it("reads back exactly the normalized rows, with the model's stats", async () => {
    for (const codec of ['ZSTD', 'SNAPPY', 'UNCOMPRESSED'] as const) {
      const dir = await tempDir();
      const t = await DeltaTable.open(dir, spec, { targetFileRows: 700 });
      const input = rows(2000, 7);
      const res = await t.append(input, { codec });
      expect(res).toMatchObject({ version: 1, inserted: 2000, filesAdded: 3, rowsWritten: 2000 });
      const want = input.map(r => normalizeRow(r, compiled)).sort(byId);
      expect((await t.readAll()).sort(byId)).toEqual(want);
      // per file: the add's stats equal the model's over that file's rows
      const log = (await readFile(join(dir, '_delta_log', '00000000000000000001.json'), 'utf8')).trim().split('\n').map(l => JSON.parse(l));
      for (const a of log.filter(x => x.add)) {
        const cols = await decodeColumns(await readFile(join(dir, a.add.path)), compiled);
        const fileRows: DeltaRow[] = [];
        for (let i = 0; i < cols.length; i++) {
          const row: DeltaRow = {};
          for (const c of compiled.codecs) row[c.column.name] = c.fromPhysical(cols.columns.get(c.column.name)?.[i] ?? null);
          fileRows.push(row);
        }
        expect(JSON.parse(a.add.stats)).toEqual(JSON.parse(modelStats(fileRows, compiled.codecs)));
        expect(a.add.stats).toBe(modelStats(fileRows, compiled.codecs));
      }
    }
  });

  it('upserts write their files with the same encoder: same bytes as an append of the rows, stats of the model', async () => {
    const input = rows(1500, 13);
    const dir = await tempDir();
    // a copy-on-write table: its updates rewrite files (with deletion vectors they would only mark rows)
    const t = await DeltaTable.open(dir, spec, { targetFileRows: 600, smallFileRows: 0, deletionVectors: false });
    await t.upsert(input);
    // updates of a third of the keys rewrite the files holding them (copy-on-write: the merge path)
    const updates = input.filter((_, i) => i % 3 === 0).map(r => ({ ...r, version: Number(r.version) + 5000, label: 'upd 😀', maybe_money: null }));
    const res = await t.upsert(updates);
    expect(res).toMatchObject({ updated: updates.length, inserted: 0 });
    expect(res.filesRemoved).toBeGreaterThan(0);
    const log = (await readFile(join(dir, '_delta_log', '00000000000000000002.json'), 'utf8')).trim().split('\n').map(l => JSON.parse(l));
    const adds = log.filter(x => x.add).map(x => x.add);
    expect(adds.length).toBeGreaterThan(0);
    for (const a of adds) {
      const bytes = await readFile(join(dir, a.path));
      const fileRows = batchToRows(await decodeColumns(bytes, compiled), compiled);
      expect(a.stats).toBe(modelStats(fileRows, compiled.codecs));
      // the rows as an append would encode them (typed from rows, not from the merge's column batch)
      expect(Buffer.from(encodeTyped(rowsToTyped(fileRows, compiled), compiled, { codec: 'SNAPPY' }).bytes).equals(bytes)).toBe(true);
    }
  });

  it('rejects bad cells before writing anything', async () => {
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec);
    const good = rows(3, 1);
    for (const bad of [{ at: '' }, { money: '1.23456' }, { money: 'x' }, { day: '2023-02-29' }, { at: 'yesterday' }, { kind: null }, { n: 2 ** 31 }, { version: 1.5 }, { flag: 'yes' }, { extra: 1 }]) {
      await expect(t.append([...good, { ...good[0], ...bad } as unknown as DeltaRow])).rejects.toThrow();
    }
    expect((await readdir(dir)).filter(n => n.endsWith('.parquet'))).toEqual([]);
    expect(t.version).toBe(0);
  });

  it('skips a replayed txn version, and an upsert after an append updates the appended keys', async () => {
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec);
    const input = rows(50, 3);
    expect(await t.append(input, { txn: { appId: 'replay', version: 1 } })).toMatchObject({ version: 1 });
    expect(await t.append(input, { txn: { appId: 'replay', version: 1 } })).toMatchObject({ version: null, txnSkipped: true });
    expect((await readdir(dir)).filter(n => n.endsWith('.parquet'))).toHaveLength(1);
    const first = input[0] as DeltaRow;
    const updated = { ...first, version: 5000, kind: 'paid' };
    expect(await t.upsert([updated])).toMatchObject({ updated: 1, inserted: 0 });
    const all = await t.readAll();
    expect(all).toHaveLength(50);
    expect(all.find(r => r.id === first.id)).toEqual(normalizeRow(updated, compiled));
    // reopened: the log alone holds the state
    const again = await DeltaTable.open(dir, spec);
    expect(again.txnVersion('replay')).toBe(1);
    expect((await again.readAll()).sort(byId)).toEqual(all.sort(byId));
  });

  it('a builder batch equals the rows path', async () => {
    const input = rows(300, 11);
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec);
    const b = t.batchBuilder(4);
    for (const r of input) b.push(r);
    expect(b.length).toBe(300);
    await t.append(b.finish());
    expect(b.length).toBe(0);
    expect((await t.readAll()).sort(byId)).toEqual(input.map(r => normalizeRow(r, compiled)).sort(byId));
    expect(encodeTyped(rowsToTyped(input, compiled), compiled).stats).toBe(modelStats(input.map(r => normalizeRow(r, compiled)), compiled.codecs));
  });
});
