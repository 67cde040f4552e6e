// The merge of one deduplicated batch: find the files holding affected keys (key index), then
//  - merge-on-read (tables with deletion vectors enabled): mark the old rows' positions in their
//    file's deletion vector (the file is removed and re-added with the larger vector) and write the
//    new versions with the new keys into new files;
//  - copy-on-write (other tables): rewrite the files with at least one changed row.
// Either way new rows go into a new file, or into the smallest small file, which is rewritten (its
// deleted rows dropped) so that small batches do not leave one tiny file per commit.
import { randomUUID } from 'node:crypto';
import { isNewer, rowKey, type Version } from '../core/row-per-key.ts';
import type { AddAction, RemoveAction, Snapshot } from './actions.ts';
import { rowVersion, shouldReplace } from './batch.ts';
import { DeletionVectorFile, unionRows, type DeletionVectorCache, type DeletionVectorDescriptor } from './deletion-vector.ts';
import type { KeyEntry, KeyIndex } from './key-index.ts';
import { appendRow, keysAndVersions, rowAt, rowsToBatch, setRow, type ColumnBatch } from './columnar.ts';
import type { Physical } from './columns.ts';
import { encodeTyped } from './flat-parquet.ts';
import { decodeColumns } from './parquet.ts';
import type { CompiledSpec } from './schema.ts';
import { getExisting, type ObjectStore } from '../storage/store.ts';
import { fileRows, wideBounds } from './stats.ts';
import { columnsToTyped, sliceTyped } from './typed.ts';
import type { DeltaRow } from './types.ts';

/** What a merge needs from its table. */
export interface MergeContext {
  store: ObjectStore;
  spec: CompiledSpec;
  snapshot: Snapshot;
  index: KeyIndex;
  /** Deleted rows of the table's files (their deletion vectors, loaded once). */
  dvs: DeletionVectorCache;
  /** Merge-on-read: updates write deletion vectors instead of rewriting files. */
  deletionVectors: boolean;
  targetFileRows: number;
  smallFileRows: number;
  now: number;
}

/** A planned commit body: the files written (not yet committed) and the counts. */
export interface MergePlan {
  removes: RemoveAction[];
  adds: AddAction[];
  /** New data files with the keys and versions they hold (for the key index once committed). */
  written: { path: string; keys: string[]; versions: Version[] }[];
  /** Files re-added with a larger deletion vector: their new vector and all its rows. */
  marked: { path: string; old: DeletionVectorDescriptor | null; dv: DeletionVectorDescriptor; rows: number[] }[];
  /** The deletion vector file written for `marked`, if any (uncommitted until the log says so). */
  dvFile?: string;
  inserted: number;
  updated: number;
  skipped: number;
  rowsWritten: number;
}

interface Pending { row: DeltaRow; at: KeyEntry }

/** Plan the batch and write its new data files (uncommitted until the log says so). */
export async function mergeBatch(ctx: MergeContext, batch: ReadonlyMap<string, DeltaRow>): Promise<MergePlan> {
  const { spec, snapshot, index } = ctx;
  const vc = spec.spec.versionColumn;
  const plan: MergePlan = { removes: [], adds: [], written: [], marked: [], inserted: 0, updated: 0, skipped: 0, rowsWritten: 0 };
  await index.ensure(snapshot.files.values(), [...batch.values()]);

  const byFile = new Map<string, Map<string, Pending>>();
  let inserts: DeltaRow[] = [];
  for (const [key, row] of batch) {
    const at = index.get(key);
    if (at === undefined || !snapshot.files.has(at.file)) { inserts.push(row); continue; }
    // The index holds versions, so stale rows are dropped without reading their file.
    if (vc !== undefined && !isNewer(rowVersion(row, vc), at.version)) { plan.skipped++; continue; }
    let m = byFile.get(at.file);
    if (!m) byFile.set(at.file, m = new Map());
    m.set(key, { row, at });
  }

  let packInto: string | undefined;
  if (inserts.length > 0 || (ctx.deletionVectors && byFile.size > 0)) {
    // By live rows, as OPTIMIZE counts: the rewrite drops the file's deleted rows, so its live
    // rows and the new ones are what the result holds. A file without a row count is never chosen.
    let best = Number.POSITIVE_INFINITY;
    for (const add of snapshot.files.values()) {
      const n = fileRows(add)?.live ?? Number.POSITIVE_INFINITY;
      if (n < ctx.smallFileRows && n < best) { best = n; packInto = add.path; }
    }
  }

  // Merge-on-read first: the new versions of the rows it deletes join the rows to write.
  let moved: DeltaRow[] = [];
  if (ctx.deletionVectors) {
    const dvFile = new DeletionVectorFile();
    for (const [path, updates] of byFile) {
      if (path === packInto) continue;
      moved = moved.concat(await markDeleted(ctx, path, updates, dvFile, plan));
    }
    if (!dvFile.empty) {
      // A fresh UUID names the file, so a plain put cannot replace another writer's vector.
      await ctx.store.put(dvFile.path, dvFile.bytes());
      plan.dvFile = dvFile.path;
    }
  }
  if (packInto !== undefined && !byFile.has(packInto) && inserts.length + moved.length > 0) byFile.set(packInto, new Map());

  for (const [path, updates] of byFile) {
    if (ctx.deletionVectors && path !== packInto) continue;
    // Columns of physical values: only the replaced rows are converted, the rest is copied as is.
    const add = snapshot.files.get(path);
    const cols = await liveColumns(ctx, add, path);
    const { keys, versions } = keysAndVersions(cols, spec);
    let changed = false;
    for (let i = 0; i < cols.length; i++) {
      const incoming = updates.get(keys[i])?.row;
      if (incoming === undefined) continue;
      updates.delete(keys[i]);
      const replace = vc !== undefined
        ? isNewer(rowVersion(incoming, vc), versions[i])
        : shouldReplace(incoming, rowAt(cols, i, spec), spec);
      if (replace) {
        setRow(cols, i, incoming, spec);
        versions[i] = rowVersion(incoming, vc);
        plan.updated++;
        changed = true;
      } else plan.skipped++;
    }
    // Keys the index placed here but the file lacks (a stale index) are new after all.
    inserts = inserts.concat([...updates.values()].map(p => p.row));
    if (path === packInto) {
      const rows = moved.concat(inserts);
      if (rows.length > 0) changed = true;
      plan.inserted += inserts.length;
      for (const row of rows) {
        appendRow(cols, row, spec);
        keys.push(rowKey(row, spec.spec.keyColumns));
        versions.push(rowVersion(row, vc));
      }
      inserts = [];
      moved = [];
    }
    if (!changed) continue;
    plan.removes.push(removeOf(ctx, path, add));
    await writeChunks(ctx, cols, keys, versions, plan);
  }
  if (inserts.length + moved.length > 0) {
    plan.inserted += inserts.length;
    const rows = moved.concat(inserts);
    const cols = rowsToBatch(rows, spec);
    await writeChunks(ctx, cols, rows.map(r => rowKey(r, spec.spec.keyColumns)), rows.map(r => rowVersion(r, vc)), plan);
  }
  return plan;
}

/**
 * Merge-on-read of one file: the positions of the rows the batch replaces go into the file's
 * deletion vector (its old rows kept), the file is removed and re-added with it (or only removed
 * when no row is left). Returns the new versions of the replaced rows, to be written elsewhere.
 */
async function markDeleted(ctx: MergeContext, path: string, updates: Map<string, Pending>, dvFile: DeletionVectorFile, plan: MergePlan): Promise<DeltaRow[]> {
  const { spec } = ctx;
  const add = ctx.snapshot.files.get(path);
  if (!add) throw new Error(`merge: ${path} is not in the table`);
  const vc = spec.spec.versionColumn;
  // Without a version column only a changed row replaces the stored one: read the stored rows.
  const stored = vc === undefined ? await decodeColumns(await getExisting(ctx.store, path), spec) : undefined;
  const positions: number[] = [];
  const rows: DeltaRow[] = [];
  for (const { row, at } of updates.values()) {
    if (stored && !shouldReplace(row, rowAt(stored, at.row, spec), spec)) { plan.skipped++; continue; }
    positions.push(at.row);
    rows.push(row);
  }
  if (positions.length === 0) return rows;
  plan.updated += rows.length;
  const old = await ctx.dvs.rows(add.deletionVector);
  const deleted = unionRows(old, positions.sort((a, b) => a - b));
  plan.removes.push(removeOf(ctx, path, add));
  if (deleted.length >= (fileRows(add)?.rows ?? Number.POSITIVE_INFINITY)) return rows; // nothing left in the file: removed only
  const dv = dvFile.add(deleted);
  plan.adds.push({ ...add, dataChange: true, stats: wideBounds(add.stats), deletionVector: dv });
  plan.marked.push({ path, old: add.deletionVector ?? null, dv, rows: deleted });
  return rows;
}

/** What reading and writing data files needs of a merge's context (OPTIMIZE's rewrite shares it). */
export type FileContext = Pick<MergeContext, 'store' | 'spec' | 'dvs' | 'targetFileRows' | 'now'>;

/** A file's columns without the rows its deletion vector deletes (a rewrite drops them for good). */
export async function liveColumns(ctx: FileContext, add: AddAction | undefined, path: string): Promise<ColumnBatch> {
  const cols = await decodeColumns(await getExisting(ctx.store, path), ctx.spec);
  const deleted = await ctx.dvs.rows(add?.deletionVector);
  if (deleted.length === 0) return cols;
  const gone = new Set(deleted);
  const columns = new Map<string, Physical[]>();
  for (const [name, col] of cols.columns) columns.set(name, col.filter((_, i) => !gone.has(i)));
  return { length: cols.length - deleted.length, columns };
}

/** The remove of a logical file (dataChange false: OPTIMIZE, whose adds hold the same rows). */
export function removeOf(ctx: Pick<MergeContext, 'now'>, path: string, add: AddAction | undefined, dataChange = true): RemoveAction {
  return {
    path, deletionTimestamp: ctx.now, dataChange, extendedFileMetadata: true,
    partitionValues: {}, size: add?.size ?? 0,
    // The logical file removed is the path with its vector (PROTOCOL.md "Add File and Remove File").
    ...(add?.deletionVector ? { deletionVector: add.deletionVector } : {}),
  };
}

/**
 * Write `cols` as new data files of at most targetFileRows rows into `plan` (adds, and the keys and
 * versions per file for the key index); dataChange false for OPTIMIZE's rewrite.
 */
export async function writeChunks(ctx: FileContext, cols: ColumnBatch, keys: string[], versions: Version[], plan: Pick<MergePlan, 'adds' | 'written' | 'rowsWritten'>, dataChange = true): Promise<void> {
  // Equal-sized chunks no larger than the target, so a rewrite never leaves a runt file.
  const chunks = Math.max(1, Math.ceil(cols.length / ctx.targetFileRows));
  const per = Math.ceil(cols.length / chunks);
  // The append path's encoder and stats (flat-parquet.ts), one writer for every data file; SNAPPY
  // as merges always wrote (reads back on any Node, whatever its zstd).
  const typed = columnsToTyped(cols, ctx.spec);
  for (let i = 0; i < cols.length; i += per) {
    const part = chunks === 1 ? typed : sliceTyped(typed, i, i + per);
    const path = `part-00000-${randomUUID()}-c000.snappy.parquet`;
    const { bytes, stats } = encodeTyped(part, ctx.spec, { codec: 'SNAPPY' });
    await ctx.store.put(path, bytes);
    plan.adds.push({
      path, partitionValues: {}, size: bytes.length, modificationTime: ctx.now, dataChange, stats,
    });
    plan.written.push({ path, keys: keys.slice(i, i + per), versions: versions.slice(i, i + per) });
    plan.rowsWritten += part.length;
  }
}
