// The sink stage's seams: what it writes to (TableWriter), what it reads (routes from topics to
// tables with a record → row mapping supplied by the app), and its tuning.
import type { ConsumedRecord } from '../runtime/client/api.ts';
import { DEFAULT_RETRY_POLICY } from '../sinks/core/retry.ts';
import type { DeltaRow, DeltaTableSpec } from '../sinks/delta/index.ts';

/** The idempotency token of one commit: the source partition and the last offset it includes. */
export interface Txn {
  appId: string;
  version: number;
}

/**
 * The target of one table: the local DeltaTable (through `deltaTableWriter`) or a Databricks
 * table (`DatabricksTable` has this shape as it is). A writer tries each call once and throws a
 * classified `SinkWriteError` (../core/retry.ts): the stage's one retry loop fails at once on a
 * permanent error and retries a retriable (or unclassified) one until `retryTimeoutMs`.
 */
export interface TableWriter {
  /** The last txn version recorded for `appId`, read fresh from the target (undefined: none). */
  txnVersion(appId: string): Promise<number | undefined>;
  /** Upserts a batch with its txn; a batch whose txn version is not above the recorded one is skipped. */
  upsert(rows: DeltaRow[], options: { txn: Txn }): Promise<{ txnSkipped: boolean }>;
}

/** Turns consumed records of a route's topics into table rows (null: nothing to write, e.g. a tombstone). */
export interface RowMapper {
  /** Async work before `toRow` may be called on these records (e.g. fetching Avro writer schemas). */
  prepare?(records: readonly ConsumedRecord[]): Promise<void>;
  /** The row of one record; throwing is fatal (the pipeline wrote it, so it must decode). */
  toRow(record: ConsumedRecord): DeltaRow | null;
}

/** Topics whose records become rows of one table. */
export interface SinkRoute {
  topics: readonly string[];
  table: DeltaTableSpec;
  mapper: RowMapper;
}

/** Tuning of the stage (defaults in `DEFAULT_STAGE_OPTIONS`). */
export interface StageOptions {
  /** A partition's batch is committed when it holds this many distinct keys. */
  maxBatchRows: number;
  /** ... or when its oldest row has waited this long. */
  maxBatchMs: number;
  /** First retry delay of a failed table commit; doubles up to `retryMaxDelayMs`. */
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  /** A commit still failing after this long is fatal (the process restarts from the table's txn). */
  retryTimeoutMs: number;
}

/** Defaults: batches of up to 10k keys or 1 s; retries by the sinks' default policy (5 minutes). */
export const DEFAULT_STAGE_OPTIONS: StageOptions = {
  maxBatchRows: 10_000,
  maxBatchMs: 1_000,
  retryInitialDelayMs: DEFAULT_RETRY_POLICY.initialDelayMs,
  retryMaxDelayMs: DEFAULT_RETRY_POLICY.maxDelayMs,
  retryTimeoutMs: DEFAULT_RETRY_POLICY.timeoutMs,
};

/** The txn app id of a source partition: `<group>-<topic>-<partition>` (unique across tables). */
export function txnAppId(groupId: string, topic: string, partition: number): string {
  return `${groupId}-${topic}-${partition}`;
}
