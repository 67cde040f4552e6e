// Pure upsert logic: normalize a batch, keep one row per key, and decide per row against the
// current table row whether it inserts, updates or is ignored (the version guard).
import { isNewer, RowPerKey, type Version } from '../core/row-per-key.ts';
import type { CompiledSpec } from './schema.ts';
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

/** The version of a canonical row, or null (a null version orders below every version). */
export function rowVersion(row: DeltaRow, versionColumn: string | undefined): Version {
  if (versionColumn === undefined) return null;
  const v = row[versionColumn];
  return typeof v === 'number' ? v : null;
}

/**
 * One row per key by the sinks' one rule (`../core/row-per-key.ts`: the highest version wins, ties
 * the later row; without a version column the last row). Returns the winners in first-seen key
 * order and how many rows were dropped.
 */
export function dedupBatch(rows: DeltaRow[], spec: CompiledSpec): { rows: ReadonlyMap<string, DeltaRow>; dropped: number } {
  const winners = new RowPerKey<DeltaRow>(spec.spec);
  for (const raw of rows) winners.offer(normalizeRow(raw, spec));
  return { rows: winners.winners, dropped: winners.dropped };
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
