// Pure upsert logic: normalize a batch, keep one row per key, and decide per row against the
// current table row whether it inserts, updates or is ignored (the version guard).
import type { CompiledSpec } from './schema.ts';
import { rowKey } from './schema.ts';
import type { DeltaRow, DeltaValue } from './types.ts';

/** Normalize every row to the table's canonical values; throws on bad input (no partial batch). */
export function normalizeRow(row: DeltaRow, spec: CompiledSpec): DeltaRow {
  const out: DeltaRow = {};
  for (const c of spec.codecs) out[c.column.name] = c.normalize(row[c.column.name]);
  for (const k of Object.keys(row)) {
    if (!spec.byName.has(k)) throw new Error(`table ${spec.spec.name}: unknown column ${k}`);
  }
  return out;
}

/** The version of a row, or null (a null version orders below every version). */
export function rowVersion(row: DeltaRow, versionColumn: string | undefined): number | null {
  if (versionColumn === undefined) return null;
  const v = row[versionColumn];
  return typeof v === 'number' ? v : null;
}

/** True when `incoming` may replace a row whose version is `current`: strictly newer only. */
export function isNewer(incoming: number | null, current: number | null): boolean {
  if (incoming === null) return false;
  return current === null || incoming > current;
}

/**
 * One row per key: the highest version wins (ties: the later row), or the last row when the table
 * has no version column. Returns the winners in first-seen key order and how many were dropped.
 */
export function dedupBatch(rows: DeltaRow[], spec: CompiledSpec): { rows: Map<string, DeltaRow>; dropped: number } {
  const vc = spec.spec.versionColumn;
  const out = new Map<string, DeltaRow>();
  let dropped = 0;
  for (const raw of rows) {
    const row = normalizeRow(raw, spec);
    const key = rowKey(row, spec.spec.keyColumns);
    const prev = out.get(key);
    if (prev !== undefined) {
      dropped++;
      if (vc !== undefined && !isNewer(rowVersion(row, vc), rowVersion(prev, vc)) && rowVersion(row, vc) !== rowVersion(prev, vc)) continue;
    }
    out.set(key, row);
  }
  return { rows: out, dropped };
}

/** Cell-by-cell equality of two canonical rows. */
export function sameRow(a: DeltaRow, b: DeltaRow, spec: CompiledSpec): boolean {
  for (const c of spec.codecs) {
    const x: DeltaValue = a[c.column.name] ?? null;
    const y: DeltaValue = b[c.column.name] ?? null;
    if (x !== y) return false;
  }
  return true;
}

/** Whether `incoming` should replace `current` (same key) under the table's rules. */
export function shouldReplace(incoming: DeltaRow, current: DeltaRow, spec: CompiledSpec): boolean {
  const vc = spec.spec.versionColumn;
  if (vc !== undefined) return isNewer(rowVersion(incoming, vc), rowVersion(current, vc));
  return !sameRow(incoming, current, spec);
}
