// Chunks that bound a statement's size. A batch is deduplicated (one row per key, by the sinks' one
// rule in ../core/row-per-key.ts) before it is chunked: for `latest` tables, two rows of one key in
// different chunks would otherwise let the older one land last.

/** Splits rows into chunks of at most `size`. */
export function chunk<T>(rows: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`invalid chunk size ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
