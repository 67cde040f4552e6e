// OPTIMIZE (bin-packing compaction, Delta's OPTIMIZE without ZORDER): files whose deletion vector
// deletes a large fraction of their rows, and small files, are rewritten into fewer files without
// the deleted rows. The commit removes the old logical files (with their vectors) and adds the new
// ones, all `dataChange: false` (PROTOCOL.md "Add File and Remove File": the rows only move), so
// log-tailing readers skip it. Under merge-on-read every update batch grows old files' vectors;
// this is what keeps reads from slowing down.
//
// Concurrency: the commit is put-if-absent like every other. On a lost race the log is caught up;
// if every logical file the rewrite removes (path and vector) is still in the table, the same
// actions are committed at the next version (the rewrite is still exactly those rows); if another
// writer removed one or grew its vector, the rewrite is stale: its files are deleted and it gives up.
import { randomUUID } from 'node:crypto';
import type { ObjectStore } from '../storage/store.ts';
import type { Version } from '../core/row-per-key.ts';
import { applyActions, type Action, type AddAction, type RemoveAction, type Snapshot } from './actions.ts';
import { concatBatches, keysAndVersions } from './columnar.ts';
import { DeletionVectorCache, deletionVectorId } from './deletion-vector.ts';
import { catchUp, CommitConflict, ENGINE, putCommit, writeCheckpoint } from './log.ts';
import { liveColumns, removeOf, writeChunks, type FileContext } from './merge.ts';
import { openForMaintenance } from './protocol.ts';
import { compileLogSchema } from './schema.ts';
import { DEFAULT_OPTIMIZE, type OptimizeOptions } from './optimize-options.ts';
import { fileRows, TARGET_FILE_ROWS } from './stats.ts';
import { retentionOf } from './vacuum.ts';

const MAX_ATTEMPTS = 20;

/** A file chosen for rewriting, with its row counts from the log. */
export interface OptimizeFile {
  add: AddAction;
  /** Physical rows (the stats' numRecords). */
  rows: number;
  /** Rows its deletion vector deletes. */
  deleted: number;
}

/** One group of files rewritten into one file (at most targetFileRows rows left in them together). */
export interface OptimizeBin {
  files: OptimizeFile[];
  /** Rows the bin writes. */
  rows: number;
}

/**
 * The bins of a rewrite, most worthwhile first: files past the deleted fraction (most deleted
 * first), then small files (smallest first), packed first-fit up to targetFileRows rows. A bin
 * that would rewrite one file with nothing deleted changes nothing and is left out. Files without
 * a row count in their stats are never chosen (their size is unknown).
 */
export function planOptimize(files: Iterable<AddAction>, opts: OptimizeOptions): OptimizeBin[] {
  const chosen: (OptimizeFile & { fraction: number })[] = [];
  for (const add of files) {
    const counts = fileRows(add);
    if (counts === undefined) continue;
    const { rows, live } = counts;
    const deleted = rows - live;
    const fraction = rows === 0 ? 1 : deleted / rows;
    if ((deleted > 0 && fraction >= opts.deletedFraction) || live < opts.minFileRows) chosen.push({ add, rows, deleted, fraction });
  }
  chosen.sort((a, b) => b.fraction - a.fraction || (a.rows - a.deleted) - (b.rows - b.deleted) || (a.add.path < b.add.path ? -1 : 1));
  const bins: OptimizeBin[] = [];
  for (const { add, rows, deleted } of chosen) {
    const live = rows - deleted;
    const bin = bins.find(b => b.rows + live <= opts.targetFileRows);
    if (bin) {
      bin.files.push({ add, rows, deleted });
      bin.rows += live;
    } else bins.push({ files: [{ add, rows, deleted }], rows: live });
  }
  return bins.filter(b => b.files.length > 1 || b.files[0].deleted > 0);
}

/** A rewrite in progress: the actions of its commit and the new files' keys (for the key index). */
export interface OptimizeRun {
  removes: RemoveAction[];
  adds: AddAction[];
  written: { path: string; keys: string[]; versions: Version[] }[];
  rowsWritten: number;
}

/** An empty rewrite. */
export function newRun(): OptimizeRun {
  return { removes: [], adds: [], written: [], rowsWritten: 0 };
}

/**
 * Rewrite one bin: its files' rows left by their vectors, written as new files (uncommitted until
 * the log says so). `withKeys`: record each new file's keys and versions (a writer's key index).
 */
export async function rewriteBin(ctx: FileContext, bin: OptimizeBin, run: OptimizeRun, withKeys: boolean): Promise<void> {
  const parts = [];
  for (const f of bin.files) parts.push(await liveColumns(ctx, f.add, f.add.path));
  const cols = concatBatches(parts, ctx.spec.codecs.map(c => c.column.name));
  const { keys, versions } = withKeys ? keysAndVersions(cols, ctx.spec) : { keys: [], versions: [] };
  if (cols.length > 0) await writeChunks(ctx, cols, keys, versions, run, false);
  for (const f of bin.files) run.removes.push(removeOf(ctx, f.add.path, f.add, false));
}

/** The OPTIMIZE commit of a rewrite, read against `snap`. */
function optimizeActions(snap: Snapshot, run: OptimizeRun, now: number): Action[] {
  const bytes = (xs: { size?: number | null }[]): string => String(xs.reduce((n, x) => n + (x.size ?? 0), 0));
  return [
    {
      commitInfo: {
        timestamp: now, operation: 'OPTIMIZE', operationParameters: { predicate: '[]', zOrderBy: '[]' },
        readVersion: snap.version, isolationLevel: 'SnapshotIsolation', isBlindAppend: false,
        operationMetrics: {
          numRemovedFiles: String(run.removes.length), numAddedFiles: String(run.adds.length),
          numDeletionVectorsRemoved: String(run.removes.filter(r => r.deletionVector).length),
          numRemovedBytes: bytes(run.removes), numAddedBytes: bytes(run.adds), numOutputRows: String(run.rowsWritten),
        },
        engineInfo: ENGINE, txnId: randomUUID(),
      },
    },
    ...run.removes.map(remove => ({ remove })),
    ...run.adds.map(add => ({ add })),
  ];
}

/** True when every logical file the rewrite removes (path and vector) is still in `snap`. */
function stillCurrent(snap: Snapshot, run: OptimizeRun): boolean {
  const id = (dv: AddAction['deletionVector']): string | null => dv ? deletionVectorId(dv) : null;
  return run.removes.every(r => {
    const add = snap.files.get(r.path);
    return add !== undefined && id(add.deletionVector) === id(r.deletionVector);
  });
}

/**
 * Commit a rewrite on top of `snap` (applied to it on success). Returns the version, or null when
 * another writer changed a file it rewrote (the rewrite's files are then deleted), and whether
 * other writers' commits were applied to `snap` on the way.
 */
export async function commitOptimize(store: ObjectStore, snap: Snapshot, run: OptimizeRun, now: number): Promise<{ version: number | null; caughtUp: boolean }> {
  let caughtUp = false;
  for (let attempt = 1; ; attempt++) {
    const version = snap.version + 1;
    const actions = optimizeActions(snap, run, now);
    try {
      await putCommit(store, version, actions);
      applyActions(snap, version, actions);
      return { version, caughtUp };
    } catch (e) {
      // After any other error the commit may have landed: the files stay (an orphan is harmless).
      if (!(e instanceof CommitConflict)) throw e;
    }
    if (await catchUp(store, snap) > 0) caughtUp = true;
    if (!stillCurrent(snap, run) || attempt >= MAX_ATTEMPTS) {
      await Promise.all(run.adds.map(a => store.delete(a.path).catch(() => undefined)));
      return { version: null, caughtUp };
    }
  }
}

/** What an OPTIMIZE did. */
export interface OptimizeResult {
  /** The version committed, or null (nothing to do, or given up after another writer's change). */
  version: number | null;
  filesRemoved: number;
  filesAdded: number;
  /** Deletion vectors the rewrite made unnecessary. */
  deletionVectorsRemoved: number;
  rowsWritten: number;
  /** Bins the plan held, and bins rewritten (fewer when a time bound stopped it). */
  bins: number;
  binsRewritten: number;
  /** True when another writer changed a file being rewritten: nothing was committed. */
  conflict: boolean;
}

/** The result of a rewrite committed (or not) as `version`. */
export function optimizeResult(run: OptimizeRun, version: number | null, bins: number, binsRewritten: number): OptimizeResult {
  const committed = version !== null;
  return {
    version, bins, binsRewritten, conflict: !committed && run.removes.length > 0,
    filesRemoved: committed ? run.removes.length : 0, filesAdded: committed ? run.adds.length : 0,
    deletionVectorsRemoved: committed ? run.removes.filter(r => r.deletionVector).length : 0,
    rowsWritten: committed ? run.rowsWritten : 0,
  };
}

/** Options of the stand-alone `optimize`. */
export interface OptimizeCommandOptions extends Partial<OptimizeOptions> {
  /** Write a checkpoint when the commit's version is a multiple of this (default 10, as the writer). */
  checkpointInterval?: number;
  /** Clock (tests). */
  now?: () => number;
}

/**
 * OPTIMIZE the table at `location` (a path, `file://…`, `s3://bucket/prefix`, or a store) without a
 * table spec (the log's schema is enough to move rows). Re-plans once when another writer changed
 * a file it rewrote, then gives up (the result says `conflict`).
 */
export async function optimize(location: string | ObjectStore, options: OptimizeCommandOptions = {}): Promise<OptimizeResult> {
  const { store, dir, snap } = await openForMaintenance(location);
  if (snap.metaData.partitionColumns.length > 0) throw new Error(`${dir}: partitioned tables are not supported`);
  const opts: OptimizeOptions = {
    deletedFraction: options.deletedFraction ?? DEFAULT_OPTIMIZE.deletedFraction,
    minFileRows: options.minFileRows ?? DEFAULT_OPTIMIZE.minFileRows,
    targetFileRows: options.targetFileRows ?? TARGET_FILE_ROWS,
  };
  const clock = options.now ?? Date.now;
  const dvs = new DeletionVectorCache(store);
  let result: OptimizeResult | undefined;
  for (let round = 0; round < 2; round++) {
    const spec = compileLogSchema(snap.metaData.name ?? 'table', snap.metaData.schemaString);
    const bins = planOptimize(snap.files.values(), opts);
    const run = newRun();
    if (bins.length === 0) return optimizeResult(run, null, 0, 0);
    const now = clock();
    const ctx: FileContext = { store, spec, dvs, targetFileRows: opts.targetFileRows, now };
    for (const bin of bins) await rewriteBin(ctx, bin, run, false);
    const { version } = await commitOptimize(store, snap, run, now);
    result = optimizeResult(run, version, bins.length, bins.length);
    if (version === null) continue;
    const interval = options.checkpointInterval ?? 10;
    if (interval > 0 && version % interval === 0) {
      await writeCheckpoint(store, snap, clock() - retentionOf(snap.metaData)).catch(() => undefined); // only saves replay time
    }
    return result;
  }
  return result as OptimizeResult;
}
