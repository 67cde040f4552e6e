// delta-upsert: rows/s upserting batches of 10k into a local Delta table of 1M rows.
// Builds the table first (large batches, so files come out near targetFileRows), reopens it like a
// restarted sink, then times batches that mix updates of existing keys and new keys.
// Run: npm run bench -- delta-upsert [--rows=1000000] [--batch=10000] [--batches=5]
//        [--update-fraction=0.5] [--spread=recent,uniform] [--hot-fraction=0.02] [--file-rows=65536] [--copy-on-write]
//        [--store=local|moto] [--cache-mb=128] [--compaction=MS] [--read-back]
// --store=moto puts the table on the local S3-compatible server (moto, started here as the tests
// start it) behind the sink's data-file cache (--cache-mb, 0: none) and adds the S3 requests per batch.
// One JSON line per spread. recent: updates hit the newest 2% of keys (open invoices are recent);
// uniform: any key, the copy-on-write worst case (every file holds an updated key). The table is
// created with deletion vectors (merge-on-read), the default; --copy-on-write=1 makes the old kind.
// --compaction=MS: the writer compacts between batches as the sink does (sink.compaction defaults,
// maxMillisPerBatch MS). --read-back: after the batches, one more line (delta-read-back): reading
// the whole table back (a fresh writer's readAll, best of 2) as the batches left it, then the same
// after an unbounded OPTIMIZE of every file with a deleted row and every small file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeltaTable, type DeltaRow, type DeltaTableSpec } from '../src/sinks/delta/index.ts';
import { CachedStore, s3RequestCounts, S3Store, type ObjectStore, type S3RequestCounts } from '../src/sinks/storage/index.ts';
import { startMoto, type Moto } from '../test/integration/support/moto.ts';
import { emit, numberArg, parseArgs, rate, rng, since, type BenchArgs, type BenchmarkMap } from './lib.ts';

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

interface Phase { spread: string; hotFraction: number }

/** Time `batches` upserts of `batch` rows on a freshly opened table (empty key index, like a restart). */
async function timeBatches(dir: string | ObjectStore, opts: object, args: BenchArgs, phase: Phase, state: { next: number; versions: Map<number, number>; rand: () => number; txn: number }): Promise<Record<string, unknown>> {
  const batch = numberArg(args, 'batch', 10_000);
  const batches = numberArg(args, 'batches', 5);
  const updateFraction = numberArg(args, 'update-fraction', 0.5);
  const t0 = performance.now();
  const table = await DeltaTable.open(dir, SPEC, opts);
  const openMs = since(t0);
  const filesBefore = table.fileCount;
  const perBatch: Record<string, number>[] = [];
  const s3 = typeof dir === 'string' ? undefined : s3RequestCounts(dir);
  for (let b = 0; b < batches; b++) {
    const rows: DeltaRow[] = [];
    for (let k = 0; k < batch; k++) {
      if (state.rand() < updateFraction) {
        // uniform: any existing key; recent: the newest `hotFraction` of the keys (live invoices).
        const lo = phase.spread === 'recent' ? Math.floor(state.next * (1 - phase.hotFraction)) : 0;
        const i = lo + Math.floor(state.rand() * (state.next - lo));
        const v = (state.versions.get(i) ?? 1) + 1;
        state.versions.set(i, v);
        rows.push(row(i, v, state.rand));
      } else {
        rows.push(row(state.next++, 1, state.rand));
      }
    }
    const s = performance.now();
    const cpu = process.cpuUsage();
    const sent = s3 ? { ...s3 } : undefined;
    const r = await table.upsert(rows, { txn: { appId: 'bench', version: ++state.txn } });
    const used = process.cpuUsage(cpu);
    // CPU time next to wall time: the bench host is shared, wall time alone swings with its load.
    perBatch.push({
      ms: Math.round(since(s)), cpu_ms: Math.round((used.user + used.system) / 1000), files_removed: r.filesRemoved, files_added: r.filesAdded, deletion_vectors: r.deletionVectors, rows_rewritten: r.rowsWritten, updated: r.updated, inserted: r.inserted,
      ...(s3 && sent ? requestsSince(s3, sent) : {}),
    });
  }
  const ms = perBatch.reduce((a, p) => a + p.ms, 0);
  const latencies = perBatch.map(p => p.ms).sort((a, b) => a - b);
  const pct = (q: number): number => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
  return {
    name: 'delta-upsert',
    records_per_s: rate(batch * batches, ms),
    records_per_cpu_s: rate(batch * batches, perBatch.reduce((a, p) => a + p.cpu_ms, 0)),
    spread: phase.spread, ...(phase.spread === 'recent' ? { hot_fraction: phase.hotFraction } : {}),
    batch, batches, update_fraction: updateFraction,
    mean_files_rewritten: perBatch.reduce((a, p) => a + p.files_removed, 0) / batches,
    mean_rows_rewritten: Math.round(perBatch.reduce((a, p) => a + p.rows_rewritten, 0) / batches),
    batch_ms_p50: pct(0.5), batch_ms_p99: pct(0.99),
    ...(s3 ? { s3_requests_per_batch: perBatch.reduce((a, p) => a + p.s3_requests, 0) / batches } : {}),
    ...(dir instanceof CachedStore ? { cache: dir.cache } : {}),
    files_before: filesBefore, files_after: table.fileCount, open_ms: Math.round(openMs),
    index: table.indexMetrics, per_batch: perBatch,
  };
}

/** The whole table read back by a fresh writer: best of 2 (wall ms, CPU ms), and its files and deleted rows. */
async function timeRead(dir: string | ObjectStore, opts: object): Promise<Record<string, number>> {
  const table = await DeltaTable.open(dir, SPEC, opts);
  let best = { ms: Number.POSITIVE_INFINITY, cpu_ms: 0, rows: 0 };
  for (let i = 0; i < 2; i++) {
    const fresh = i === 0 ? table : await DeltaTable.open(dir, SPEC, opts); // no vector cached from the first read
    const s = performance.now();
    const cpu = process.cpuUsage();
    const rows = (await fresh.readAll()).length;
    const used = process.cpuUsage(cpu);
    const ms = since(s);
    if (ms < best.ms) best = { ms: Math.round(ms), cpu_ms: Math.round((used.user + used.system) / 1000), rows };
  }
  return { ...best, files: table.fileCount };
}

/** delta-read-back: reading the table as the update batches left it, then freshly compacted. */
async function readBack(dir: string | ObjectStore, opts: object, fileRows: number): Promise<{ name: string; records_per_s: number } & Record<string, unknown>> {
  const before = await timeRead(dir, opts);
  const table = await DeltaTable.open(dir, SPEC, opts);
  const s = performance.now();
  // Every file with a deleted row, and every file under a quarter of the target: the table as new.
  const compacted = await table.compact({ deletedFraction: Number.MIN_VALUE, minFileRows: Math.floor(fileRows / 4) });
  const compactMs = since(s);
  const after = await timeRead(dir, opts);
  return {
    name: 'delta-read-back', records_per_s: rate(before.rows, before.ms),
    read_ms_updated: before.ms, read_cpu_ms_updated: before.cpu_ms, files_updated: before.files,
    read_ms_compacted: after.ms, read_cpu_ms_compacted: after.cpu_ms, files_compacted: after.files,
    ratio: Math.round((before.ms / after.ms) * 100) / 100, cpu_ratio: Math.round((before.cpu_ms / after.cpu_ms) * 100) / 100,
    rows: before.rows, compact_ms: Math.round(compactMs), compact_files_removed: compacted.filesRemoved, compact_files_added: compacted.filesAdded,
    compact_deletion_vectors_removed: compacted.deletionVectorsRemoved, compact_rows_written: compacted.rowsWritten,
  };
}

/** S3 requests (and HTTP attempts, retries included) sent since `before`. */
function requestsSince(now: S3RequestCounts, before: S3RequestCounts): Record<string, number> {
  const d = (k: keyof S3RequestCounts): number => now[k] - before[k];
  return {
    s3_requests: d('get') + d('list') + d('put') + d('putIfAbsent') + d('delete'), s3_attempts: d('attempts'),
    s3_get: d('get'), s3_put: d('put'), s3_put_if_absent: d('putIfAbsent'), s3_list: d('list'), s3_delete: d('delete'),
  };
}

async function deltaUpsert(args: BenchArgs): Promise<void> {
  const total = numberArg(args, 'rows', 1_000_000);
  const fileRows = numberArg(args, 'file-rows', 65_536);
  const spreads = (args.spread ?? 'recent,uniform').split(',');
  const hotFraction = numberArg(args, 'hot-fraction', 0.02);
  const dir = args.dir ?? await mkdtemp(join(tmpdir(), 'delta-upsert-'));
  let moto: Moto | undefined;
  let table: string | ObjectStore = dir;
  if (args.store === 'moto') {
    moto = await startMoto(join(dir, 'moto.log'));
    const s3 = new S3Store(`s3://${await moto.bucket('bench')}/delta-upsert`, { endpoint: moto.endpoint, forcePathStyle: true });
    const cacheMb = numberArg(args, 'cache-mb', 128);
    table = cacheMb > 0 ? new CachedStore(s3, cacheMb * 1024 * 1024) : s3;
  } else if (args.store !== undefined && args.store !== 'local') throw new Error(`--store: expected local or moto, got ${args.store}`);
  const state = { next: total, versions: new Map<number, number>(), rand: rng(42), txn: 0 };
  const compactionMs = args.compaction === undefined ? undefined : numberArg(args, 'compaction', 500);
  const opts = {
    targetFileRows: fileRows, smallFileRows: Math.floor(fileRows / 8), deletionVectors: args['copy-on-write'] === undefined,
    ...(compactionMs === undefined ? {} : { compaction: { maxMillisPerBatch: compactionMs } }),
  };
  try {
    const t0 = performance.now();
    const build = await DeltaTable.open(table, SPEC, opts);
    // Build in batches just under the file size, so the table starts as ~total/fileRows full files.
    const buildBatch = Math.floor(fileRows * 0.95);
    for (let i = 0; i < total; i += buildBatch) {
      const rows: DeltaRow[] = [];
      for (let j = i; j < Math.min(total, i + buildBatch); j++) rows.push(row(j, 1, state.rand));
      await build.upsert(rows);
    }
    const buildMs = since(t0);
    for (const spread of spreads) {
      // A restarted sink starts with an empty cache, as with an empty key index.
      const fresh = table instanceof CachedStore ? new CachedStore(table.inner, numberArg(args, 'cache-mb', 128) * 1024 * 1024) : table;
      const result = await timeBatches(fresh, opts, args, { spread, hotFraction }, state);
      emit({ ...(result as { name: string; records_per_s: number }), ...result, store: args.store ?? 'local', ...(args.store === 'moto' ? { cache_mb: numberArg(args, 'cache-mb', 128) } : {}), table_rows: total, file_rows: fileRows, build_records_per_s: rate(total, buildMs), ...(compactionMs === undefined ? {} : { compaction_ms: compactionMs }) });
    }
    if (args['read-back'] !== undefined) emit(await readBack(table, opts, fileRows));
  } finally {
    await moto?.stop();
    if (args.dir === undefined && args.keep === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** Bench registry (bench/README.md convention). */
export const benchmarks: BenchmarkMap = { 'delta-upsert': deltaUpsert };

if (import.meta.main) await deltaUpsert(parseArgs(process.argv.slice(2)));
