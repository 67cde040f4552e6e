// Per-file statistics of add actions (numRecords, minValues, maxValues, nullCount), which let
// readers (delta-rs, Spark) and this writer's key index skip files. They are rendered by the one
// data file encoder while it writes (flat-parquet.ts); this module reads them back.
import type { AddAction } from './actions.ts';

/** Live rows under which a file is small: the writer's packing of new rows and OPTIMIZE's packing of files default to it, so both mean the same files. */
export const SMALL_FILE_ROWS = 16_384;

/** Rows per data file the writer and OPTIMIZE aim at, at most (bench/delta-upsert.bench.ts: the trade-off). */
export const TARGET_FILE_ROWS = 65_536;

/** Parsed view of a file's stats that the writer needs back (key ranges for pruning). */
export interface FileStats {
  numRecords: number;
  minValues: Record<string, unknown>;
  maxValues: Record<string, unknown>;
  nullCount: Record<string, number>;
}

// Decimal bounds become numbers: only used for non-money keys.
function parseStats(stats: string | undefined | null): FileStats | undefined {
  if (!stats) return undefined;
  const s = JSON.parse(stats) as Partial<FileStats>;
  if (typeof s.numRecords !== 'number') return undefined;
  return { numRecords: s.numRecords, minValues: s.minValues ?? {}, maxValues: s.maxValues ?? {}, nullCount: s.nullCount ?? {} };
}

// Add actions live in the snapshot across batches, and every batch reads every file's stats (the
// file to pack into, key ranges, OPTIMIZE's plan): parsed once per action. The string parsed is
// kept so that an action whose stats were replaced in place is parsed again, not served stale.
const parsed = new WeakMap<AddAction, { source: AddAction['stats']; stats: FileStats | undefined }>();

/** An add action's parsed stats (undefined: none, or no numRecords), parsed once per action. */
export function statsOf(add: AddAction): FileStats | undefined {
  const hit = parsed.get(add);
  if (hit !== undefined && hit.source === add.stats) return hit.stats;
  const stats = parseStats(add.stats);
  parsed.set(add, { source: add.stats, stats });
  return stats;
}

/** A file's rows: physical (the stats' numRecords) and live (less its deletion vector's); undefined when its stats lack a count. */
export function fileRows(add: AddAction): { rows: number; live: number } | undefined {
  const rows = statsOf(add)?.numRecords;
  if (rows === undefined) return undefined;
  return { rows, live: rows - (add.deletionVector?.cardinality ?? 0) };
}

/**
 * The stats of a file whose deletion vector grew: `tightBounds: false` (PROTOCOL.md "Per-file
 * Statistics": bounds may cover deleted rows), everything else as it was, numRecords included (it
 * counts the file's rows). Edited as text: parsing would turn exact decimal bounds into floats.
 */
export function wideBounds(stats: string | null | undefined): string | null | undefined {
  if (!stats) return stats;
  if (stats.includes('"tightBounds":false')) return stats;
  if (stats.includes('"tightBounds":true')) return stats.replace('"tightBounds":true', '"tightBounds":false');
  return stats.replace(/^\{/, '{"tightBounds":false,');
}
