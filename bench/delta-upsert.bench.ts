// delta-upsert: rows/s upserting batches of 10k into a local Delta table of 1M rows.
// Builds the table first (large batches, so files come out near targetFileRows), reopens it like a
// restarted sink, then times batches that mix updates of existing keys and new keys.
// Run: node bench/delta-upsert.bench.ts [--rows=1000000] [--batch=10000] [--batches=5]
//        [--update-fraction=0.5] [--spread=uniform|recent] [--file-rows=131072] [--dir=/tmp/x]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeltaTable, type DeltaRow, type DeltaTableSpec } from '../src/sinks/delta/index.ts';

/** Bench arguments (`--name=value` pairs). */
export type BenchArgs = Record<string, string | undefined>;

const SPEC: DeltaTableSpec = {
  name: 'bench_invoices',
  keyColumns: ['invoice_id'],
  versionColumn: 'version',
  columns: [
    { name: 'invoice_id', type: 'string', nullable: false },
    { name: 'client_id', type: 'string', nullable: false },
    { name: 'currency', type: 'string', nullable: false },
    { name: 'invoice_total', type: 'decimal(18,2)', nullable: false },
    { name: 'outstanding', type: 'decimal(18,2)', nullable: false },
    { name: 'status', type: 'string', nullable: false },
    { name: 'issue_date', type: 'date', nullable: false },
    { name: 'paid_at', type: 'timestamp', nullable: true },
    { name: 'version', type: 'long', nullable: false },
    { name: 'updated_at', type: 'timestamp', nullable: false },
  ],
};

// Deterministic PRNG (mulberry32) so runs compare.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function row(i: number, version: number, rand: () => number): DeltaRow {
  const cents = Math.floor(rand() * 10_000_000);
  const paid = version > 1 && rand() < 0.5;
  return {
    invoice_id: `inv_ord_${String(i).padStart(9, '0')}`,
    client_id: `cli_${i % 5000}`,
    currency: 'EUR',
    invoice_total: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    outstanding: paid ? '0.00' : `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`,
    status: paid ? 'paid' : 'open',
    issue_date: new Date(Date.UTC(2025, 0, 1) + (i % 365) * 86_400_000).toISOString().slice(0, 10),
    paid_at: paid ? '2025-06-01T12:00:00.123456Z' : null,
    version,
    updated_at: new Date(Date.UTC(2025, 0, 1) + version * 1000).toISOString(),
  };
}

const num = (v: string | undefined, d: number): number => v === undefined ? d : Number(v);

async function deltaUpsert(args: BenchArgs = {}): Promise<Record<string, unknown>> {
  const total = num(args.rows, 1_000_000);
  const batch = num(args.batch, 10_000);
  const batches = num(args.batches, 5);
  const updateFraction = num(args['update-fraction'], 0.5);
  const spread = args.spread ?? 'uniform';
  const fileRows = num(args['file-rows'], 131_072);
  const dir = args.dir ?? await mkdtemp(join(tmpdir(), 'delta-upsert-'));
  const rand = rng(42);
  const opts = { targetFileRows: fileRows, smallFileRows: Math.floor(fileRows / 8) };
  try {
    let t0 = performance.now();
    const build = await DeltaTable.open(dir, SPEC, opts);
    // Build batches of whole files, so the table starts as ~total/fileRows full files.
    const buildBatch = Math.floor(fileRows * 0.95);
    for (let i = 0; i < total; i += buildBatch) {
      const rows: DeltaRow[] = [];
      for (let j = i; j < Math.min(total, i + buildBatch); j++) rows.push(row(j, 1, rand));
      await build.upsert(rows);
    }
    const buildMs = performance.now() - t0;
    t0 = performance.now();
    const table = await DeltaTable.open(dir, SPEC, opts); // a restarted sink: empty key index
    const openMs = performance.now() - t0;
    const filesBefore = table.fileCount;
    let next = total;
    const perBatch: { ms: number; filesRemoved: number; filesAdded: number; rowsWritten: number; updated: number; inserted: number }[] = [];
    const versions = new Map<number, number>();
    for (let b = 0; b < batches; b++) {
      const rows: DeltaRow[] = [];
      for (let k = 0; k < batch; k++) {
        if (rand() < updateFraction) {
          // uniform: any existing key; recent: the newest eighth of the keys (where live invoices are).
          const lo = spread === 'recent' ? Math.floor(next * 7 / 8) : 0;
          const i = lo + Math.floor(rand() * (next - lo));
          const v = (versions.get(i) ?? 1) + 1;
          versions.set(i, v);
          rows.push(row(i, v, rand));
        } else {
          rows.push(row(next++, 1, rand));
        }
      }
      const s = performance.now();
      const r = await table.upsert(rows, { txn: { appId: 'bench', version: b + 1 } });
      perBatch.push({ ms: Math.round(performance.now() - s), filesRemoved: r.filesRemoved, filesAdded: r.filesAdded, rowsWritten: r.rowsWritten, updated: r.updated, inserted: r.inserted });
    }
    const totalMs = perBatch.reduce((a, p) => a + p.ms, 0);
    const steady = perBatch.slice(1);
    const steadyMs = steady.reduce((a, p) => a + p.ms, 0);
    return {
      name: 'delta-upsert',
      records_per_s: Math.round(batch * batches / (totalMs / 1000)),
      steady_records_per_s: steady.length ? Math.round(batch * steady.length / (steadyMs / 1000)) : null,
      table_rows: total, batch, batches, update_fraction: updateFraction, spread, file_rows: fileRows,
      files_before: filesBefore, files_after: table.fileCount,
      build_records_per_s: Math.round(total / (buildMs / 1000)), open_ms: Math.round(openMs),
      index: table.indexMetrics, version: table.version, per_batch: perBatch,
    };
  } finally {
    if (args.dir === undefined && args.keep === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** Bench registry (bench/README.md convention). */
export const benchmarks = {
  'delta-upsert': async (args: BenchArgs = {}): Promise<void> => {
    console.log(JSON.stringify(await deltaUpsert(args)));
  },
};

if (import.meta.main) {
  const args: BenchArgs = {};
  for (const a of process.argv.slice(2)) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) args[m[1]] = m[2] ?? 'true';
  }
  await benchmarks['delta-upsert'](args);
}
