// Per-file statistics for the add action (numRecords, minValues, maxValues, nullCount), computed
// from the rows while they are written, so readers (delta-rs, Spark) can skip files.
import type { ColumnBatch } from './columnar.ts';
import type { ColumnCodec, Physical, StatValue } from './columns.ts';
import type { DeltaRow } from './types.ts';
import { floorDiv, timestampToMicros } from './values.ts';

/** Parsed view of a file's stats that the writer needs back (key ranges for pruning). */
export interface FileStats {
  numRecords: number;
  minValues: Record<string, unknown>;
  maxValues: Record<string, unknown>;
  nullCount: Record<string, number>;
}

// Decimals are written as exact JSON numbers; JSON.stringify cannot, so they travel as marked
// strings and the marks are stripped after stringification.
const RAW_MARK = '\u0000raw:';
const RAW_RE = /"\\u0000raw:(-?\d+(?:\.\d+)?)"/g;

function render(v: StatValue): unknown {
  return typeof v === 'object' ? RAW_MARK + v.raw : v;
}

/** Timestamps in stats have millisecond precision: widen min down and max up so bounds stay true. */
function timestampBound(ts: string, up: boolean): string {
  const micros = timestampToMicros(ts);
  let ms = floorDiv(micros, 1000n);
  if (up && ms * 1000n !== micros) ms += 1n;
  return new Date(Number(ms)).toISOString();
}

/** Compute the stats JSON string of canonical `rows` for the given columns. */
export function computeStats(rows: DeltaRow[], codecs: ColumnCodec[]): string {
  const columns = new Map<string, Physical[]>();
  for (const c of codecs) columns.set(c.column.name, rows.map(r => c.toPhysical(r[c.column.name] ?? null)));
  return computeBatchStats({ length: rows.length, columns }, codecs);
}

/** Compute the stats JSON string of a column batch: bounds found on physical values, then rendered. */
export function computeBatchStats(batch: ColumnBatch, codecs: ColumnCodec[]): string {
  const minValues: Record<string, unknown> = {};
  const maxValues: Record<string, unknown> = {};
  const nullCount: Record<string, number> = {};
  for (const codec of codecs) {
    const name = codec.column.name;
    const col = batch.columns.get(name) ?? [];
    let min: Physical = null;
    let max: Physical = null;
    let nulls = 0;
    for (let i = 0; i < batch.length; i++) {
      const v = col[i];
      if (v === null || v === undefined) { nulls++; continue; }
      if (min === null || codec.comparePhysical(v, min) < 0) min = v;
      if (max === null || codec.comparePhysical(v, max) > 0) max = v;
    }
    nullCount[name] = nulls;
    // Booleans carry no min/max in Delta stats (Spark writes none either).
    if (min === null || max === null || codec.column.type === 'boolean') continue;
    const lo = codec.fromPhysical(min);
    const hi = codec.fromPhysical(max);
    if (codec.column.type === 'timestamp') {
      minValues[name] = timestampBound(lo as string, false);
      maxValues[name] = timestampBound(hi as string, true);
    } else {
      minValues[name] = render(codec.stat(lo));
      maxValues[name] = render(codec.stat(hi));
    }
  }
  const json = JSON.stringify({ numRecords: batch.length, minValues, maxValues, nullCount });
  return json.replace(RAW_RE, '$1');
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
