// Public types of the local Delta Lake writer. The invoice pipeline codes against these, so they
// change only in backward-compatible steps.
import type { FlatCodec } from './flat-parquet.ts';

/** A Delta primitive type the writer supports. */
export type DeltaColumnType =
  | 'string'
  | 'long'
  | 'integer'
  | 'boolean'
  | 'date'
  | 'timestamp'
  | `decimal(${number},${number})`;

/** One column of a table. */
export interface DeltaColumn {
  name: string;
  type: DeltaColumnType;
  nullable: boolean;
}

/** A table: its columns, its key (one row per key) and the column that orders versions of a row. */
export interface DeltaTableSpec {
  name: string;
  columns: DeltaColumn[];
  keyColumns: string[];
  versionColumn?: string;
}

/**
 * A cell value. decimal: exact string ("3978.28"); date: "YYYY-MM-DD"; timestamp: RFC 3339 UTC
 * string with up to microseconds; long/integer: number (safe integer).
 */
export type DeltaValue = string | number | boolean | null;

/** A row keyed by column name. */
export type DeltaRow = Record<string, DeltaValue>;

/** Options of `upsert`. */
export interface UpsertOptions {
  /** Recorded as a `txn` action in the same commit; a batch whose version is not above the
   * recorded one for `appId` is skipped (a replay after a crash). */
  txn?: { appId: string; version: number };
}

/** Options of `append`. */
export interface AppendOptions extends UpsertOptions {
  /** Data page compression (default SNAPPY; ZSTD: smaller and cheaper to write, see flat-parquet.ts). */
  codec?: FlatCodec;
}

/** What one `upsert` did. */
export interface UpsertResult {
  /** Table version committed, or null when nothing was committed. */
  version: number | null;
  /** Rows after in-batch dedup that were inserted (new keys). */
  inserted: number;
  /** Rows that replaced an existing row (newer version, or changed content without a version column). */
  updated: number;
  /** Rows ignored: stale or equal version, identical content, or duplicates within the batch. */
  skipped: number;
  /** True when the whole batch was skipped because its txn version was already committed. */
  txnSkipped: boolean;
  /** Data files that left the table, and new data files, in the commit. */
  filesRemoved: number;
  filesAdded: number;
  /** Files that stayed with a larger deletion vector (merge-on-read updates). */
  deletionVectors: number;
  /** Rows written to new data files (rewritten old rows and new versions of updated rows included). */
  rowsWritten: number;
}

/** Tuning of a table writer; defaults suit tables of up to a few million rows. */
export interface DeltaTableOptions {
  /** Write a checkpoint every N versions (default 10). */
  checkpointInterval?: number;
  /** Upper bound of rows per data file (default TARGET_FILE_ROWS, 65536: see bench/delta-upsert.bench.ts for the trade-off). */
  targetFileRows?: number;
  /** Files with fewer rows left take in the new keys of a batch (default SMALL_FILE_ROWS, 16384): bounds small files. */
  smallFileRows?: number;
  /** Whether a table this call creates gets deletion vectors (merge-on-read updates; default true).
   * Existing tables keep their protocol: see `DeltaTable.enableDeletionVectors`. */
  deletionVectors?: boolean;
  /** Compaction between batches (OPTIMIZE, bounded in time; see `CompactionOptions`); absent: none. */
  compaction?: CompactionOptions;
  /** Clock for commit timestamps (tests). */
  now?: () => number;
  /**
   * Told of trouble in the writer's own background work that fails no call (a compaction run that
   * failed), one line naming the table; the sink logs it as a warning. Default: a line on stderr.
   */
  warn?: (message: string) => void;
}

/**
 * OPTIMIZE run by the writer itself after each batch that committed, before the next call: the
 * files past `deletedFraction`, and the small ones, rewritten for at most `maxMillisPerBatch`
 * (measured rewrite speed decides whether one more group of files fits; at least one group per run,
 * so a group of up to targetFileRows rows is the finest step).
 */
export interface CompactionOptions {
  /** Rewrite a file once its deletion vector deletes this fraction of its rows (default 0.2). */
  deletedFraction?: number;
  /** Files with fewer rows left are packed together (default SMALL_FILE_ROWS, 16384). */
  minFileRows?: number;
  /** Time one run may take (default 500 ms). */
  maxMillisPerBatch?: number;
}

/** What the writer's own compaction did so far (benches, metrics, tests). */
export interface CompactionStats {
  runs: number;
  commits: number;
  /** Runs given up because another writer changed a file being rewritten. */
  conflicts: number;
  /** Runs that failed (storage trouble): the next batch's run tries again. */
  errors: number;
  filesRemoved: number;
  filesAdded: number;
  rowsWritten: number;
  lastError?: string;
}
