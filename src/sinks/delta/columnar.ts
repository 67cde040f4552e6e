// Column batches: a data file's rows as one array of physical values per column. Copy-on-write
// works on these, so the unchanged rows of a rewritten file go from reader to writer untouched.
import { rowKey, type Version } from '../core/row-per-key.ts';
import type { Physical } from './columns.ts';
import type { CompiledSpec } from './schema.ts';
import type { DeltaRow } from './types.ts';

/** Rows as columns of physical values, by column name. */
export interface ColumnBatch {
  length: number;
  columns: Map<string, Physical[]>;
}

/** An empty batch with the given columns. */
export function emptyBatch(names: string[]): ColumnBatch {
  return { length: 0, columns: new Map(names.map(n => [n, []])) };
}

/** Canonical rows to a column batch (all columns of the spec). */
export function rowsToBatch(rows: DeltaRow[], spec: CompiledSpec): ColumnBatch {
  const batch = emptyBatch(spec.codecs.map(c => c.column.name));
  for (const row of rows) appendRow(batch, row, spec);
  return batch;
}

/** Append one canonical row. */
export function appendRow(batch: ColumnBatch, row: DeltaRow, spec: CompiledSpec): void {
  for (const c of spec.codecs) batch.columns.get(c.column.name)?.push(c.toPhysical(row[c.column.name] ?? null));
  batch.length++;
}

/** Overwrite row `i` with a canonical row. */
export function setRow(batch: ColumnBatch, i: number, row: DeltaRow, spec: CompiledSpec): void {
  for (const c of spec.codecs) {
    const col = batch.columns.get(c.column.name);
    if (col) col[i] = c.toPhysical(row[c.column.name] ?? null);
  }
}

/** Row `i` as a canonical row (only the batch's columns). */
export function rowAt(batch: ColumnBatch, i: number, spec: CompiledSpec): DeltaRow {
  const row: DeltaRow = {};
  for (const [name, col] of batch.columns) {
    const codec = spec.byName.get(name);
    if (codec) row[name] = codec.fromPhysical(col[i]);
  }
  return row;
}

/** Every row as canonical rows. */
export function batchToRows(batch: ColumnBatch, spec: CompiledSpec): DeltaRow[] {
  const out: DeltaRow[] = new Array(batch.length);
  for (let i = 0; i < batch.length; i++) out[i] = rowAt(batch, i, spec);
  return out;
}

/** The rows of several batches with the same columns, one after the other. */
export function concatBatches(batches: ColumnBatch[], names: string[]): ColumnBatch {
  if (batches.length === 1) return batches[0];
  const columns = new Map<string, Physical[]>();
  for (const name of names) columns.set(name, batches.flatMap(b => b.columns.get(name) ?? []));
  return { length: batches.reduce((n, b) => n + b.length, 0), columns };
}

/** Rows [start, end) as a new batch (arrays copied, values shared). */
export function sliceBatch(batch: ColumnBatch, start: number, end: number): ColumnBatch {
  const columns = new Map<string, Physical[]>();
  for (const [name, col] of batch.columns) columns.set(name, col.slice(start, end));
  return { length: Math.min(end, batch.length) - start, columns };
}

/** The key string (as `rowKey` makes it) and the version of every row; needs the key and version columns. */
export function keysAndVersions(batch: ColumnBatch, spec: CompiledSpec): { keys: string[]; versions: Version[] } {
  const { keyColumns, versionColumn } = spec.spec;
  const keys: string[] = new Array(batch.length);
  const versions: Version[] = new Array(batch.length);
  const keyCols = keyColumns.map(k => batch.columns.get(k));
  const single = keyColumns.length === 1 ? spec.keyCodecs[0] : undefined;
  const vcol = versionColumn === undefined ? undefined : batch.columns.get(versionColumn);
  for (let i = 0; i < batch.length; i++) {
    if (single && single.column.type === 'string' && keyCols[0]) {
      keys[i] = single.fromPhysical(keyCols[0][i]) as string; // the common case: no row object
    } else {
      const row: DeltaRow = {};
      keyColumns.forEach((k, j) => { row[k] = spec.byName.get(k)?.fromPhysical(keyCols[j]?.[i]) ?? null; });
      keys[i] = rowKey(row, keyColumns);
    }
    // The physical value as read (INT64: bigint, INT32: number): compared exactly, never via Number().
    versions[i] = (vcol?.[i] ?? null) as Version;
  }
  return { keys, versions };
}
