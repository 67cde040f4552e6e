// Deletion vectors: the codec against what Spark writes (test/fixtures/delta-dv, made by
// test/python/spark_dv_fixture.py) and the protocol's examples, and merge-on-read upserts of
// DeltaTable checked against a plain in-memory model (reopened, from checkpoints, upgraded).
// delta-rs and Spark read these tables in test/integration/delta-deletion-vectors.test.ts.
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DeletionVectorFile, deletionVectorPath, deserializeBitmap, inlineDeletionVector, loadDeletionVector, serializeBitmap,
  unionRows, uuidFromZ85, uuidToZ85, z85Decode, z85Encode, type DeletionVectorDescriptor,
} from '../../../src/sinks/delta/deletion-vector.ts';
import { applyActions, emptySnapshot, type AddAction } from '../../../src/sinks/delta/actions.ts';
import { decodeCheckpoint } from '../../../src/sinks/delta/checkpoint.ts';
import { DeltaTable, type DeltaRow, type DeltaTableSpec } from '../../../src/sinks/delta/index.ts';
import { rng } from '../../../bench/lib.ts'; // seeded (mulberry32): a failing sequence can be replayed

const FIXTURE = resolve(import.meta.dirname, '../../fixtures/delta-dv');

const spec: DeltaTableSpec = {
  name: 'invoices', keyColumns: ['invoice_id'], versionColumn: 'version',
  columns: [
    { name: 'invoice_id', type: 'string', nullable: false },
    { name: 'amount', type: 'decimal(18,2)', nullable: false },
    { name: 'version', type: 'long', nullable: false },
  ],
};
const row = (id: string, version: number, amount = `${version}.00`): DeltaRow => ({ invoice_id: id, amount, version });
const byId = (rows: DeltaRow[]): DeltaRow[] => [...rows].sort((a, b) => String(a.invoice_id) < String(b.invoice_id) ? -1 : 1);

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'delta-dv-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(d => rm(d, { recursive: true, force: true })));
});

async function commit(dir: string, version: number): Promise<Record<string, Record<string, unknown>>[]> {
  const text = await readFile(join(dir, '_delta_log', `${String(version).padStart(20, '0')}.json`), 'utf8');
  return text.trim().split('\n').map(l => JSON.parse(l) as Record<string, Record<string, unknown>>);
}


describe('deletion vector codec', () => {
  it('decodes the deletion vector Spark wrote, and serializes the same rows to the same bytes', async () => {
    const { deletionVector: dv, file } = JSON.parse(readFileSync(join(FIXTURE, 'descriptor.json'), 'utf8')) as { deletionVector: DeletionVectorDescriptor; file: string };
    expect(deletionVectorPath(FIXTURE, dv)).toBe(join(FIXTURE, file));
    const rows = await loadDeletionVector(FIXTURE, dv);
    // spark_dv_fixture.py: ids 0..149999 in row order, DELETE WHERE id % 3 = 0 OR id BETWEEN 100000 AND 120000
    const expected: number[] = [];
    for (let i = 0; i < 150_000; i++) if (i % 3 === 0 || (i >= 100_000 && i <= 120_000)) expected.push(i);
    expect(rows).toEqual(expected);
    const bytes = readFileSync(join(FIXTURE, file));
    const ours = serializeBitmap(expected);
    expect(Buffer.from(ours).equals(bytes.subarray(5, 5 + dv.sizeInBytes))).toBe(true);
    // Our DV file frames it as Spark's does: version 1, BE size, data, BE CRC-32.
    const f = new DeletionVectorFile();
    const desc = f.add(expected);
    expect(desc).toMatchObject({ storageType: 'u', offset: 1, sizeInBytes: dv.sizeInBytes, cardinality: dv.cardinality });
    expect(Buffer.from(f.bytes()).equals(bytes)).toBe(true);
  });

  it('Z85 and UUIDs as the protocol spells them; 64-bit rows; inline vectors', () => {
    // PROTOCOL.md "JSON Example 1": prefix "ab", then the 20-character Z85 of the UUID.
    expect(uuidFromZ85('^-aqEH.-t@S}K{vb[*k^')).toBe('d2c639aa-8816-431a-aaf6-d3fe2512ff61');
    expect(uuidToZ85('d2c639aa-8816-431a-aaf6-d3fe2512ff61')).toBe('^-aqEH.-t@S}K{vb[*k^');
    expect(deletionVectorPath('/t', { storageType: 'u', pathOrInlineDv: 'ab^-aqEH.-t@S}K{vb[*k^', offset: 4, sizeInBytes: 40, cardinality: 6 }))
      .toBe('/t/ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin');
    expect(deletionVectorPath('/t', { storageType: 'p', pathOrInlineDv: 'file:///x/dv.bin', sizeInBytes: 1, cardinality: 1 })).toBe('/x/dv.bin');
    // ZeroMQ RFC 32's test vector.
    expect(z85Encode(Uint8Array.of(0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b))).toBe('HelloWorld');
    expect([...z85Decode('HelloWorld')]).toEqual([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b]);
    const wide = [0, 7, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 9, 3 * 2 ** 32];
    expect(deserializeBitmap(serializeBitmap(wide))).toEqual(wide);
    const inline = inlineDeletionVector([3, 4, 7, 11, 18, 29]);
    expect(inline).toMatchObject({ storageType: 'i', cardinality: 6 });
    expect(deserializeBitmap(z85Decode(inline.pathOrInlineDv).subarray(0, inline.sizeInBytes))).toEqual([3, 4, 7, 11, 18, 29]);
    expect(unionRows([1, 4, 9], [2, 4, 10])).toEqual([1, 2, 4, 9, 10]);
  });

  it('refuses a vector whose checksum, size or cardinality does not match', async () => {
    const dir = await tempDir();
    const f = new DeletionVectorFile();
    f.add([1, 2]);
    const dv = f.add([5, 6, 7]);
    const bytes = f.bytes();
    await writeFile(join(dir, f.path), bytes);
    expect(await loadDeletionVector(dir, dv)).toEqual([5, 6, 7]);
    await expect(loadDeletionVector(dir, { ...dv, cardinality: 4 })).rejects.toThrow(/3 rows, the log says 4/);
    await expect(loadDeletionVector(dir, { ...dv, sizeInBytes: dv.sizeInBytes - 1 })).rejects.toThrow(/has \d+ bytes/);
    const bad = Uint8Array.from(bytes);
    bad[(dv.offset ?? 0) + 10] ^= 1;
    await writeFile(join(dir, f.path), bad);
    await expect(loadDeletionVector(dir, dv)).rejects.toThrow(/checksum/);
    expect(zlib.crc32(Uint8Array.of())).toBe(0);
  });
});

describe('merge-on-read upserts', () => {
  it('an update marks the old row in its file\'s deletion vector and writes the new version elsewhere', async () => {
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec, { targetFileRows: 10, smallFileRows: 5 });
    const init: DeltaRow[] = [];
    for (let i = 0; i < 40; i++) init.push(row(`k${String(i).padStart(2, '0')}`, 1));
    await t.upsert(init, { txn: { appId: 'p0', version: 1 } });
    expect(t.fileCount).toBe(4);
    const r = await t.upsert([row('k05', 2), row('k06', 2), row('k25', 2), row('new', 1)], { txn: { appId: 'p0', version: 2 } });
    expect(r).toMatchObject({ version: 2, updated: 3, inserted: 1, filesRemoved: 0, filesAdded: 1, deletionVectors: 2, rowsWritten: 4 });
    const actions = await commit(dir, 2);
    expect(actions.find(a => a.txn)?.txn).toMatchObject({ appId: 'p0', version: 2 });
    const removes = actions.filter(a => a.remove).map(a => a.remove);
    const adds = actions.filter(a => a.add).map(a => a.add);
    expect(removes).toHaveLength(2);
    for (const rm of removes) {
      expect(rm.deletionVector).toBeUndefined(); // the logical file removed had none
      const again = adds.find(a => a.path === rm.path);
      expect(again?.deletionVector).toMatchObject({ storageType: 'u', offset: expect.any(Number), sizeInBytes: expect.any(Number) });
      expect(String(again?.stats)).toMatch(/^\{"tightBounds":false,"numRecords":10,/);
    }
    expect(adds.map(a => (a.deletionVector as { cardinality?: number } | undefined)?.cardinality ?? 0).sort()).toEqual([0, 1, 2]);
    expect((await readdir(dir)).filter(n => n.startsWith('deletion_vector_'))).toHaveLength(1);
    expect(await t.upsert([row('k05', 2)], { txn: { appId: 'p0', version: 2 } })).toMatchObject({ txnSkipped: true });

    // A second update of a marked file: its vector grows; the remove names the old vector.
    const r2 = await t.upsert([row('k07', 2), row('k05', 3)]);
    expect(r2).toMatchObject({ updated: 2, deletionVectors: 1 });
    const a3 = await commit(dir, 3);
    const first = a3.find(a => a.remove && a.remove.deletionVector)?.remove;
    expect(first?.deletionVector).toMatchObject({ cardinality: 2 });
    expect(a3.find(a => a.add && a.add.path === first?.path)?.add.deletionVector).toMatchObject({ cardinality: 3 });

    const model = new Map(init.map(x => [x.invoice_id, x]));
    for (const x of [row('k06', 2), row('k25', 2), row('new', 1), row('k07', 2), row('k05', 3)]) model.set(x.invoice_id, x);
    expect(byId(await t.readAll())).toEqual(byId([...model.values()]));
    const reopened = await DeltaTable.open(dir, spec, { targetFileRows: 10, smallFileRows: 5 });
    expect(byId(await reopened.readAll())).toEqual(byId([...model.values()]));
    // A fresh key index skips deleted rows: the guard sees k05 at version 3, not the dead version 1.
    expect(await reopened.upsert([row('k05', 2), row('k06', 2)])).toMatchObject({ version: null, skipped: 2 });
  });

  it('two writers marking rows of one file at once: the later commit carries both rows in its vector', async () => {
    const dir = await tempDir();
    const opts = { targetFileRows: 10, smallFileRows: 1 };
    const a = await DeltaTable.open(dir, spec, opts);
    const init: DeltaRow[] = [];
    for (let i = 0; i < 20; i++) init.push(row(`k${String(i).padStart(2, '0')}`, 1));
    await a.upsert(init);
    const b = await DeltaTable.open(dir, spec, opts);
    await b.upsert([row('k19', 2)]); // b's index is loaded; a's is too after this:
    await a.upsert([row('k18', 2)]);
    // Both mark a row of the file holding k00..k09, usually from the same snapshot: one commit wins,
    // the other conflicts, catches up (its index and vectors dropped), re-reads the winner's
    // vector and adds its row to it. Either order must leave both rows deleted.
    const [ra, rb] = await Promise.all([a.upsert([row('k01', 2)]), b.upsert([row('k02', 2)])]);
    expect([ra.version, rb.version].sort()).toEqual([4, 5]);
    const last = await commit(dir, 5);
    const marked = last.find(x => x.add && x.add.deletionVector && (x.add.deletionVector as { cardinality: number }).cardinality === 2);
    expect(marked).toBeDefined();
    const fresh = await DeltaTable.open(dir, spec, opts);
    const model = new Map(init.map(x => [x.invoice_id, x]));
    for (const x of [row('k19', 2), row('k18', 2), row('k01', 2), row('k02', 2)]) model.set(x.invoice_id, x);
    expect(byId(await fresh.readAll())).toEqual(byId([...model.values()]));
    // The loser's first DV file was deleted with its data files: one DV file per commit that marked rows.
    expect((await readdir(dir)).filter(n => n.startsWith('deletion_vector_'))).toHaveLength(4);
  });

  it('removes a file once every row of it is deleted', async () => {
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec, { targetFileRows: 4, smallFileRows: 2 });
    await t.upsert([row('a', 1), row('b', 1), row('c', 1), row('d', 1)]);
    const [only] = (await commit(dir, 1)).filter(a => a.add).map(a => a.add.path);
    await t.upsert([row('a', 2), row('b', 2)]);
    const r = await t.upsert([row('c', 2), row('d', 2)]);
    expect(r).toMatchObject({ filesRemoved: 1, deletionVectors: 0, updated: 2 });
    const a3 = await commit(dir, 3);
    expect(a3.filter(a => a.add).map(a => a.add.path)).not.toContain(only);
    expect(a3.find(a => a.remove)?.remove).toMatchObject({ path: only, deletionVector: { cardinality: 2 } });
    expect(byId(await t.readAll())).toEqual([row('a', 2), row('b', 2), row('c', 2), row('d', 2)]);
  });

  it('packs new keys into a file small by its live rows, however many rows its vector deletes', async () => {
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec, { targetFileRows: 10, smallFileRows: 5 });
    const init = Array.from({ length: 8 }, (_, i) => row(`k${i}`, 1));
    await t.upsert(init);
    const [marked] = (await commit(dir, 1)).filter(a => a.add).map(a => a.add.path);
    // 6 of its 8 rows deleted: 2 live rows, below smallFileRows though 8 physical rows are not.
    await t.upsert(init.slice(0, 6).map(r => row(String(r.invoice_id), 2)));
    const r = await t.upsert([row('new', 1)]);
    // Rewritten with its 2 live rows and the new one (its vector gone with it), no 1-row file.
    expect(r).toMatchObject({ inserted: 1, filesRemoved: 1, filesAdded: 1, rowsWritten: 3 });
    expect((await commit(dir, 3)).find(a => a.remove)?.remove).toMatchObject({ path: marked, deletionVector: { cardinality: 6 } });
    expect(t.fileCount).toBe(2);
    expect(byId(await t.readAll())).toEqual(byId([...init.slice(0, 6).map(x => row(String(x.invoice_id), 2)), ...init.slice(6), row('new', 1)]));
  });

  it('a table without a version column updates only changed rows (the stored row is read)', async () => {
    const dir = await tempDir();
    const balances: DeltaTableSpec = {
      name: 'balances', keyColumns: ['client_id'],
      columns: [{ name: 'client_id', type: 'string', nullable: false }, { name: 'balance', type: 'decimal(18,2)', nullable: false }],
    };
    const t = await DeltaTable.open(dir, balances, { targetFileRows: 4, smallFileRows: 2 });
    await t.upsert([1, 2, 3, 4].map(i => ({ client_id: `c${i}`, balance: `${i}.00` })));
    const r = await t.upsert([{ client_id: 'c1', balance: '1.00' }, { client_id: 'c2', balance: '20.00' }]);
    expect(r).toMatchObject({ updated: 1, skipped: 1, deletionVectors: 1 });
    expect(await t.upsert([{ client_id: 'c1', balance: '1.00' }])).toMatchObject({ version: null, skipped: 1 });
    expect([...await t.readAll()].sort((a, b) => String(a.client_id) < String(b.client_id) ? -1 : 1))
      .toEqual([{ client_id: 'c1', balance: '1.00' }, { client_id: 'c2', balance: '20.00' }, { client_id: 'c3', balance: '3.00' }, { client_id: 'c4', balance: '4.00' }]);
  });

  it('random upserts equal a plain model, through reopens, checkpoints (with the vectors) and small-file packing', async () => {
    const dir = await tempDir();
    const opts = { targetFileRows: 50, smallFileRows: 20, checkpointInterval: 5 };
    let t = await DeltaTable.open(dir, spec, opts);
    const rand = rng(16);
    const model = new Map<string, DeltaRow>();
    let next = 0;
    for (let b = 0; b < 40; b++) {
      const rows: DeltaRow[] = [];
      const n = 1 + Math.floor(rand() * 60);
      for (let k = 0; k < n; k++) {
        if (next > 0 && rand() < 0.6) {
          const id = `k${String(Math.floor(rand() * next)).padStart(4, '0')}`;
          const have = Number(model.get(id)?.version ?? 1);
          rows.push(row(id, have + Math.floor(rand() * 3) - 1, `${Math.floor(rand() * 1e6)}.${String(b).padStart(2, '0')}`)); // older, same or newer
        } else rows.push(row(`k${String(next++).padStart(4, '0')}`, 1));
      }
      // The model: per key the highest version wins (ties: the later row), never below the stored one.
      const winners = new Map<string, DeltaRow>();
      for (const x of rows) {
        const w = winners.get(String(x.invoice_id));
        if (!w || Number(x.version) >= Number(w.version)) winners.set(String(x.invoice_id), x);
      }
      for (const [id, x] of winners) {
        const stored = model.get(id);
        if (!stored || Number(x.version) > Number(stored.version)) model.set(id, x);
      }
      await t.upsert(rows, { txn: { appId: 'rand', version: b } });
      if (b % 7 === 6) t = await DeltaTable.open(dir, spec, opts); // a restarted sink: empty key index
      if (b === 20) {
        // Opening from the checkpoint alone must restore the vectors of its adds.
        const log = join(dir, '_delta_log');
        const names = await readdir(log);
        const cp = names.filter(x => x.endsWith('.checkpoint.parquet')).sort().at(-1);
        expect(cp).toBeDefined();
        const cpVersion = Number(cp?.slice(0, 20));
        // The checkpoint's adds carry their vectors (descriptor struct), its protocol the features.
        const fromCp = await decodeCheckpoint(new Uint8Array(await readFile(join(log, String(cp)))), cpVersion);
        const withDv = [...fromCp.files.values()].filter(f => f.deletionVector);
        expect(withDv.length).toBeGreaterThan(0);
        for (const f of withDv) expect((await loadDeletionVector(dir, f.deletionVector as DeletionVectorDescriptor)).length).toBe(f.deletionVector?.cardinality);
        expect(fromCp.protocol?.readerFeatures).toEqual(['deletionVectors']);
        for (const x of names) if (/^\d{20}\.json$/.test(x) && Number(x.slice(0, 20)) <= cpVersion) await unlink(join(log, x));
        t = await DeltaTable.open(dir, spec, opts);
      }
    }
    expect(byId(await t.readAll())).toEqual(byId([...model.values()]));
    expect((await readdir(dir)).some(n => n.startsWith('deletion_vector_'))).toBe(true);
  });
});

describe('log replay with deletion vectors', () => {
  it('a commit that adds a path with a new vector before removing it with the old one keeps the file (Spark\'s order)', () => {
    const snap = emptySnapshot();
    const dv = (n: number): DeletionVectorDescriptor => ({ storageType: 'u', pathOrInlineDv: `${'a'.repeat(19)}${n}`, offset: 1, sizeInBytes: 34, cardinality: n });
    const add = (n: number): AddAction => ({ path: 'f.parquet', partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, deletionVector: dv(n) });
    applyActions(snap, 0, [{ add: add(1) }]);
    applyActions(snap, 1, [{ add: add(2) }, { remove: { path: 'f.parquet', dataChange: true, deletionVector: dv(1) } }]);
    expect(snap.files.get('f.parquet')?.deletionVector?.cardinality).toBe(2);
    // The old logical file (path, vector 1) is a tombstone: VACUUM keeps vector 1 for older readers.
    expect([...snap.tombstones.values()].map(r => r.deletionVector?.cardinality)).toEqual([1]);
    // Re-adding that very logical file ends its tombstone (and leaves the one of vector 2).
    applyActions(snap, 2, [{ remove: { path: 'f.parquet', dataChange: true, deletionVector: dv(2) } }, { add: add(1) }]);
    expect([...snap.tombstones.values()].map(r => r.deletionVector?.cardinality)).toEqual([2]);
  });
});

describe('upgrade of a copy-on-write table', () => {
  it('keeps copy-on-write until deletion vectors are enabled, then marks rows', async () => {
    const dir = await tempDir();
    const t = await DeltaTable.open(dir, spec, { targetFileRows: 10, smallFileRows: 5, deletionVectors: false });
    const init: DeltaRow[] = [];
    for (let i = 0; i < 20; i++) init.push(row(`k${String(i).padStart(2, '0')}`, 1));
    await t.upsert(init);
    expect(await t.upsert([row('k01', 2)])).toMatchObject({ filesRemoved: 1, deletionVectors: 0, rowsWritten: 10 });
    // Reopening without the option does not upgrade an existing table.
    const again = await DeltaTable.open(dir, spec, { targetFileRows: 10, smallFileRows: 5 });
    expect(again.deletionVectors).toBe(false);
    const version = await again.enableDeletionVectors();
    expect(version).toBe(3);
    const actions = await commit(dir, 3);
    expect(actions.find(a => a.protocol)?.protocol).toEqual({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['appendOnly', 'invariants', 'deletionVectors'] });
    expect(actions.find(a => a.metaData)?.metaData.configuration).toEqual({ 'delta.enableDeletionVectors': 'true' });
    expect(again.deletionVectors).toBe(true);
    expect(await again.enableDeletionVectors()).toBeNull();
    expect(await again.upsert([row('k12', 2)])).toMatchObject({ filesRemoved: 0, deletionVectors: 1, rowsWritten: 1 });
    // The writer that opened before the upgrade catches up with it.
    expect(await t.upsert([row('k13', 2)])).toMatchObject({ deletionVectors: 1, rowsWritten: 2 }); // packed with k12's small file
    const model = new Map(init.map(x => [x.invoice_id, x]));
    for (const x of [row('k01', 2), row('k12', 2), row('k13', 2)]) model.set(x.invoice_id, x);
    expect(byId(await t.readAll())).toEqual(byId([...model.values()]));
  });

  it('refuses table features it does not know', async () => {
    const dir = await tempDir();
    await DeltaTable.open(dir, spec);
    const log = join(dir, '_delta_log', '00000000000000000001.json');
    await writeFile(log, `${JSON.stringify({ protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors', 'columnMapping'], writerFeatures: ['deletionVectors', 'columnMapping'] } })}\n`);
    await expect(DeltaTable.open(dir, spec)).rejects.toThrow(/reader features columnMapping/);
  });
});
