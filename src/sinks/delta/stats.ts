// Per-file statistics of add actions (numRecords, minValues, maxValues, nullCount), which let
// readers (delta-rs, Spark) and this writer's key index skip files. They are rendered by the one
// data file encoder while it writes (flat-parquet.ts); this module reads them back.

/** Parsed view of a file's stats that the writer needs back (key ranges for pruning). */
export interface FileStats {
  numRecords: number;
  minValues: Record<string, unknown>;
  maxValues: Record<string, unknown>;
  nullCount: Record<string, number>;
}

/** Parse an add action's stats (decimal bounds become numbers: only used for non-money keys). */
export function parseStats(stats: string | undefined | null): FileStats | undefined {
  if (!stats) return undefined;
  const s = JSON.parse(stats) as Partial<FileStats>;
  if (typeof s.numRecords !== 'number') return undefined;
  return { numRecords: s.numRecords, minValues: s.minValues ?? {}, maxValues: s.maxValues ?? {}, nullCount: s.nullCount ?? {} };
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
