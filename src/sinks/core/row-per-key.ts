// One row per key, the newest version wins: the rule every sink path applies to a batch (the local
// Delta table, the Databricks writer and the ROW_NUMBER of its MERGE, the sink stage's partition
// buffer), the key encoding they share, and the guard against a row already stored. Versions
// compare exactly (number, bigint or integer string, as integers), never through Number().

/** What the rule needs of a table (a DeltaTableSpec fits). */
export interface KeyedTable {
  readonly keyColumns: readonly string[];
  readonly versionColumn?: string | undefined;
}

/** A row: cells by column name. */
export type Row = Readonly<Record<string, unknown>>;

/** A version cell: an integer (number, bigint or decimal string); null orders below every version. */
export type Version = number | bigint | string | null;

/**
 * Which row of a key wins within a batch. `versioned`: the highest version, ties the later row;
 * `latest`: the later row; `insert-only`: the first row (immutable rows are never replaced).
 */
export type WinnerMode = 'versioned' | 'latest' | 'insert-only';

/**
 * One term of the winner order: rows of a key sorted by the terms, the first one wins. A `version`
 * term orders nulls lowest; `arrival` is the row's position in the batch (the MERGE's `_ord`).
 */
export type OrderTerm =
  | { readonly by: 'version'; readonly column: string; readonly direction: 'ASC' | 'DESC' }
  | { readonly by: 'arrival'; readonly direction: 'ASC' | 'DESC' };

/** The mode a table implies: `versioned` with a version column, else `latest`. */
export function defaultWinnerMode(table: KeyedTable): WinnerMode {
  return table.versionColumn === undefined ? 'latest' : 'versioned';
}

/** The winner order of a mode; the SQL's `ROW_NUMBER() ... ORDER BY` is rendered from it. */
export function winnerOrder(table: KeyedTable, mode: WinnerMode = defaultWinnerMode(table)): readonly OrderTerm[] {
  switch (mode) {
    case 'versioned': {
      const column = table.versionColumn;
      if (column === undefined) throw new Error('versioned: the table has no version column');
      return [{ by: 'version', column, direction: 'DESC' }, { by: 'arrival', direction: 'DESC' }];
    }
    case 'latest':
      return [{ by: 'arrival', direction: 'DESC' }];
    case 'insert-only':
      return [{ by: 'arrival', direction: 'ASC' }];
  }
}

const INTEGER_TEXT = /^[+-]?\d+$/;

function exact(v: unknown): number | bigint | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return v; // a number compares with a bigint exactly
  if (typeof v === 'string' && INTEGER_TEXT.test(v)) return BigInt(v);
  throw new Error(`version ${String(v)} is not an integer`);
}

/** Total order of versions, exact at any size; null (or undefined) is below every version. */
export function compareVersions(a: unknown, b: unknown): -1 | 0 | 1 {
  const x = exact(a);
  const y = exact(b);
  if (x === null) return y === null ? 0 : -1;
  if (y === null) return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** True when a row at version `incoming` may replace a stored row at `stored`: strictly newer only. */
export function isNewer(incoming: unknown, stored: unknown): boolean {
  return incoming !== null && incoming !== undefined && compareVersions(incoming, stored) > 0;
}

/** True when `incoming`, arriving after `held` in the batch, takes its key under `order`. */
export function beats(incoming: Row, held: Row, order: readonly OrderTerm[]): boolean {
  for (const term of order) {
    const c = term.by === 'arrival' ? 1 : compareVersions(incoming[term.column], held[term.column]);
    if (c !== 0) return term.direction === 'DESC' ? c > 0 : c < 0;
  }
  return false;
}

function keyCell(row: Row, column: string): unknown {
  const v = row[column];
  if (v === null || v === undefined) throw new Error(`key column ${column} is null`);
  return v;
}

/**
 * The key of a row as one string: a single string key as itself, any other key as JSON of its
 * cells (so composite keys cannot collide). Throws on a null key cell.
 */
export function rowKey(row: Row, keyColumns: readonly string[]): string {
  if (keyColumns.length === 1) {
    const v = keyCell(row, keyColumns[0] as string);
    return typeof v === 'string' ? v : JSON.stringify(v);
  }
  return JSON.stringify(keyColumns.map((k) => keyCell(row, k)));
}

/** The winners of a batch so far: one row per key, kept in the order their keys first appeared. */
export class RowPerKey<R extends Row> {
  readonly #keyColumns: readonly string[];
  readonly #order: readonly OrderTerm[];
  readonly #winners = new Map<string, R>();
  /** Rows offered that are not (or no longer) their key's winner. */
  dropped = 0;

  constructor(table: KeyedTable, mode: WinnerMode = defaultWinnerMode(table)) {
    this.#keyColumns = table.keyColumns;
    this.#order = winnerOrder(table, mode);
  }

  /** Offers the batch's next row; true when it is now its key's winner. */
  offer(row: R): boolean {
    const key = rowKey(row, this.#keyColumns);
    const held = this.#winners.get(key);
    if (held === undefined) {
      this.#winners.set(key, row);
      return true;
    }
    this.dropped++;
    if (!beats(row, held, this.#order)) return false;
    this.#winners.set(key, row);
    return true;
  }

  /** Distinct keys held. */
  get size(): number {
    return this.#winners.size;
  }

  /** The winners by key. */
  get winners(): ReadonlyMap<string, R> {
    return this.#winners;
  }

  /** The winning rows. */
  rows(): R[] {
    return [...this.#winners.values()];
  }

  /** Starts a new batch. */
  clear(): void {
    this.#winners.clear();
    this.dropped = 0;
  }
}

/** One row per key of `rows` (in the order keys first appeared), under `mode`. */
export function pickWinners<R extends Row>(table: KeyedTable, rows: Iterable<R>, mode?: WinnerMode): R[] {
  const winners = new RowPerKey<R>(table, mode);
  for (const row of rows) winners.offer(row);
  return winners.rows();
}
