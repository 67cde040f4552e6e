// The Databricks writer: the same upsert role as the local DeltaTable (rows per table spec, one
// row per key, never back to an older version), executed as DDL + MERGE on a SQL warehouse.
// Each statement is tried once; a failure surfaces as a classified DatabricksStatementError and
// the caller's one retry loop (../core/retry.ts, the sink stage) decides what to do with it.
import { SinkWriteError } from '../core/retry.ts';
import { pickWinners } from '../core/row-per-key.ts';
import type { DeltaRow, DeltaTableSpec, UpsertOptions } from '../delta/index.ts';
import { chunk } from './batch.ts';
import { statementError } from './errors.ts';
import {
  createSchemaSql, createTableSql, defaultMergeMode, MAX_PARAMETERS, mergeSql, offsetMergeSql, offsetSelectSql, OFFSETS_TABLE_SPEC,
  validateSpec, type DatabricksTarget, type MergeMode, type Statement,
} from './sql.ts';

/** A result row of a statement, keyed by column name. */
export type ResultRow = Record<string, unknown>;

/** Runs one statement on the warehouse; the seam between the writer and the driver. */
export interface SqlRunner {
  /** Executes `stmt` and returns its result rows (none for DDL). Throws on failure. */
  run(stmt: Statement): Promise<ResultRow[]>;
  /** Releases the session and connection. */
  close(): Promise<void>;
}

/** Options of the writer. */
export interface DatabricksWriterOptions {
  target: DatabricksTarget;
  /** Merge mode per table name; default: `versioned` with a version column, else `latest`,
   * and `invoice_events` (immutable, keyed by event id) `insert-only`. */
  modes?: Record<string, MergeMode>;
  /** Run `CREATE SCHEMA IF NOT EXISTS` first (default false: needs CREATE SCHEMA on the catalog). */
  createSchema?: boolean;
  /** Parameters per statement before a batch switches to one JSON parameter (default 256). */
  maxParameters?: number;
  /** Rows per MERGE statement; larger batches are split (default 10000). */
  maxRowsPerStatement?: number;
}

/** What one `upsert` did, from the MERGE metrics the warehouse returns. */
export interface DatabricksUpsertResult {
  inserted: number;
  updated: number;
  /** Rows ignored: in-batch duplicates, stale or equal versions, unchanged or already stored rows. */
  skipped: number;
  /** True when the batch was skipped because its txn version was already recorded. */
  txnSkipped: boolean;
  /** MERGE statements sent (chunks). */
  statements: number;
}

const DEFAULT_MODES: Record<string, MergeMode> = { invoice_events: 'insert-only' };

// The batch's or the spec's own fault, found before anything is sent: retrying cannot help.
function rejected(what: string, error: unknown): SinkWriteError {
  return new SinkWriteError(`${what}: ${error instanceof Error ? error.message : String(error)}`, { retriable: false, cause: error });
}

function permanent<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw rejected(what, error);
  }
}

function count(row: ResultRow | undefined, name: string): number {
  const v = row?.[name];
  return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' ? Number(v) : 0;
}

/** One table on the warehouse: created when missing, upserted by version-guarded MERGE. */
export class DatabricksTable {
  readonly spec: DeltaTableSpec;
  readonly mode: MergeMode;
  readonly #writer: DatabricksWriter;

  constructor(writer: DatabricksWriter, spec: DeltaTableSpec, mode: MergeMode) {
    validateSpec(spec, mode);
    this.#writer = writer;
    this.spec = spec;
    this.mode = mode;
  }

  /** The recorded txn version of `appId` for this table (in `_sink_offsets`), or undefined (as DeltaTable's). */
  txnVersion(appId: string): Promise<number | undefined> {
    return this.#writer.txnVersion(this.spec.name, appId);
  }

  /**
   * Upserts a batch. With `txn`, a batch whose version is not above the recorded one is skipped,
   * and the marker is recorded after the data. That is two statements, not one transaction: a
   * crash between them replays the batch, which the version guard makes harmless (README), and
   * so may a retry of the whole upsert. Every error is a SinkWriteError: a failed statement is
   * classified by `statementError`; a batch that cannot become SQL (bad values) is permanent.
   */
  async upsert(rows: readonly DeltaRow[], options: UpsertOptions = {}): Promise<DatabricksUpsertResult> {
    try {
      return await this.#upsert(rows, options);
    } catch (error) {
      if (error instanceof SinkWriteError) throw error;
      throw rejected(`${this.spec.name}: batch rejected`, error);
    }
  }

  async #upsert(rows: readonly DeltaRow[], options: UpsertOptions): Promise<DatabricksUpsertResult> {
    const result: DatabricksUpsertResult = { inserted: 0, updated: 0, skipped: 0, txnSkipped: false, statements: 0 };
    const { txn } = options;
    if (txn !== undefined) {
      const stored = await this.#writer.txnVersion(this.spec.name, txn.appId);
      if (stored !== undefined && txn.version <= stored) return { ...result, skipped: rows.length, txnSkipped: true };
    }
    const unique = pickWinners(this.spec, rows, this.mode);
    for (const part of chunk(unique, this.#writer.maxRowsPerStatement)) {
      const stmt = mergeSql(this.#writer.target, this.spec, part, this.mode, this.#writer.maxParameters);
      const [metrics] = await this.#writer.execute(stmt, true);
      result.inserted += count(metrics, 'num_inserted_rows');
      result.updated += count(metrics, 'num_updated_rows');
      result.statements++;
    }
    result.skipped = rows.length - result.inserted - result.updated;
    if (txn !== undefined) await this.#writer.execute(offsetMergeSql(this.#writer.target, this.spec.name, txn.appId, txn.version), true);
    return result;
  }
}

/** Owns the runner; creates tables on first use and runs every statement once, classifying failures. */
export class DatabricksWriter {
  readonly target: DatabricksTarget;
  readonly maxParameters: number;
  readonly maxRowsPerStatement: number;
  readonly #runner: SqlRunner;
  readonly #options: DatabricksWriterOptions;
  readonly #tables = new Map<string, Promise<DatabricksTable>>();
  #offsetsReady: Promise<void> | null = null;

  constructor(runner: SqlRunner, options: DatabricksWriterOptions) {
    this.#runner = runner;
    this.#options = options;
    this.target = options.target;
    this.maxParameters = options.maxParameters ?? MAX_PARAMETERS;
    this.maxRowsPerStatement = options.maxRowsPerStatement ?? 10_000;
  }

  /** Runs a statement once; a failure throws a DatabricksStatementError, retriable only when `idempotent` and transient. */
  async execute(stmt: Statement, idempotent: boolean): Promise<ResultRow[]> {
    try {
      return await this.#runner.run(stmt);
    } catch (error) {
      throw statementError(error, idempotent);
    }
  }

  /** The table of `spec`, created (with the schema and `_sink_offsets`) when missing. */
  table(spec: DeltaTableSpec): Promise<DatabricksTable> {
    let t = this.#tables.get(spec.name);
    if (t === undefined) {
      const mode = this.#options.modes?.[spec.name] ?? DEFAULT_MODES[spec.name] ?? defaultMergeMode(spec);
      t = (async () => {
        const table = permanent(`table ${spec.name}: invalid spec`, () => new DatabricksTable(this, spec, mode)); // before any DDL
        await this.#ensureOffsets();
        await this.execute({ sql: createTableSql(this.target, spec), params: {} }, true);
        return table;
      })();
      this.#tables.set(spec.name, t);
      // A failed creation is not cached: the next call tries again.
      t.catch(() => this.#tables.delete(spec.name));
    }
    return t;
  }

  /** The recorded txn version of `appId` for `table`, or undefined. */
  async txnVersion(table: string, appId: string): Promise<number | undefined> {
    await this.#ensureOffsets();
    const rows = await this.execute(offsetSelectSql(this.target, table, appId), true);
    return rows.length ? count(rows[0], 'version') : undefined;
  }

  /** Closes the runner. */
  close(): Promise<void> {
    return this.#runner.close();
  }

  #ensureOffsets(): Promise<void> {
    if (this.#offsetsReady === null) {
      this.#offsetsReady = (async () => {
        if (this.#options.createSchema) await this.execute({ sql: createSchemaSql(this.target), params: {} }, true);
        await this.execute({ sql: createTableSql(this.target, OFFSETS_TABLE_SPEC), params: {} }, true);
      })();
      this.#offsetsReady.catch(() => { this.#offsetsReady = null; });
    }
    return this.#offsetsReady;
  }
}
