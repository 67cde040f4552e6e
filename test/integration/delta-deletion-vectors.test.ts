// Merge-on-read tables read by independent readers: a randomized sequence of upserts (updates of
// old and new keys, stale versions, in-batch duplicates, restarts, checkpoints) into a table with
// deletion vectors, and a copy-on-write table upgraded half-way, must read back with delta-rs
// (Python `deltalake`: its DataFusion scan applies the vectors) and with Spark + Delta exactly as a
// plain in-memory model says. Needs the venv of scripts/python-tools.sh.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTable, type DeltaRow, type DeltaTableOptions, type DeltaTableSpec } from '../../src/sinks/delta/index.ts';
import { spark } from './support/spark.ts';
import { rng } from '../../bench/lib.ts'; // seeded (mulberry32): a failure names its seed and replays

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const PYTHON = join(ROOT, '.toolchain/py/bin/python');

async function deltaRs(dir: string): Promise<{ version: number; protocol: Record<string, unknown>; rows: DeltaRow[] }> {
  const { stdout } = await exec(PYTHON, [join(ROOT, 'test/python/delta_read.py'), dir], { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as { version: number; protocol: Record<string, unknown>; rows: DeltaRow[] };
}


const spec: DeltaTableSpec = {
  name: 'invoices', keyColumns: ['invoice_id'], versionColumn: 'version',
  columns: [
    { name: 'invoice_id', type: 'string', nullable: false },
    { name: 'status', type: 'string', nullable: false },
    { name: 'outstanding', type: 'decimal(38,2)', nullable: false },
    { name: 'issue_date', type: 'date', nullable: false },
    { name: 'paid_at', type: 'timestamp', nullable: true },
    { name: 'version', type: 'long', nullable: false },
  ],
};
const byId = (rows: DeltaRow[]): DeltaRow[] => [...rows].sort((a, b) => String(a.invoice_id) < String(b.invoice_id) ? -1 : 1);


/** Random upserts into the table at `dir`, mirrored in `model` (highest version wins, never backwards). */
async function randomUpserts(dir: string, opts: DeltaTableOptions, seed: number, batches: number, model: Map<string, DeltaRow>, state: { next: number; txn: number }, midway?: (t: DeltaTable) => Promise<void>): Promise<void> {
  const rand = rng(seed);
  let t = await DeltaTable.open(dir, spec, opts);
  for (let b = 0; b < batches; b++) {
    const rows: DeltaRow[] = [];
    const n = 1 + Math.floor(rand() * 80);
    for (let k = 0; k < n; k++) {
      const update = state.next > 0 && rand() < 0.6;
      const i = update ? Math.floor(rand() * state.next) : state.next++;
      const id = `inv_${String(i).padStart(5, '0')}`;
      const have = Number(model.get(id)?.version ?? 0);
      const version = update ? have + Math.floor(rand() * 4) - 1 : 1; // stale, equal or newer
      const paid = rand() < 0.3;
      rows.push({
        invoice_id: id, status: paid ? 'paid' : 'open', outstanding: paid ? '0.00' : `${Math.floor(rand() * 1e12)}.${String(b % 100).padStart(2, '0')}`,
        issue_date: `2026-0${1 + (i % 9)}-1${i % 10}`,
        // microseconds never a whole millisecond: the spelling readers print stays the one written
        paid_at: paid ? `2026-11-0${1 + (b % 9)}T10:00:00.${String((i % 999) * 1000 + 1 + (b % 998)).padStart(6, '0')}Z` : null, version,
      });
    }
    const winners = new Map<string, DeltaRow>();
    for (const r of rows) {
      const w = winners.get(String(r.invoice_id));
      if (!w || Number(r.version) >= Number(w.version)) winners.set(String(r.invoice_id), r);
    }
    for (const [id, r] of winners) {
      const stored = model.get(id);
      if (!stored || Number(r.version) > Number(stored.version)) model.set(id, r);
    }
    await t.upsert(rows, { txn: { appId: 'dv-test', version: ++state.txn } });
    if (b % 9 === 8) t = await DeltaTable.open(dir, spec, opts); // a restarted sink
    if (midway && b === Math.floor(batches / 2)) await midway(t);
  }
}

let work: string;
beforeAll(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} missing: run scripts/python-tools.sh (deltalake, pyspark, delta-spark)`);
  work = await mkdtemp(join(tmpdir(), 'delta-dv-int-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const opts: DeltaTableOptions = { targetFileRows: 60, smallFileRows: 15, checkpointInterval: 7 };

describe('deletion vectors read by delta-rs and Spark', () => {
  const model = new Map<string, DeltaRow>();
  const upgradedModel = new Map<string, DeltaRow>();
  const dvDir = (): string => join(work, 'dv');
  const upDir = (): string => join(work, 'upgraded');

  it('delta-rs reads a randomized sequence of merge-on-read upserts as the model says', { timeout: 120_000 }, async () => {
    await randomUpserts(dvDir(), opts, 1616, 45, model, { next: 0, txn: 0 });
    const log = await readdir(join(dvDir(), '_delta_log'));
    expect(log.some(n => n.endsWith('.checkpoint.parquet'))).toBe(true);
    const commits = await Promise.all(log.filter(n => n.endsWith('.json')).map(n => readFile(join(dvDir(), '_delta_log', n), 'utf8')));
    expect(commits.some(c => c.includes('"deletionVector":{"storageType":"u"'))).toBe(true);
    const view = await deltaRs(dvDir());
    expect(view.protocol).toEqual({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'], writerFeatures: ['appendOnly', 'invariants', 'deletionVectors'] });
    expect(byId(view.rows)).toEqual(byId([...model.values()]));
    // Our own reader agrees.
    expect(byId(await (await DeltaTable.open(dvDir(), spec, opts)).readAll())).toEqual(byId([...model.values()]));
  });

  it('delta-rs reads a copy-on-write table upgraded half-way through', { timeout: 120_000 }, async () => {
    let upgradedAt: number | null = null;
    await randomUpserts(upDir(), { ...opts, deletionVectors: false }, 1617, 24, upgradedModel, { next: 0, txn: 0 }, async t => {
      expect(t.deletionVectors).toBe(false);
      upgradedAt = await t.enableDeletionVectors();
    });
    expect(upgradedAt).not.toBeNull();
    const view = await deltaRs(upDir());
    expect(view.protocol).toMatchObject({ minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['deletionVectors'] });
    expect(byId(view.rows)).toEqual(byId([...upgradedModel.values()]));
  });

  it('Spark reads both tables as the model says', { timeout: 400_000 }, async () => {
    const [dv, upgraded] = await spark([`SELECT * FROM delta.\`${dvDir()}\``, `SELECT * FROM delta.\`${upDir()}\``]);
    expect(byId(dv)).toEqual(byId([...model.values()]));
    expect(byId(upgraded)).toEqual(byId([...upgradedModel.values()]));
  });
});
