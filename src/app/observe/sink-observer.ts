// What a sink (the Delta sink stage in src/connect/, the Databricks writer) calls per
// micro-batch, so it can report without importing prom-client or the app's metrics catalog.
import { mirrorSinkTable, observeSinkBatch, type Metrics, type SinkTableCounts } from '../metrics.ts';

/** Per-batch callbacks of a sink; `table` is the target table (`invoices`, ...). */
export interface SinkObserver {
  /** A micro-batch of `rows` rows was written in `seconds`. */
  batchWritten(table: string, rows: number, seconds: number): void;
  /** A micro-batch write attempt failed (each failed retry counts). */
  batchFailed(table: string): void;
  /** A Delta table writer whose own counts (object-store requests, compaction) `counts` reads. */
  watchTable?(table: string, counts: () => SinkTableCounts): void;
}

/** A SinkObserver that updates the sink metrics under `sink` (`delta`, `databricks`). */
export function metricsSinkObserver(m: Metrics, sink: string): SinkObserver {
  return {
    batchWritten: (table, rows, seconds) => observeSinkBatch(m, sink, table, rows, seconds, false),
    batchFailed: (table) => observeSinkBatch(m, sink, table, 0, 0, true),
    watchTable: (table, counts) => {
      // Zero series from the start: the alerts' rate() over a counter that has not moved is 0, not absent.
      let previous = mirrorSinkTable(m, sink, table, undefined, counts());
      m.beforeScrape.push(() => { previous = mirrorSinkTable(m, sink, table, previous, counts()); });
    },
  };
}
