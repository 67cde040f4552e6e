// The metrics catalog: every metric the process exports on /metrics, defined in one place so the
// runtime, the dashboards (k8s/base/dashboards) and the alerts (k8s/base/prometheus-rule.yaml) agree
// on names. Names follow Prometheus conventions: `invoice_stream_` prefix, base units in the name
// (seconds, bytes, records, rows), `_total` on counters.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prefix of every metric this project defines (Node runtime metrics keep their standard names). */
export const METRIC_PREFIX = 'invoice_stream_';

/**
 * Latency buckets in seconds, dense around the 200 ms p99 target so the SLO threshold (0.2) is a
 * bucket boundary and burn-rate queries can read `le="0.2"` exactly.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60, 300,
];

/** Sink round trips (Delta commits, Databricks MERGE statements) are slower: seconds to minutes. */
export const SINK_LATENCY_BUCKETS_SECONDS: readonly number[] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Rows per sink micro-batch. */
export const SINK_BATCH_ROWS_BUCKETS: readonly number[] = [1, 10, 50, 100, 500, 1000, 5000, 10_000, 50_000];

/** What became of one input record (docs/contract.md, Accounting). */
export type RecordOutcome = 'applied' | 'duplicate' | 'dead_lettered' | 'held';

/** Every outcome, in the order a summary shows them. */
export const RECORD_OUTCOMES: readonly RecordOutcome[] = ['applied', 'duplicate', 'dead_lettered', 'held'];

/** Names of every metric this catalog defines (not the Node runtime ones). */
export const METRIC_NAMES = {
  buildInfo: 'invoice_stream_build_info',
  consumerLag: 'invoice_stream_consumer_lag_records',
  recordsIn: 'invoice_stream_records_in_total',
  recordsOut: 'invoice_stream_records_out_total',
  processingLatency: 'invoice_stream_processing_latency_seconds',
  clockLag: 'invoice_stream_clock_lag_seconds',
  taskProgressAge: 'invoice_stream_task_progress_age_seconds',
  taskStalled: 'invoice_stream_task_stalled',
  recordsDeleted: 'invoice_stream_records_deleted_unread_total',
  tasks: 'invoice_stream_tasks',
  storeEntries: 'invoice_stream_state_store_entries',
  storeSize: 'invoice_stream_state_store_size_bytes',
  restoredRecords: 'invoice_stream_restore_records_total',
  restoreRemaining: 'invoice_stream_restore_remaining_records',
  duplicates: 'invoice_stream_duplicates_total',
  deadLetters: 'invoice_stream_dead_letters_total',
  heldPayments: 'invoice_stream_held_payments',
  accountingRead: 'invoice_stream_accounting_read_total',
  accountingOutcome: 'invoice_stream_accounting_outcome_total',
  commitDuration: 'invoice_stream_commit_duration_seconds',
  sinkBatchSize: 'invoice_stream_sink_batch_size_rows',
  sinkBatchDuration: 'invoice_stream_sink_batch_duration_seconds',
  sinkFailures: 'invoice_stream_sink_failures_total',
  sinkStorageRequests: 'invoice_stream_sink_storage_requests_total',
  sinkStorageRetries: 'invoice_stream_sink_storage_retries_total',
  sinkCompactionRuns: 'invoice_stream_sink_compaction_runs_total',
  sinkCompactionFilesRewritten: 'invoice_stream_sink_compaction_files_rewritten_total',
  sinkCompactionFailures: 'invoice_stream_sink_compaction_failures_total',
} as const;

/** Standard Node.js runtime metrics from prom-client's default collectors (unprefixed, as usual). */
export const NODE_METRIC_NAMES: readonly string[] = [
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
  'nodejs_gc_duration_seconds',
];

/** The metrics of one process, typed by their label names; the runtime updates them. */
export interface Metrics {
  readonly registry: Registry;
  /** 1, labelled with the version and processing guarantee (joins on other series). */
  readonly buildInfo: Gauge<'version' | 'guarantee'>;
  /** Records between the committed offset and the log end, per input partition. */
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  /** Records consumed, per topic (inputs and internal repartition/changelog topics). */
  readonly recordsIn: Counter<'topic'>;
  /** Records produced, per topic (invoice events, DLQ, repartition, changelog). */
  readonly recordsOut: Counter<'topic'>;
  /** Event time of the causing input to the emit of an invoice event, per output event type. */
  readonly processingLatency: Histogram<'event_type'>;
  /** Wall clock minus the task's event-time clock (how far behind "now" the invoice clock is). */
  readonly clockLag: Gauge<'task'>;
  /** Seconds since a running task last committed further or had nothing waiting (stall watch). */
  readonly taskProgressAge: Gauge<'task'>;
  /** 1 while a running task is stalled: records wait and its offsets have not moved for the stall timeout. */
  readonly taskStalled: Gauge<'task'>;
  /** Input records the log deleted (retention, DeleteRecords) before the group read them: lost to it, per topic. */
  readonly recordsDeleted: Counter<'topic'>;
  /** Tasks on this instance by state (`restoring`, `running`). */
  readonly tasks: Gauge<'state'>;
  /** Entries per state store and partition. */
  readonly storeEntries: Gauge<'store' | 'partition'>;
  /** Approximate on-disk bytes per state store and partition. */
  readonly storeSize: Gauge<'store' | 'partition'>;
  /** Changelog records replayed into a store while restoring. */
  readonly restoredRecords: Counter<'store' | 'partition'>;
  /** Changelog records still to restore (0 once the store is ready). */
  readonly restoreRemaining: Gauge<'store' | 'partition'>;
  /** Valid input events dropped as duplicates (the pipeline's Accounting is per instance, not per topic). */
  readonly duplicates: Counter;
  /** Records sent to the dead-letter topic, per `dlq.reason` and source topic. */
  readonly deadLetters: Counter<'reason' | 'topic'>;
  /** Payments and refunds held now for an invoice not yet known, in this instance's tasks (`Accounting.heldNow`: restored ones included). */
  readonly heldPayments: Gauge;
  /** Input records read (the Accounting total). */
  readonly accountingRead: Counter;
  /**
   * Input records by outcome. `held` counts every hold; a held record later applied or orphaned
   * also counts under that outcome, so read = applied + duplicate + dead_lettered + heldPayments.
   */
  readonly accountingOutcome: Counter<'outcome'>;
  /** Commit (transaction commit under exactly_once) duration. */
  readonly commitDuration: Histogram<'guarantee'>;
  /** Rows per sink micro-batch, per sink (`delta`, `databricks`) and table. */
  readonly sinkBatchSize: Histogram<'sink' | 'table'>;
  /** Sink micro-batch write duration. */
  readonly sinkBatchDuration: Histogram<'sink' | 'table'>;
  /** Failed sink micro-batch writes (each retry that fails counts). */
  readonly sinkFailures: Counter<'sink' | 'table'>;
  /** Object-store requests of a Delta table's writer, by `request` (get, list, put, put_if_absent, delete). */
  readonly sinkStorageRequests: Counter<'sink' | 'table' | 'request'>;
  /** HTTP attempts beyond the first of those requests (the SDK's retries of 5xx, SlowDown, network errors). */
  readonly sinkStorageRetries: Counter<'sink' | 'table'>;
  /** Compaction runs the writer made between batches (runs with nothing to do included). */
  readonly sinkCompactionRuns: Counter<'sink' | 'table'>;
  /** Data files compaction rewrote (removed from the table into larger ones). */
  readonly sinkCompactionFilesRewritten: Counter<'sink' | 'table'>;
  /** Compaction runs that failed (storage trouble; each is also logged as a warning). */
  readonly sinkCompactionFailures: Counter<'sink' | 'table'>;
  /**
   * Called before a scrape reads the counters whose owners keep counts of their own, mirrored in
   * then: the sink table writers' (mirrorSinkTable), the pipeline's accounting (mirrorAccounting)
   * and the records produced (counted per topic by the runtime observer). Per record, a
   * prom-client update with labels was ~7 % of a live input's CPU (docs/BENCHMARKS.md, sixth
   * session); a scrape is every few seconds.
   */
  readonly beforeScrape: (() => void)[];
}

/** Options for createMetrics. */
export interface MetricsOptions {
  /** Register Node.js runtime metrics (default true). */
  readonly defaultMetrics?: boolean;
  /** Labels added to every series, e.g. `{ instance_id }` when several instances share a registry in tests. */
  readonly defaultLabels?: Record<string, string>;
}

/** Creates a fresh registry holding the whole catalog (one per process; tests make their own). */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultLabels !== undefined) registry.setDefaultLabels(options.defaultLabels);
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const n = METRIC_NAMES;
  const beforeScrape: (() => void)[] = [];
  // Each mirrored metric runs the hooks when scraped; mirroring is idempotent, so the first one
  // read brings all of them up to date.
  const collect = (): void => { for (const hook of beforeScrape) hook(); };
  const m: Metrics = {
    beforeScrape,
    registry,
    buildInfo: new Gauge({ name: n.buildInfo, help: 'Build information; always 1.', labelNames: ['version', 'guarantee'], registers }),
    consumerLag: new Gauge({ name: n.consumerLag, help: 'Records between the committed offset and the log end offset, per input partition.', labelNames: ['topic', 'partition'], registers }),
    recordsIn: new Counter({ name: n.recordsIn, help: 'Records consumed, per topic.', labelNames: ['topic'], registers }),
    recordsOut: new Counter({ name: n.recordsOut, help: 'Records produced, per topic.', labelNames: ['topic'], registers, collect }),
    processingLatency: new Histogram({
      name: n.processingLatency,
      help: 'Seconds from the event time of the causing input record to the emit of the invoice event.',
      labelNames: ['event_type'], buckets: [...LATENCY_BUCKETS_SECONDS], registers,
    }),
    clockLag: new Gauge({ name: n.clockLag, help: 'Wall clock minus the task event-time clock, in seconds.', labelNames: ['task'], registers }),
    taskProgressAge: new Gauge({ name: n.taskProgressAge, help: 'Seconds since the task last committed further or had no records waiting.', labelNames: ['task'], registers }),
    recordsDeleted: new Counter({ name: n.recordsDeleted, help: 'Records deleted from the log (retention shorter than the lag, DeleteRecords) before this group read them; fetching went on at the log start.', labelNames: ['topic'], registers }),
    taskStalled: new Gauge({ name: n.taskStalled, help: '1 while the task has records waiting and its committed offsets have not moved for the stall timeout.', labelNames: ['task'], registers }),
    tasks: new Gauge({ name: n.tasks, help: 'Tasks assigned to this instance, by state (restoring, running).', labelNames: ['state'], registers }),
    storeEntries: new Gauge({ name: n.storeEntries, help: 'Entries in a state store partition.', labelNames: ['store', 'partition'], registers }),
    storeSize: new Gauge({ name: n.storeSize, help: 'Approximate on-disk size of a state store partition, in bytes.', labelNames: ['store', 'partition'], registers }),
    restoredRecords: new Counter({ name: n.restoredRecords, help: 'Changelog records restored into a state store partition.', labelNames: ['store', 'partition'], registers }),
    restoreRemaining: new Gauge({ name: n.restoreRemaining, help: 'Changelog records left to restore for a state store partition (0 when ready).', labelNames: ['store', 'partition'], registers }),
    duplicates: new Counter({ name: n.duplicates, help: 'Valid input events dropped as duplicates.', registers, collect }),
    deadLetters: new Counter({ name: n.deadLetters, help: 'Records sent to the dead-letter topic, per reason and source topic.', labelNames: ['reason', 'topic'], registers }),
    heldPayments: new Gauge({ name: n.heldPayments, help: 'Payments and refunds held now for an invoice not yet known, in this instance\'s tasks (restored ones included).', registers, collect }),
    accountingRead: new Counter({ name: n.accountingRead, help: 'Input records read (the accounting total).', registers, collect }),
    accountingOutcome: new Counter({
      name: n.accountingOutcome,
      help: 'Input records by outcome (held: every hold; a released hold also counts as applied or dead_lettered). read = applied + duplicate + dead_lettered + held_payments while no task has opened or closed with payments held (a restart or a rebalance moves them between instances\' held_payments without a read).',
      labelNames: ['outcome'], registers, collect,
    }),
    commitDuration: new Histogram({ name: n.commitDuration, help: 'Duration of a commit (a transaction commit under exactly_once), in seconds.', labelNames: ['guarantee'], buckets: [...LATENCY_BUCKETS_SECONDS], registers }),
    sinkBatchSize: new Histogram({ name: n.sinkBatchSize, help: 'Rows per sink micro-batch.', labelNames: ['sink', 'table'], buckets: [...SINK_BATCH_ROWS_BUCKETS], registers }),
    sinkBatchDuration: new Histogram({ name: n.sinkBatchDuration, help: 'Duration of a sink micro-batch write, in seconds.', labelNames: ['sink', 'table'], buckets: [...SINK_LATENCY_BUCKETS_SECONDS], registers }),
    sinkFailures: new Counter({ name: n.sinkFailures, help: 'Failed sink micro-batch writes (each failed attempt).', labelNames: ['sink', 'table'], registers }),
    sinkStorageRequests: new Counter({ name: n.sinkStorageRequests, help: 'Object-store requests of a Delta table writer, by request kind.', labelNames: ['sink', 'table', 'request'], registers, collect }),
    sinkStorageRetries: new Counter({ name: n.sinkStorageRetries, help: 'HTTP attempts beyond the first of the object-store requests (SDK retries).', labelNames: ['sink', 'table'], registers, collect }),
    sinkCompactionRuns: new Counter({ name: n.sinkCompactionRuns, help: 'Compaction runs of a Delta table writer between batches.', labelNames: ['sink', 'table'], registers, collect }),
    sinkCompactionFilesRewritten: new Counter({ name: n.sinkCompactionFilesRewritten, help: 'Data files rewritten by compaction.', labelNames: ['sink', 'table'], registers, collect }),
    sinkCompactionFailures: new Counter({ name: n.sinkCompactionFailures, help: 'Compaction runs that failed (logged as warnings; the next run tries again).', labelNames: ['sink', 'table'], registers, collect }),
  };
  return m;
}

/** The pipeline's accounting counts (src/invoice/accounting.ts), as the metrics mirror them. */
export interface AccountingSnapshot {
  read: number;
  applied: number;
  duplicate: number;
  dead_lettered: number;
  held: number;
}

/**
 * Moves the accounting counters from the previous snapshot to the next one (the pipeline keeps
 * the counts; counters only take the increases) and sets the held gauge to `heldNow`, the
 * payments held now in the open tasks' state (`Accounting.heldNow`). Returns `next` copied, to pass as `previous` the next time.
 */
export function mirrorAccounting(m: Metrics, previous: Readonly<AccountingSnapshot>, next: Readonly<AccountingSnapshot>, heldNow: number): AccountingSnapshot {
  if (next.read > previous.read) m.accountingRead.inc(next.read - previous.read);
  for (const outcome of RECORD_OUTCOMES) {
    const delta = next[outcome] - previous[outcome];
    if (delta > 0) m.accountingOutcome.inc({ outcome }, delta);
  }
  if (next.duplicate > previous.duplicate) m.duplicates.inc(next.duplicate - previous.duplicate);
  m.heldPayments.set(heldNow);
  return { ...next };
}

/** Counts one dead letter as produced to the DLQ topic (its `dlq.reason` and `dlq.source.topic` headers). */
export function recordDeadLetter(m: Metrics, reason: string | undefined, sourceTopic: string | undefined): void {
  m.deadLetters.inc({ reason: reason ?? 'unknown', topic: sourceTopic ?? 'unknown' });
}

/** Observes the latency of one emitted invoice event from the event time (ms since epoch) that caused it. */
export function observeEmit(m: Metrics, eventType: string, eventTimeMs: number, nowMs: number = Date.now()): void {
  // Clamp: a producer clock ahead of ours must not record a negative latency.
  m.processingLatency.observe({ event_type: eventType }, Math.max(0, nowMs - eventTimeMs) / 1000);
}

/** Sets the restore progress of a store partition (restored so far in this restore, and remaining). */
export function observeRestore(m: Metrics, store: string, partition: number, restoredDelta: number, remaining: number): void {
  const labels = { store, partition: String(partition) };
  if (restoredDelta > 0) m.restoredRecords.inc(labels, restoredDelta);
  m.restoreRemaining.set(labels, Math.max(0, remaining));
}

/** Records one sink micro-batch: its rows and duration, and whether it failed. */
export function observeSinkBatch(m: Metrics, sink: string, table: string, rows: number, seconds: number, failed: boolean): void {
  const labels = { sink, table };
  if (failed) {
    m.sinkFailures.inc(labels);
    return;
  }
  m.sinkBatchSize.observe(labels, rows);
  m.sinkBatchDuration.observe(labels, seconds);
}

/** A Delta table writer's cumulative counts (its store's requests when on S3, its compaction runs). */
export interface SinkTableCounts {
  requests?: { get: number; list: number; put: number; putIfAbsent: number; delete: number; retries: number };
  compaction: { runs: number; errors: number; filesRemoved: number };
}

const REQUEST_LABELS = { get: 'get', list: 'list', put: 'put', putIfAbsent: 'put_if_absent', delete: 'delete' } as const;

/**
 * Moves a table's counters from the previous counts to the next (the writer keeps the counts;
 * counters take the increases). Returns `next` copied, to pass as `previous` the next time.
 */
export function mirrorSinkTable(m: Metrics, sink: string, table: string, previous: SinkTableCounts | undefined, next: SinkTableCounts): SinkTableCounts {
  const labels = { sink, table };
  const inc = (counter: Counter<'sink' | 'table'>, before: number, after: number): void => { counter.inc(labels, Math.max(0, after - before)); };
  if (next.requests) {
    const before = previous?.requests ?? { get: 0, list: 0, put: 0, putIfAbsent: 0, delete: 0, retries: 0 };
    for (const [kind, request] of Object.entries(REQUEST_LABELS) as [keyof typeof REQUEST_LABELS, string][]) {
      m.sinkStorageRequests.inc({ ...labels, request }, Math.max(0, next.requests[kind] - before[kind]));
    }
    inc(m.sinkStorageRetries, before.retries, next.requests.retries);
  }
  const before = previous?.compaction ?? { runs: 0, errors: 0, filesRemoved: 0 };
  inc(m.sinkCompactionRuns, before.runs, next.compaction.runs);
  inc(m.sinkCompactionFailures, before.errors, next.compaction.errors);
  inc(m.sinkCompactionFilesRewritten, before.filesRemoved, next.compaction.filesRemoved);
  return { ...(next.requests ? { requests: { ...next.requests } } : {}), compaction: { ...next.compaction } };
}

/** What primeMetrics needs to know of the deployment. */
export interface PrimeOptions {
  readonly version: string;
  readonly guarantee: 'at_least_once' | 'exactly_once';
  /** The input topics (orders, payments, invoice-activity) as configured. */
  readonly inputTopics: readonly string[];
}

/**
 * Creates the zero-valued series the alerts divide by, so that `rate()` of a counter that has not
 * moved yet is 0 rather than absent (absent series make ratio alerts silently never fire).
 */
export function primeMetrics(m: Metrics, options: PrimeOptions): void {
  m.buildInfo.set({ version: options.version, guarantee: options.guarantee }, 1);
  m.accountingRead.inc(0);
  m.duplicates.inc(0);
  m.heldPayments.set(0);
  for (const outcome of RECORD_OUTCOMES) m.accountingOutcome.inc({ outcome }, 0);
  for (const topic of options.inputTopics) m.recordsIn.inc({ topic }, 0);
  for (const state of ['restoring', 'running']) m.tasks.set({ state }, 0);
}
