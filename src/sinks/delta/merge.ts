// Copy-on-write merge of one deduplicated batch: find the files holding affected keys (key index),
// rewrite only those with at least one changed row, and put new keys into a new file, or into the
// smallest small file so that small batches do not leave one tiny file per commit.
import { randomUUID } from 'node:crypto';
import { isNewer, rowKey, type Version } from '../core/row-per-key.ts';
import type { AddAction, RemoveAction, Snapshot } from './actions.ts';
import { rowVersion, shouldReplace } from './batch.ts';
import type { KeyIndex } from './key-index.ts';
import { appendRow, keysAndVersions, rowAt, rowsToBatch, setRow, type ColumnBatch } from './columnar.ts';
import { encodeTyped } from './flat-parquet.ts';
import { decodeColumns } from './parquet.ts';
import type { CompiledSpec } from './schema.ts';
import { getExisting, type ObjectStore } from '../storage/store.ts';
import { parseStats } from './stats.ts';
import { columnsToTyped, sliceTyped } from './typed.ts';
import type { DeltaRow } from './types.ts';

/** What a merge needs from its table. */
export interface MergeContext {
  store: ObjectStore;
  spec: CompiledSpec;
  snapshot: Snapshot;
  index: KeyIndex;
  targetFileRows: number;
  smallFileRows: number;
  now: number;
}

/** A planned commit body: the files written (not yet committed) and the counts. */
export interface MergePlan {
  removes: RemoveAction[];
  adds: AddAction[];
  /** New files with the keys and versions they hold (for the key index once committed). */
  written: { path: string; keys: string[]; versions: Version[] }[];
  inserted: number;
  updated: number;
  skipped: number;
  rowsWritten: number;
}

function numRecords(add: AddAction): number {
  return parseStats(add.stats)?.numRecords ?? Number.POSITIVE_INFINITY;
}

/** Plan the batch and write its new data files (uncommitted until the log says so). */
export async function mergeBatch(ctx: MergeContext, batch: ReadonlyMap<string, DeltaRow>): Promise<MergePlan> {
  const { spec, snapshot, index } = ctx;
  const vc = spec.spec.versionColumn;
  const plan: MergePlan = { removes: [], adds: [], written: [], inserted: 0, updated: 0, skipped: 0, rowsWritten: 0 };
  await index.ensure(snapshot.files.values(), [...batch.values()]);

  const byFile = new Map<string, Map<string, DeltaRow>>();
  let inserts: DeltaRow[] = [];
  for (const [key, row] of batch) {
    const at = index.get(key);
    if (at === undefined || !snapshot.files.has(at.file)) { inserts.push(row); continue; }
    // The index holds versions, so stale rows are dropped without reading their file.
    if (vc !== undefined && !isNewer(rowVersion(row, vc), at.version)) { plan.skipped++; continue; }
    let m = byFile.get(at.file);
    if (!m) byFile.set(at.file, m = new Map());
    m.set(key, row);
  }

  let packInto: string | undefined;
  if (inserts.length > 0) {
    let best = Number.POSITIVE_INFINITY;
    for (const add of snapshot.files.values()) {
      const n = numRecords(add);
      if (n < ctx.smallFileRows && n < best) { best = n; packInto = add.path; }
    }
    if (packInto !== undefined && !byFile.has(packInto)) byFile.set(packInto, new Map());
  }

  for (const [path, updates] of byFile) {
    // Columns of physical values: only the replaced rows are converted, the rest is copied as is.
    const cols = await decodeColumns(await getExisting(ctx.store, path), spec);
    const { keys, versions } = keysAndVersions(cols, spec);
    let changed = false;
    for (let i = 0; i < cols.length; i++) {
      const incoming = updates.get(keys[i]);
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
    inserts = inserts.concat([...updates.values()]);
    if (path === packInto) {
      if (inserts.length > 0) changed = true;
      plan.inserted += inserts.length;
      for (const row of inserts) {
        appendRow(cols, row, spec);
        keys.push(rowKey(row, spec.spec.keyColumns));
        versions.push(rowVersion(row, vc));
      }
      inserts = [];
    }
    if (!changed) continue;
    const old = snapshot.files.get(path);
    plan.removes.push({
      path, deletionTimestamp: ctx.now, dataChange: true, extendedFileMetadata: true,
      partitionValues: {}, size: old?.size ?? 0,
    });
    await writeChunks(ctx, cols, keys, versions, plan);
  }
  if (inserts.length > 0) {
    plan.inserted += inserts.length;
    const cols = rowsToBatch(inserts, spec);
    await writeChunks(ctx, cols, inserts.map(r => rowKey(r, spec.spec.keyColumns)), inserts.map(r => rowVersion(r, vc)), plan);
  }
  return plan;
}

async function writeChunks(ctx: MergeContext, cols: ColumnBatch, keys: string[], versions: Version[], plan: MergePlan): Promise<void> {
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
      path, partitionValues: {}, size: bytes.length, modificationTime: ctx.now, dataChange: true, stats,
    });
    plan.written.push({ path, keys: keys.slice(i, i + per), versions: versions.slice(i, i + per) });
    plan.rowsWritten += part.length;
  }
}
