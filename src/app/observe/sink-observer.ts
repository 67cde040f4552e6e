// What a sink (the Delta sink stage in src/connect/, the Databricks writer) calls per
// micro-batch, so it can report without importing prom-client or the app's metrics catalog.
import { observeSinkBatch, type Metrics } from '../metrics.ts';

/** Per-batch callbacks of a sink; `table` is the target table (`invoices`, ...). */
export interface SinkObserver {
  /** A micro-batch of `rows` rows was written in `seconds`. */
  batchWritten(table: string, rows: number, seconds: number): void;
  /** A micro-batch write attempt failed (each failed retry counts). */
  batchFailed(table: string): void;
}

/** A SinkObserver that updates the sink metrics under `sink` (`delta`, `databricks`). */
export function metricsSinkObserver(m: Metrics, sink: string): SinkObserver {
  return {
    batchWritten: (table, rows, seconds) => observeSinkBatch(m, sink, table, rows, seconds, false),
    batchFailed: (table) => observeSinkBatch(m, sink, table, 0, 0, true),
  };
}
