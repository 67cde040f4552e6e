// VACUUM: the retention (table property or 7 days), which files go (unreferenced data and DV files
// past the retention, by their tombstone and their age), which never go (the current version's
// files and vectors, unexpired tombstones, anything not named like a data or DV file), dry runs,
// the retention check; and checkpoints that carry the vectors of adds and tombstones.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyActions, emptySnapshot, type AddAction, type Snapshot } from '../../../src/sinks/delta/actions.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/sinks/delta/checkpoint.ts';
import { deletionVectorPath, uuidToZ85, type DeletionVectorDescriptor } from '../../../src/sinks/delta/deletion-vector.ts';
import { DeltaTable, vacuum, type DeltaRow, type DeltaTableSpec } from '../../../src/sinks/delta/index.ts';
import { loadSnapshot } from '../../../src/sinks/delta/log.ts';
import { parseInterval, retentionOf, vacuumCandidates } from '../../../src/sinks/delta/vacuum.ts';
import { FileStore } from '../../../src/sinks/storage/index.ts';

const DAY = 86_400_000;
const spec: DeltaTableSpec = {
  name: 'invoices', keyColumns: ['invoice_id'], versionColumn: 'version',
  columns: [
    { name: 'invoice_id', type: 'string', nullable: false },
    { name: 'amount', type: 'decimal(18,2)', nullable: false },
    { name: 'version', type: 'long', nullable: false },
  ],
};
const row = (i: number, version: number): DeltaRow => ({ invoice_id: `inv_${String(i).padStart(4, '0')}`, amount: `${i}.00`, version });
const range = (from: number, to: number, version: number): DeltaRow[] => Array.from({ length: to - from }, (_, k) => row(from + k, version));
const byId = (rows: DeltaRow[]): DeltaRow[] => [...rows].sort((a, b) => String(a.invoice_id) < String(b.invoice_id) ? -1 : 1);

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(d => rm(d, { recursive: true, force: true })));
});

const dv = (uuid: string, cardinality = 1): DeletionVectorDescriptor => ({ storageType: 'u', pathOrInlineDv: uuidToZ85(uuid), offset: 1, sizeInBytes: 34, cardinality });
const U1 = '11111111-1111-4111-8111-111111111111';
const U2 = '22222222-2222-4222-8222-222222222222';
const U3 = '33333333-3333-4333-8333-333333333333';
const add = (path: string, vector?: DeletionVectorDescriptor): AddAction => ({ path, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, stats: '{"numRecords":10}', tags: null, ...(vector ? { deletionVector: vector } : {}) });

describe('retention', () => {
  it('reads delta.deletedFileRetentionDuration as Delta writes it, 7 days without it', () => {
    expect(parseInterval('interval 7 days')).toBe(7 * DAY);
    expect(parseInterval('interval 1 week')).toBe(7 * DAY);
    expect(parseInterval('INTERVAL 36 hours')).toBe(1.5 * DAY);
    expect(parseInterval('interval 1 day 12 hours')).toBe(1.5 * DAY);
    expect(() => parseInterval('7 fortnights')).toThrow(/not an interval/);
    expect(retentionOf(undefined)).toBe(7 * DAY);
    expect(retentionOf({ id: 'x', format: { provider: 'parquet', options: {} }, schemaString: '{}', partitionColumns: [], configuration: { 'delta.deletedFileRetentionDuration': 'interval 2 days' } })).toBe(2 * DAY);
  });
});

describe('vacuumCandidates', () => {
  it('deletes unreferenced data and DV files older than the cutoff, nothing the version or an unexpired tombstone names, nothing else', () => {
    const snap: Snapshot = emptySnapshot();
    applyActions(snap, 0, [{ add: add('part-live.parquet', dv(U1)) }, { add: add('part-old.parquet') }, { add: add('part-recent.parquet', dv(U2)) }]);
    // part-old goes long ago; part-recent is re-added with a new vector (U3) just now: its old
    // logical file (with U2) is an unexpired tombstone, so U2 stays for readers of that version.
    applyActions(snap, 1, [{ remove: { path: 'part-old.parquet', dataChange: true, deletionTimestamp: 10 } }]);
    applyActions(snap, 2, [{ remove: { path: 'part-recent.parquet', dataChange: true, deletionTimestamp: 1000, deletionVector: dv(U2) } }, { add: add('part-recent.parquet', dv(U3)) }]);
    const key = (u: string): string => deletionVectorPath('', dv(u)) as string;
    const objects = [
      'part-live.parquet', 'part-old.parquet', 'part-recent.parquet', 'part-orphan.parquet', 'part-young-orphan.parquet',
      key(U1), key(U2), key(U3), 'deletion_vector_44444444-4444-4444-8444-444444444444.bin',
      '_delta_log/00000000000000000000.json', 'notes.txt', 'sub/part-x.parquet', '.part-orphan.parquet.1234.tmp', 'part-x.parquet.crc', 'deletion_vector_x.bin',
    ].map(k => ({ key: k, lastModified: k.includes('young') ? 600 : 5 }));
    expect(vacuumCandidates(snap, objects, 500)).toEqual([
      'deletion_vector_44444444-4444-4444-8444-444444444444.bin', 'part-old.parquet', 'part-orphan.parquet',
    ].sort());
    // Once the tombstone of part-recent with U2 expires, U2 goes too (the path itself stays: it is current).
    expect(vacuumCandidates(snap, objects, 2000)).toContain(key(U2));
    expect(vacuumCandidates(snap, objects, 2000)).not.toContain('part-recent.parquet');
    expect(vacuumCandidates(snap, objects, 2000)).not.toContain(key(U3));
  });

  it('refuses a table whose log names a file by an absolute path (another engine\'s): its listed key would never match, and a live file would go', () => {
    for (const path of ['s3://bucket/t/part-a.parquet', 'file:///data/t/part-a.parquet', '/data/t/part-a.parquet']) {
      const snap: Snapshot = emptySnapshot();
      applyActions(snap, 0, [{ add: add(path) }]);
      expect(() => vacuumCandidates(snap, [{ key: 'part-a.parquet', lastModified: 5 }], 500)).toThrow(/absolute path/);
    }
  });
});

describe('vacuum', () => {
  it('after updates and OPTIMIZE: keeps what the version and unexpired tombstones need, deletes the rest once past the retention', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'delta-vacuum-'));
    dirs.push(dir);
    const start = Date.now();
    let clock = start;
    const opts = { targetFileRows: 40, smallFileRows: 0, checkpointInterval: 0, now: () => clock };
    const t = await DeltaTable.open(dir, spec, opts);
    const model = new Map<string, DeltaRow>();
    const apply = (rows: DeltaRow[]): DeltaRow[] => { for (const r of rows) model.set(String(r.invoice_id), r); return rows; };
    await t.upsert(apply(range(0, 120, 1)));
    await t.upsert(apply(range(0, 20, 2)));
    await t.upsert(apply(range(10, 30, 3))); // the first file's vector grows: its old logical file is a tombstone
    await t.upsert(apply(range(40, 50, 4)));
    // Not the table's files, and must survive anything.
    await writeFile(join(dir, 'notes.txt'), 'keep');
    await mkdir(join(dir, 'sub'));
    await writeFile(join(dir, 'sub', 'part-00000-x.parquet'), 'keep');
    clock = start + 5 * DAY;
    const compacted = await t.compact({ deletedFraction: 0.1, minFileRows: 30 });
    expect(compacted.filesRemoved).toBeGreaterThan(0);
    const before = (await readdir(dir)).sort();

    // Every file is younger than 7 days: nothing goes.
    expect((await vacuum(dir)).files).toEqual([]);
    // A shorter retention than the table's is refused unless asked for.
    await expect(vacuum(dir, { retentionMs: 3_600_000 })).rejects.toThrow(/below the table's 168 h/);

    // 8 days on: the files the upserts removed (expired tombstones) go; OPTIMIZE's removes (5 days ago) stay.
    const snap = await loadSnapshot(new FileStore(dir));
    const optimizeRemoved = new Set([...snap.tombstones.values()].filter(r => r.deletionTimestamp === start + 5 * DAY).map(r => r.path));
    const dry = await vacuum(dir, { dryRun: true, now: () => start + 8 * DAY });
    expect(dry.dryRun).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(before); // a dry run deletes nothing
    expect(dry.files.some(f => f.startsWith('deletion_vector_'))).toBe(true); // old vectors of re-added files
    for (const f of dry.files) expect(optimizeRemoved.has(f)).toBe(false);
    const live = new Set([...snap.files.values()].flatMap(a => [a.path, ...(a.deletionVector ? [deletionVectorPath('', a.deletionVector)] : [])]));
    for (const f of dry.files) expect(live.has(f)).toBe(false);
    const done = await vacuum(dir, { now: () => start + 8 * DAY });
    expect(done.files).toEqual(dry.files);
    expect((await readdir(dir)).sort()).toEqual(before.filter(f => !dry.files.includes(f)));
    expect(byId(await (await DeltaTable.open(dir, spec, opts)).readAll())).toEqual(byId([...model.values()]));

    // 13 days on, OPTIMIZE's tombstones have expired too: only the current files (and the foreign ones) are left.
    const last = await vacuum(dir, { now: () => start + 13 * DAY });
    expect(last.files.length).toBeGreaterThanOrEqual(optimizeRemoved.size);
    const left = (await readdir(dir)).filter(f => f !== '_delta_log').sort();
    expect(left).toEqual([...live, 'notes.txt', 'sub'].sort());
    expect(byId(await (await DeltaTable.open(dir, spec, opts)).readAll())).toEqual(byId([...model.values()]));
    // A retention shorter than the table's, with the check off (writers stopped): allowed.
    expect((await vacuum(dir, { retentionMs: 0, enforceRetention: false })).files).toEqual([]);
  });
});

describe('checkpoints carry the vectors', () => {
  it('writes the deletionVector struct of adds and tombstones, and reading the checkpoint restores them, logical files apart', async () => {
    const snap: Snapshot = emptySnapshot();
    applyActions(snap, 0, [
      { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['deletionVectors'] } },
      { metaData: { id: 'id', format: { provider: 'parquet', options: {} }, schemaString: '{"type":"struct","fields":[]}', partitionColumns: [], configuration: { 'delta.enableDeletionVectors': 'true' } } },
      { add: add('part-a.parquet', dv(U1, 3)) }, { add: add('part-b.parquet') },
    ]);
    applyActions(snap, 1, [
      { remove: { path: 'part-a.parquet', dataChange: true, deletionTimestamp: 100, deletionVector: dv(U1, 3) } },
      { add: add('part-a.parquet', { ...dv(U2, 5), offset: 43 }) },
      { add: add('part-c.parquet', { storageType: 'i', pathOrInlineDv: 'wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L', sizeInBytes: 40, cardinality: 6 }) },
    ]);
    const { bytes } = encodeCheckpoint(snap, 0);
    const back = await decodeCheckpoint(bytes, 1);
    expect([...back.files.values()].sort((x, y) => x.path < y.path ? -1 : 1)).toEqual([...snap.files.values()].sort((x, y) => x.path < y.path ? -1 : 1));
    expect(back.files.get('part-a.parquet')?.deletionVector).toEqual({ ...dv(U2, 5), offset: 43 });
    expect(back.files.get('part-b.parquet')?.deletionVector).toBeUndefined();
    // The tombstone of (part-a, U1) survives beside the add of (part-a, U2).
    expect([...back.tombstones.values()]).toEqual([{ path: 'part-a.parquet', deletionTimestamp: 100, dataChange: true, extendedFileMetadata: null, partitionValues: {}, size: null, deletionVector: dv(U1, 3) }]);
    // Expired tombstones are left out.
    expect((await decodeCheckpoint(encodeCheckpoint(snap, 101).bytes, 1)).tombstones.size).toBe(0);
  });
});
