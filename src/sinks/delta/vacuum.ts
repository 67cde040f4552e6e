// VACUUM: delete the data files and deletion vector files that the current snapshot does not
// reference, once they are older than the table's retention (PROTOCOL.md "Add File and Remove
// File": a tombstone expires when the current time passes its deletionTimestamp plus the
// threshold; `delta.deletedFileRetentionDuration`, default 7 days). A file is kept while the
// current version references it, while an unexpired tombstone names it (readers of a recent
// version), and while the store says it was written within the retention (a writer's files not
// yet committed have no tombstone, only their age). Only the table's own data and DV file names
// at its root are ever candidates; the log and anything else in the location are never touched.
import type { ObjectInfo, ObjectStore } from '../storage/store.ts';
import type { MetaDataAction, Snapshot } from './actions.ts';
import { deletionVectorPath, type DeletionVectorDescriptor } from './deletion-vector.ts';
import { openForMaintenance } from './protocol.ts';

/** Delta's default `delta.deletedFileRetentionDuration`: one week. */
export const DEFAULT_RETENTION_MS = 7 * 86_400_000;

/** The table property that sets how long removed files are kept. */
export const RETENTION_PROPERTY = 'delta.deletedFileRetentionDuration';

// Data files (ours, Spark's, delta-rs's: part-…parquet) and DV files, at the table root only.
const DATA_FILE = /^part-[^/]*\.parquet$/;
const DV_FILE = /^deletion_vector_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.bin$/;

const UNIT_MS: Record<string, number> = {
  millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000,
};

/** A CalendarInterval property value (`interval 7 days`, `interval 168 hours`) in milliseconds. */
export function parseInterval(text: string): number {
  const parts = text.trim().toLowerCase().replace(/^interval\s+/, '').split(/\s+/);
  if (parts.length === 0 || parts.length % 2 !== 0) throw new Error(`not an interval: ${text}`);
  let ms = 0;
  for (let i = 0; i < parts.length; i += 2) {
    const n = Number(parts[i]);
    const unit = UNIT_MS[parts[i + 1].replace(/s$/, '')];
    if (!Number.isFinite(n) || n < 0 || unit === undefined) throw new Error(`not an interval: ${text}`);
    ms += n * unit;
  }
  return ms;
}

/** The table's retention of removed files: its `delta.deletedFileRetentionDuration`, else 7 days. */
export function retentionOf(metaData: MetaDataAction | undefined): number {
  const value = metaData?.configuration[RETENTION_PROPERTY];
  return value ? parseInterval(value) : DEFAULT_RETENTION_MS;
}

/** A DV file's key in the table's store ('u' vectors); inline and absolute vectors name none. */
function dvKey(dv: DeletionVectorDescriptor | null | undefined): string | undefined {
  return dv?.storageType === 'u' ? deletionVectorPath('', dv) : undefined;
}

// Log paths are URIs (RFC 2396): the file's key is the decoded path. The protocol also allows
// absolute paths (another engine's `s3://…` or `file:///…`); such a file would never match its
// listed key and would be deleted while the table still needs it, so VACUUM refuses the table.
const keyOf = (path: string): string => {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/')) throw new Error(`the log names a file by an absolute path (${path}): refusing to vacuum a table this writer cannot match paths for`);
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
};

/** The keys VACUUM must keep: the current files and their vectors, and those of unexpired tombstones. */
export function referencedKeys(snap: Snapshot, cutoff: number): Set<string> {
  const keep = new Set<string>();
  const add = (path: string, dv: DeletionVectorDescriptor | null | undefined): void => {
    keep.add(keyOf(path));
    const k = dvKey(dv);
    if (k !== undefined) keep.add(k);
  };
  for (const f of snap.files.values()) add(f.path, f.deletionVector);
  for (const r of snap.tombstones.values()) if ((r.deletionTimestamp ?? 0) >= cutoff) add(r.path, r.deletionVector);
  return keep;
}

/** The objects VACUUM deletes: the table's data and DV files, unreferenced, written before `cutoff`. */
export function vacuumCandidates(snap: Snapshot, objects: readonly ObjectInfo[], cutoff: number): string[] {
  const keep = referencedKeys(snap, cutoff);
  return objects
    .filter(o => (DATA_FILE.test(o.key) || DV_FILE.test(o.key)) && !keep.has(o.key) && o.lastModified < cutoff)
    .map(o => o.key)
    .sort();
}

/** Options of `vacuum`. */
export interface VacuumOptions {
  /** Keep unreferenced files younger than this (default: the table's retention, 7 days unless set). */
  retentionMs?: number;
  /** List what would be deleted, delete nothing. */
  dryRun?: boolean;
  /** Refuse a retention shorter than the table's (default true): a running writer's uncommitted files
   * and the files of a version a reader still reads are only protected by it. */
  enforceRetention?: boolean;
  /** Clock (tests). */
  now?: () => number;
}

/** What `vacuum` deleted (or would delete, in a dry run). */
export interface VacuumResult {
  /** The table version whose files were kept. */
  version: number;
  retentionMs: number;
  dryRun: boolean;
  /** Keys of the files deleted (or to be deleted), relative to the table root. */
  files: string[];
}

/**
 * VACUUM the table at `location` (a path, `file://…`, `s3://bucket/prefix`, or a store): delete the
 * data and DV files the current version does not reference, older than the retention.
 */
export async function vacuum(location: string | ObjectStore, options: VacuumOptions = {}): Promise<VacuumResult> {
  const { store, dir, snap } = await openForMaintenance(location);
  if (snap.metaData.partitionColumns.length > 0) throw new Error(`${dir}: partitioned tables are not supported`);
  const tableRetention = retentionOf(snap.metaData);
  const retentionMs = options.retentionMs ?? tableRetention;
  if (!(retentionMs >= 0)) throw new Error(`${dir}: retention must be a non-negative duration`);
  if (retentionMs < tableRetention && options.enforceRetention !== false) {
    throw new Error(`${dir}: retention ${hours(retentionMs)} h is below the table's ${hours(tableRetention)} h (${RETENTION_PROPERTY}): files a running writer has not committed yet, or a reader of a recent version still needs, could go; lower it only with the writers stopped (--no-retention-check)`);
  }
  const now = (options.now ?? Date.now)();
  // The listing comes after the snapshot: a file committed in between is younger than any sane
  // retention, and a file removed in between is still referenced in this snapshot.
  const files = vacuumCandidates(snap, await store.listInfo(''), now - retentionMs);
  if (!options.dryRun) {
    // A few deletes at a time: one request each on S3.
    for (let i = 0; i < files.length; i += 16) await Promise.all(files.slice(i, i + 16).map(k => store.delete(k)));
  }
  return { version: snap.version, retentionMs, dryRun: options.dryRun === true, files };
}

const hours = (ms: number): string => String(Math.round((ms / 3_600_000) * 100) / 100);
