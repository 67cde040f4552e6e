// Tables after many merge-on-read updates, the writer's own compaction between batches, an
// explicit OPTIMIZE and a VACUUM, read by independent readers: delta-rs (Python `deltalake`, its
// DataFusion scan) and Spark + Delta, on local disk and over S3 on moto's server (Spark through
// s3a), the S3 table updated again after its VACUUM. Their rows must equal a plain in-memory model;
// the vacuumed files must be gone and nothing a reader needs.
// Checkpoints in between carry the vectors and the tombstones of re-added files.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable, optimize, vacuum, type DeltaRow, type DeltaTableOptions, type DeltaTableSpec } from '../../src/sinks/delta/index.ts';
import { S3Store, type ObjectStore } from '../../src/sinks/storage/index.ts';
import { startMoto, type Moto } from './support/moto.ts';
import { s3a, spark } from './support/spark.ts';
import { rng } from '../../bench/lib.ts'; // seeded (mulberry32): a failure names its seed and replays

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const PYTHON = join(ROOT, '.toolchain/py/bin/python');

async function deltaRs(location: string, options: Record<string, string> = {}): Promise<{ version: number; rows: DeltaRow[]; files: { path: string }[]; operations: string[] }> {
  const args = [join(ROOT, 'test/python/delta_read.py'), location, ...Object.entries(options).flatMap(([k, v]) => ['--storage-option', `${k}=${v}`])];
  const { stdout } = await exec(PYTHON, args, { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as { version: number; rows: DeltaRow[]; files: { path: string }[]; operations: string[] };
}


const spec: DeltaTableSpec = {
  name: 'invoices', keyColumns: ['invoice_id'], versionColumn: 'version',
  columns: [
    { name: 'invoice_id', type: 'string', nullable: false },
    { name: 'status', type: 'string', nullable: false },
    { name: 'outstanding', type: 'decimal(18,2)', nullable: false },
    { name: 'version', type: 'long', nullable: false },
  ],
};
const byId = (rows: DeltaRow[]): DeltaRow[] => [...rows].sort((a, b) => String(a.invoice_id) < String(b.invoice_id) ? -1 : 1);


/**
 * `batches` upserts (mostly updates of any key, some new keys, some stale versions) into `table`,
 * mirrored in `model`; the writer compacts between batches when its options say so.
 */
async function updates(open: () => Promise<DeltaTable>, seed: number, batches: number, model: Map<string, DeltaRow>): Promise<{ compactions: number; errors: number }> {
  const rand = rng(seed);
  let t = await open();
  const done = { compactions: 0, errors: 0 };
  const count = (): void => {
    done.compactions += t.compactionStats.commits;
    done.errors += t.compactionStats.errors + t.compactionStats.conflicts;
  };
  let next = 0;
  for (let b = 0; b < batches; b++) {
    const rows: DeltaRow[] = [];
    for (let k = 0; k < (b === 0 ? 300 : 40); k++) {
      const update = next > 0 && rand() < 0.8;
      const i = update ? Math.floor(rand() * next) : next++;
      const id = `inv_${String(i).padStart(5, '0')}`;
      const have = Number(model.get(id)?.version ?? 0);
      const version = update ? have + Math.floor(rand() * 3) - 1 : 1; // stale, equal or newer
      const paid = rand() < 0.4;
      rows.push({ invoice_id: id, status: paid ? 'paid' : 'open', outstanding: paid ? '0.00' : `${Math.floor(rand() * 1e9)}.${String(b % 100).padStart(2, '0')}`, version });
    }
    // One row per key in the batch (highest version, ties the later row), then never backwards.
    const winners = new Map<string, DeltaRow>();
    for (const r of rows) {
      const w = winners.get(String(r.invoice_id));
      if (!w || Number(r.version) >= Number(w.version)) winners.set(String(r.invoice_id), r);
    }
    for (const [id, r] of winners) {
      const stored = model.get(id);
      if (!stored || Number(r.version) > Number(stored.version)) model.set(id, r);
    }
    await t.upsert(rows, { txn: { appId: 'maint', version: b } });
    if (b % 13 === 12) { // a restarted sink: its key index rebuilt from the compacted files
      await t.compact({ maxMillis: 0 }); // waits for the queued run: its counts are final
      count();
      t = await open();
    }
  }
  await t.compact({ maxMillis: 0 });
  count();
  return done;
}

/** The table's data and DV objects. */
async function dataObjects(store: ObjectStore): Promise<string[]> {
  return (await store.list('')).filter(k => !k.includes('/') && (k.endsWith('.parquet') || k.endsWith('.bin')));
}

const OPTS: DeltaTableOptions = {
  targetFileRows: 100, smallFileRows: 20, checkpointInterval: 5,
  compaction: { deletedFraction: 0.3, minFileRows: 25, maxMillisPerBatch: 200 },
};

let work: string;
let moto: Moto | undefined;
beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} missing: run scripts/python-tools.sh (deltalake, pyspark, delta-spark, moto)`);
  work = await mkdtemp(join(tmpdir(), 'delta-maint-'));
});
afterAll(async () => {
  await moto?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('tables after updates, compaction and vacuum, read by delta-rs and Spark', () => {
  const model = new Map<string, DeltaRow>();
  const dir = (): string => join(work, 'local');

  it('delta-rs reads a locally compacted and vacuumed table as the model says', { timeout: 120_000 }, async () => {
    const runs = await updates(() => DeltaTable.open(dir(), spec, OPTS), 1621, 40, model);
    expect(runs.errors).toBe(0);
    expect(runs.compactions).toBeGreaterThan(3);
    // The stand-alone OPTIMIZE finishes what the bounded runs left, then VACUUM with the writers stopped.
    await optimize(dir(), { deletedFraction: 0.01, minFileRows: 50, targetFileRows: 100 });
    const before = await readdir(dir());
    const swept = await vacuum(dir(), { retentionMs: 0, enforceRetention: false });
    expect(swept.files.length).toBeGreaterThan(10);
    expect(swept.files.some(f => f.startsWith('deletion_vector_'))).toBe(true);
    expect((await readdir(dir())).length).toBe(before.length - swept.files.length);

    const view = await deltaRs(dir());
    expect(byId(view.rows)).toEqual(byId([...model.values()]));
    expect(view.operations).toContain('OPTIMIZE');
    // Every file the current version names is still there, and nothing else but the log.
    const names = new Set(await readdir(dir()));
    for (const f of view.files) expect(names.has(f.path)).toBe(true);
    expect(byId(await (await DeltaTable.open(dir(), spec, OPTS)).readAll())).toEqual(byId([...model.values()]));
  });

  const s3Model = new Map<string, DeltaRow>();
  const url = 's3://maint/tables/invoices';

  it('on S3 (moto): compacted between batches, optimized and vacuumed through the store, delta-rs reads it as the model says', { timeout: 120_000 }, async () => {
    moto = await startMoto(join(work, 'moto.log'));
    await moto.bucket('maint');
    const store = (): S3Store => new S3Store(url, { endpoint: moto!.endpoint, forcePathStyle: true });
    const runs = await updates(() => DeltaTable.open(store(), spec, OPTS), 1622, 15, s3Model);
    expect(runs).toMatchObject({ errors: 0 });
    expect(runs.compactions).toBeGreaterThan(0);
    const optimized = await optimize(store(), { deletedFraction: 0.01, minFileRows: 50, targetFileRows: 100 });
    expect(optimized.deletionVectorsRemoved).toBeGreaterThan(0); // the bounded runs had left vectors
    expect((await vacuum(store(), { dryRun: true })).files).toEqual([]); // all younger than 7 days
    const swept = await vacuum(store(), { retentionMs: 0, enforceRetention: false });
    expect(swept.files.length).toBeGreaterThan(0);
    const afterVacuum = await dataObjects(store());
    for (const f of swept.files) expect(afterVacuum).not.toContain(f);
    // Updates after the vacuum: the readers must apply fresh vectors to the optimized files.
    const again = [...s3Model.values()].filter((_, i) => i % 7 === 0).map((r): DeltaRow => ({ ...r, status: 'disputed', version: Number(r.version) + 1 }));
    const last = await (await DeltaTable.open(store(), spec, OPTS)).upsert(again, { txn: { appId: 'after-vacuum', version: 0 } });
    expect(last.deletionVectors).toBeGreaterThan(0);
    for (const r of again) s3Model.set(String(r.invoice_id), r);
    const left = await dataObjects(store());
    const view = await deltaRs(url, moto.deltaRsOptions());
    expect(byId(view.rows)).toEqual(byId([...s3Model.values()]));
    for (const f of view.files) expect(left).toContain(f.path);
    expect(view.operations).toContain('OPTIMIZE');
    expect(byId(await (await DeltaTable.open(store(), spec, OPTS)).readAll())).toEqual(byId([...s3Model.values()]));
  });

  // One Spark session for both tables: its start-up (~10 s) is most of the cost.
  it('Spark reads the local table and the one on S3 (s3a, moto) as the models say', { timeout: 400_000 }, async () => {
    const [local, onS3] = await spark([`SELECT * FROM delta.\`${dir()}\``, `SELECT * FROM delta.\`${s3a(url)}\``], { s3Endpoint: moto!.endpoint });
    expect(byId(local)).toEqual(byId([...model.values()]));
    expect(byId(onS3)).toEqual(byId([...s3Model.values()]));
  });
});
