// OPTIMIZE: which files the plan chooses and how it packs them; the commit (dataChange false, the
// old logical files removed with their vectors, nothing else changed); the key index after the
// rows moved (later updates of moved keys must mark the right positions); the time bound; another
// writer's commit in between (retried when it touched other files, given up with no file left
// behind when it changed a file being rewritten); the writer's own runs between batches.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AddAction } from '../../../src/sinks/delta/actions.ts';
import { DeltaTable, optimize, type DeltaRow, type DeltaTableOptions, type DeltaTableSpec } from '../../../src/sinks/delta/index.ts';
import { planOptimize } from '../../../src/sinks/delta/optimize.ts';
import { FileStore, type ObjectStore } from '../../../src/sinks/storage/index.ts';

const spec: DeltaTableSpec = {
  name: 'invoices', keyColumns: ['invoice_id'], versionColumn: 'version',
  columns: [
    { name: 'invoice_id', type: 'string', nullable: false },
    { name: 'amount', type: 'decimal(18,2)', nullable: false },
    { name: 'version', type: 'long', nullable: false },
  ],
};
const id = (i: number): string => `inv_${String(i).padStart(4, '0')}`;
const row = (i: number, version: number): DeltaRow => ({ invoice_id: id(i), amount: `${i}.${String(version % 100).padStart(2, '0')}`, version });
const range = (from: number, to: number, version: number): DeltaRow[] => Array.from({ length: to - from }, (_, k) => row(from + k, version));
const byId = (rows: DeltaRow[]): DeltaRow[] => [...rows].sort((a, b) => String(a.invoice_id) < String(b.invoice_id) ? -1 : 1);

/** The plain model: per key the row of the highest version. */
class Model {
  readonly rows = new Map<string, DeltaRow>();
  apply(batch: DeltaRow[]): DeltaRow[] {
    for (const r of batch) {
      const old = this.rows.get(String(r.invoice_id));
      if (!old || Number(r.version) > Number(old.version)) this.rows.set(String(r.invoice_id), r);
    }
    return batch;
  }
  get sorted(): DeltaRow[] {
    return byId([...this.rows.values()]);
  }
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'delta-opt-'));
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
const dataFiles = async (dir: string): Promise<string[]> => (await readdir(dir)).filter(n => n.endsWith('.parquet')).sort();

const file = (path: string, rows: number | undefined, deleted = 0): AddAction => ({
  path, partitionValues: {}, size: 1, modificationTime: 0, dataChange: true,
  stats: rows === undefined ? null : JSON.stringify({ numRecords: rows }),
  ...(deleted > 0 ? { deletionVector: { storageType: 'u' as const, pathOrInlineDv: `${'x'.repeat(20)}`, offset: 1, sizeInBytes: 10, cardinality: deleted } } : {}),
});
const paths = (bins: ReturnType<typeof planOptimize>): string[][] => bins.map(b => b.files.map(f => f.add.path));

describe('planOptimize', () => {
  const opts = { deletedFraction: 0.2, minFileRows: 100, targetFileRows: 1000 };

  it('chooses files past the deleted fraction and small files, never large clean ones or files without a row count', () => {
    const bins = planOptimize([
      file('big-clean', 1000), file('big-few-deleted', 1000, 199), file('big-deleted', 1000, 200), file('half', 800, 400),
      file('small-a', 50), file('small-b', 99), file('no-stats', undefined), file('hundred', 100),
    ], opts);
    // Most deleted first (half: 0.5, big-deleted: 0.2), small files packed first-fit into the room left.
    expect(paths(bins)).toEqual([['half', 'small-a', 'small-b'], ['big-deleted']]);
    expect(bins.map(b => b.rows)).toEqual([400 + 50 + 99, 800]);
  });

  it('leaves out a bin that would rewrite one clean file (nothing would change), and packs up to targetFileRows', () => {
    expect(planOptimize([file('small', 10), file('big', 5000)], opts)).toEqual([]);
    const many = Array.from({ length: 25 }, (_, i) => file(`s${String(i).padStart(2, '0')}`, 90));
    const bins = planOptimize(many, opts);
    expect(bins.map(b => b.files.length)).toEqual([11, 11, 3]);
    expect(bins.every(b => b.rows <= opts.targetFileRows)).toBe(true);
    // A file whose every row is deleted is a bin of its own: removed, nothing written.
    expect(paths(planOptimize([file('gone', 40, 40), file('big', 5000)], opts))).toEqual([['gone']]);
  });

  it('follows the threshold: 1 rewrites only fully deleted files, a tiny one any file with a deleted row', () => {
    const files = [file('a', 1000, 1), file('b', 1000, 999), file('c', 1000, 1000)];
    const noSmall = { ...opts, minFileRows: 0 };
    expect(paths(planOptimize(files, { ...noSmall, deletedFraction: 1 }))).toEqual([['c']]);
    expect(paths(planOptimize(files, { ...noSmall, deletedFraction: 0.001 }))).toEqual([['c', 'b', 'a']]); // 0 + 1 + 999 rows left
    // The same almost empty file counts as small once minFileRows is above what it holds.
    expect(paths(planOptimize(files, { ...opts, deletedFraction: 1 }))).toEqual([['c', 'b']]);
  });
});

/** Merge-on-read upserts that leave vectors on several files, mirrored in `model`. */
async function updatedTable(dir: string | ObjectStore, opts: DeltaTableOptions, model: Model): Promise<DeltaTable> {
  const t = await DeltaTable.open(dir, spec, opts);
  await t.upsert(model.apply(range(0, 200, 1)));
  await t.upsert(model.apply([...range(0, 30, 2), ...range(50, 90, 2), ...range(200, 210, 1)]));
  await t.upsert(model.apply([...range(100, 140, 3), ...range(5, 8, 1)])); // stale rows skipped
  await t.upsert(model.apply(range(210, 215, 1)));
  return t;
}

const OPTS: DeltaTableOptions = { targetFileRows: 50, smallFileRows: 10, checkpointInterval: 0 };

describe('DeltaTable.compact', () => {
  it('rewrites the chosen files into fewer, commits them dataChange false, and the table reads the same', async () => {
    const dir = await tempDir();
    const model = new Model();
    const t = await updatedTable(dir, OPTS, model);
    const before = t.fileCount;
    const beforeVersion = t.version;
    const r = await t.compact({ deletedFraction: 0.1, minFileRows: 20 });
    expect(r.version).toBe(beforeVersion + 1);
    expect(r.filesRemoved).toBeGreaterThan(r.filesAdded);
    expect(r.deletionVectorsRemoved).toBeGreaterThan(0);
    expect(t.fileCount).toBe(before - r.filesRemoved + r.filesAdded);
    expect(byId(await t.readAll())).toEqual(model.sorted);

    const actions = await commit(dir, r.version!);
    expect(actions[0].commitInfo).toMatchObject({ operation: 'OPTIMIZE', readVersion: beforeVersion, isBlindAppend: false });
    const removes = actions.filter(a => a.remove).map(a => a.remove);
    const adds = actions.filter(a => a.add).map(a => a.add);
    expect(removes.length).toBe(r.filesRemoved);
    expect(adds.length).toBe(r.filesAdded);
    for (const a of [...removes, ...adds]) expect(a.dataChange).toBe(false);
    expect(removes.filter(x => x.deletionVector).length).toBe(r.deletionVectorsRemoved); // logical files: path and vector
    for (const a of adds) {
      expect(a.deletionVector).toBeUndefined();
      expect(JSON.parse(String(a.stats)).numRecords).toBeLessThanOrEqual(50);
    }
    expect(actions.some(a => a.txn)).toBe(false);
    // Nothing left to do at these thresholds.
    expect((await t.compact({ deletedFraction: 0.1, minFileRows: 20 })).version).toBeNull();
  });

  it('keeps the key index right: updates of moved keys mark their new positions, in this writer and a reopened one', async () => {
    const dir = await tempDir();
    const model = new Model();
    const t = await updatedTable(dir, OPTS, model);
    expect((await t.compact({ deletedFraction: 0.01, minFileRows: 50 })).version).not.toBeNull();
    // Keys from every part of the key space: their rows sit at new positions in new files now.
    const update = [...range(0, 60, 7), ...range(100, 115, 7), ...range(150, 215, 7), ...range(40, 45, 0)];
    const r = await t.upsert(model.apply(update));
    expect(r.updated).toBe(60 + 15 + 65);
    expect(r.skipped).toBe(5);
    expect(r.deletionVectors).toBeGreaterThan(0); // merge-on-read marks in the compacted files
    expect(byId(await t.readAll())).toEqual(model.sorted);
    const reopened = await DeltaTable.open(dir, spec, OPTS);
    await reopened.upsert(model.apply(range(0, 215, 8)));
    expect(byId(await reopened.readAll())).toEqual(model.sorted);
    expect(byId(await (await DeltaTable.open(dir, spec, OPTS)).readAll())).toEqual(model.sorted);
  });

  it('stops at the time bound after the first bin (at least one bin per run, so every run progresses)', async () => {
    const dir = await tempDir();
    const model = new Model();
    const t = await DeltaTable.open(dir, spec, { ...OPTS, targetFileRows: 40, smallFileRows: 0 });
    for (let b = 0; b < 8; b++) await t.upsert(model.apply(range(b * 15, b * 15 + 15, 1))); // eight files of 15 rows
    expect(t.fileCount).toBe(8);
    const first = await t.compact({ minFileRows: 16, maxMillis: 0 });
    expect(first).toMatchObject({ bins: 4, binsRewritten: 1, filesRemoved: 2, filesAdded: 1 }); // two files of 15 per bin of 40
    expect(t.fileCount).toBe(7);
    const rest = await t.compact({ minFileRows: 16 }); // unbounded: the other three bins
    expect(rest).toMatchObject({ bins: 3, binsRewritten: 3, filesRemoved: 6, filesAdded: 3 });
    expect(byId(await t.readAll())).toEqual(model.sorted);
  });

  it('gives up without leaving a file when another writer changed a file being rewritten, and retries when it changed others', async () => {
    const dir = await tempDir();
    const model = new Model();
    await updatedTable(dir, OPTS, model);
    const other = await DeltaTable.open(dir, spec, { ...OPTS, smallFileRows: 0 }); // never rewrites a small file itself
    // The compacting writer's commit put runs `meanwhile` first: another writer's commit lands.
    let meanwhile: (() => Promise<unknown>) | undefined;
    const inner = new FileStore(dir);
    const racing: ObjectStore = Object.assign(Object.create(inner) as FileStore, {
      async putIfAbsent(key: string, bytes: Uint8Array | string): Promise<boolean> {
        const run = meanwhile;
        meanwhile = undefined;
        if (run && key.startsWith('_delta_log/')) await run();
        return inner.putIfAbsent(key, bytes);
      },
    });
    const compacting = await DeltaTable.open(racing, spec, OPTS);

    // 1. The other writer updates rows of files being rewritten (their vectors grow): the rewrite is stale.
    const filesBefore = await dataFiles(dir);
    meanwhile = () => other.upsert(model.apply(range(30, 40, 9))); // rows of the first file, in the first bin
    const lost = await compacting.compact({ deletedFraction: 0.01, minFileRows: 50 });
    expect(lost).toMatchObject({ version: null, conflict: true, filesAdded: 0, binsRewritten: 1 });
    // Every new file on disk is one the other writer committed: the rewrite's files are gone.
    const otherFiles = (await dataFiles(dir)).filter(f => !filesBefore.includes(f));
    const committed = (await commit(dir, compacting.version)).filter(a => a.add).map(a => String(a.add.path)).filter(p => !filesBefore.includes(p));
    expect(otherFiles.length).toBeGreaterThan(0);
    expect(otherFiles).toEqual(committed.sort());
    expect(byId(await compacting.readAll())).toEqual(model.sorted);

    // 2. The other writer only adds new keys (a new file): the same rewrite commits at the next version.
    const v = compacting.version;
    meanwhile = () => other.upsert(model.apply(range(500, 560, 1)));
    const won = await compacting.compact({ deletedFraction: 0.01, minFileRows: 10 });
    expect(won.version).toBe(v + 2);
    expect((await commit(dir, v + 1))[0].commitInfo.operation).not.toBe('OPTIMIZE');
    expect((await commit(dir, v + 2))[0].commitInfo.operation).toBe('OPTIMIZE');
    expect(byId(await compacting.readAll())).toEqual(model.sorted);
    // Both writers go on from here, their key indexes right.
    await compacting.upsert(model.apply([...range(0, 20, 11), ...range(500, 505, 11)]));
    await other.upsert(model.apply([...range(10, 30, 12), ...range(555, 560, 12)]));
    expect(byId(await (await DeltaTable.open(dir, spec, OPTS)).readAll())).toEqual(model.sorted);
  });

  it('runs between batches when the writer is given compaction settings, and keeps files and vectors bounded', async () => {
    const dir = await tempDir();
    const model = new Model();
    const opts: DeltaTableOptions = { ...OPTS, compaction: { deletedFraction: 0.3, minFileRows: 20, maxMillisPerBatch: 1000 } };
    const plain = await DeltaTable.open(await tempDir(), spec, OPTS);
    const t = await DeltaTable.open(dir, spec, opts);
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let b = 0; b < 30; b++) {
      const batch = Array.from({ length: 25 }, () => row(Math.floor(next() * 300), b + 1));
      model.apply(batch);
      const r = await t.upsert(batch);
      await plain.upsert(batch);
      expect(r.version).not.toBeNull();
    }
    const stats = t.compactionStats;
    expect(stats).toMatchObject({ errors: 0, conflicts: 0 });
    expect(stats.commits).toBeGreaterThan(0);
    expect(byId(await t.readAll())).toEqual(model.sorted);
    // Without compaction the same batches leave more files and more deleted rows behind.
    expect(t.fileCount).toBeLessThan(plain.fileCount);
    expect(byId(await (await DeltaTable.open(dir, spec, OPTS)).readAll())).toEqual(model.sorted);
  });
});

describe('a failed compaction run', () => {
  it('fails no batch, is counted, and is told to `warn` with the table and the error, without credentials', async () => {
    const dir = await tempDir();
    const model = new Model();
    const file = new FileStore(dir);
    let broken = false;
    // Data files that cannot be read while `broken`: the store's message echoes a key id and a secret.
    const store: ObjectStore = {
      location: file.location,
      get: k => broken && k.endsWith('.parquet') ? Promise.reject(new Error('s3 get s3://lake/t/x.parquet: AccessDenied (HTTP 403): key AKIAIOSFODNN7EXAMPLE, secret wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY')) : file.get(k),
      list: p => file.list(p), listInfo: p => file.listInfo(p), put: (k, b) => file.put(k, b), putIfAbsent: (k, b) => file.putIfAbsent(k, b),
      delete: k => file.delete(k), child: k => file.child(k),
    };
    const warnings: string[] = [];
    const secret = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY';
    try {
      const t = await DeltaTable.open(store, spec, { ...OPTS, compaction: { deletedFraction: 0.01, minFileRows: 1000, maxMillisPerBatch: 1000 }, warn: m => warnings.push(m) });
      const settled = (): Promise<unknown> => t.upsert([]); // commits nothing: queued after the last run
      await t.upsert(model.apply(range(0, 100, 1)));
      await settled();
      expect(t.compactionStats).toMatchObject({ runs: 1, errors: 0 });
      broken = true;
      const r = await t.upsert(model.apply(range(0, 30, 2))); // its compaction run reads a data file: fails
      expect(r.version).not.toBeNull();
      await t.upsert(model.apply(range(30, 40, 3))); // the sink goes on (this one's run fails too)
      await settled();
      expect(t.compactionStats).toMatchObject({ runs: 3, commits: 0, errors: 2 });
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toMatch(new RegExp(`^delta table invoices at ${dir.replaceAll('/', '\\/')}: compaction run failed .*AccessDenied \\(HTTP 403\\)`));
      for (const w of [...warnings, t.compactionStats.lastError ?? '']) {
        expect(w).not.toContain('AKIAIOSFODNN7EXAMPLE');
        expect(w).not.toContain('wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY');
      }
      broken = false;
      await t.upsert(model.apply(range(40, 45, 4)));
      await settled();
      expect(t.compactionStats).toMatchObject({ runs: 4, commits: 1, errors: 2 });
      expect(warnings).toHaveLength(2);
      expect(byId(await t.readAll())).toEqual(model.sorted);
    } finally {
      if (secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY; else process.env.AWS_SECRET_ACCESS_KEY = secret;
    }
  });
});

describe('optimize (stand-alone, no table spec)', () => {
  it('compacts a table from its log schema alone; the writer carries on from it', async () => {
    const dir = await tempDir();
    const model = new Model();
    await updatedTable(dir, OPTS, model);
    const r = await optimize(dir, { deletedFraction: 0.01, minFileRows: 50, targetFileRows: 100 });
    expect(r.version).not.toBeNull();
    expect(r.filesAdded).toBeGreaterThan(0);
    const t = await DeltaTable.open(dir, spec, OPTS);
    expect(byId(await t.readAll())).toEqual(model.sorted);
    await t.upsert(model.apply(range(0, 215, 5)));
    expect(byId(await t.readAll())).toEqual(model.sorted);
    expect((await optimize(dir, { deletedFraction: 1, minFileRows: 1 })).version).toBeNull(); // nothing to do
    await expect(optimize(join(dir, 'nothing-here'))).rejects.toThrow(/not a Delta table/);
  });
});
