// Client-side preparation of a batch: one row per key (the same rule the MERGE applies in SQL) and
// chunks that bound a statement's size. Deduplicating before chunking matters for `latest` tables:
// two rows of one key in different chunks would otherwise let the older one land last.
import type { DeltaRow, DeltaTableSpec } from '../delta/index.ts';
import type { MergeMode } from './sql.ts';

/** The key of a row as a string (JSON of the key cells, so composite keys cannot collide). */
export function rowKey(spec: DeltaTableSpec, row: DeltaRow): string {
  return JSON.stringify(spec.keyColumns.map(k => row[k] ?? null));
}

/**
 * One row per key: `versioned` keeps the highest version (ties: the later row), `latest` the
 * last row, `insert-only` the first. Output keeps the order in which keys first appeared.
 */
export function dedupBatch(spec: DeltaTableSpec, rows: readonly DeltaRow[], mode: MergeMode): DeltaRow[] {
  const winners = new Map<string, DeltaRow>();
  const v = spec.versionColumn;
  for (const row of rows) {
    const k = rowKey(spec, row);
    const prev = winners.get(k);
    if (prev === undefined) {
      winners.set(k, row);
    } else if (mode === 'latest') {
      winners.set(k, row);
    } else if (mode === 'versioned' && v !== undefined && Number(row[v]) >= Number(prev[v])) {
      winners.set(k, row);
    }
  }
  return [...winners.values()];
}

/** Splits rows into chunks of at most `size`. */
export function chunk<T>(rows: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`invalid chunk size ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
