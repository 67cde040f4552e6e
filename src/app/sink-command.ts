// `invoice-stream sink [--config FILE] [--max-batch-rows N] [--max-batch-ms N]`: the sink stage
// as its own process: consumer group `<applicationId>-delta-sink` over the pipeline's output
// topics, writing the tables of `sink` in the config (Delta in `sink.dir`, a path or an s3://
// location, or Databricks).
import { parseArgs } from 'node:util';
import { HttpSchemaRegistry } from '../engine/index.ts';
import { INVOICE_TABLES } from '../invoice/tables.ts';
import { createKafkaClient } from '../runtime/index.ts';
import { kafkaClientOptions } from './kafka-connection.ts';
import { DEFAULT_RETRY_POLICY, retrying } from '../sinks/core/index.ts';
import { DeltaTable } from '../sinks/delta/index.ts';
import { openStore, s3RequestCounts } from '../sinks/storage/index.ts';
import {
  DeltaSinkStage, deltaTableWriter, roundRobinAssignor, type StageLogger, type StageOptions, type TableWriter,
} from '../connect/index.ts';
import type { Config } from './config.ts';
import { invoiceSinkRoutes } from './sink-mapping.ts';
import { startOpsServer } from './http/server.ts';
import type { Probes } from './http/probes.ts';
import { createMetrics, type SinkTableCounts } from './metrics.ts';
import { metricsSinkObserver, type SinkObserver } from './observe/sink-observer.ts';

/** The sink's consumer group id. */
export function sinkGroupId(applicationId: string): string {
  return `${applicationId}-delta-sink`;
}

/** What the sink's writers report besides each call's result. */
export interface SinkWriterHooks {
  /** Background trouble that fails no batch (a failed compaction run), one line naming the table. */
  warn?: (message: string) => void;
  /** Each Delta table writer and a reader of its cumulative counts (for the metrics). */
  watchTable?: (table: string, counts: () => SinkTableCounts) => void;
}

/** Writers of the three tables for the configured sink, and how to close them. */
export async function openSinkWriters(sink: Config['sink'], hooks: SinkWriterHooks = {}): Promise<{ writers: Map<string, TableWriter>; close: () => Promise<void> }> {
  const writers = new Map<string, TableWriter>();
  if (sink.kind === 'delta') {
    const root = openStore(sink.dir, sink.s3);
    // OPTIMIZE between batches, inside each table's writer: it runs after a batch's commit returns
    // and before the next batch of that table starts, for at most maxMillisPerBatch.
    const { enabled, ...compaction } = sink.compaction;
    const options = { deletionVectors: sink.deletionVectors, ...(enabled ? { compaction } : {}), ...(hooks.warn ? { warn: hooks.warn } : {}) };
    for (const spec of INVOICE_TABLES) {
      const store = root.child(spec.name); // on S3 each table's store counts its own requests
      const table = await DeltaTable.open(store, spec, options);
      const requests = s3RequestCounts(store);
      hooks.watchTable?.(spec.name, () => ({ ...(requests ? { requests } : {}), compaction: table.compactionStats }));
      writers.set(spec.name, deltaTableWriter(table));
    }
    return { writers, close: async () => undefined };
  }
  if (sink.kind === 'databricks') {
    // Loaded only here: the driver is heavy and the local default does not need it.
    const { databricksWriterFromConfig } = await import('../sinks/databricks/index.ts');
    const writer = databricksWriterFromConfig(sink);
    // The writer tries each CREATE once; a warehouse still starting is waited for here, a missing
    // permission fails at once.
    for (const spec of INVOICE_TABLES) writers.set(spec.name, await retrying(`sink: table ${spec.name} on Databricks`, () => writer.table(spec), DEFAULT_RETRY_POLICY));
    return { writers, close: () => writer.close() };
  }
  throw new Error('sink: sink.kind is none: nothing to write to');
}

/** What `startSink` may be given beyond the config (tests and benches use these). */
export interface StartSinkOptions {
  options?: Partial<StageOptions>;
  log?: StageLogger;
  onFatal?: (error: Error) => void;
  /** Wraps each table writer (fault injection in tests). */
  wrapWriter?: (table: string, writer: TableWriter) => TableWriter;
  /** Per-batch metrics, and the Delta tables' own counts. */
  observer?: SinkObserver;
}

/** Builds and starts the stage from the app config; `stop` commits what is buffered and leaves the group. */
export async function startSink(config: Config, extra: StartSinkOptions = {}): Promise<{ stage: DeltaSinkStage; stop: () => Promise<void> }> {
  const registryUrl = config.schemaRegistry.url;
  if (!registryUrl) throw new Error('sink: schemaRegistry.url is required (invoice events are Avro)');
  // One attempt per call: the stage's own loop (connect/stage.ts) retries the look-ups, with its
  // budget, stop check and retry counts; retries never nest.
  const registry = new HttpSchemaRegistry(registryUrl, { username: config.schemaRegistry.username, password: config.schemaRegistry.password, retry: { initialDelayMs: 0, maxDelayMs: 0, timeoutMs: 0, maxAttempts: 1 } });
  const routes = invoiceSinkRoutes(registry, { prefix: config.topics.outputPrefix, routeByType: config.topics.routeByEventType });
  const log = extra.log;
  const watchTable = extra.observer?.watchTable?.bind(extra.observer);
  const opened = await openSinkWriters(config.sink, { ...(log ? { warn: (message: string) => log('warn', message) } : {}), ...(watchTable ? { watchTable } : {}) });
  const wrap = extra.wrapWriter;
  const writers = wrap ? new Map([...opened.writers].map(([name, w]) => [name, wrap(name, w)])) : opened.writers;
  const groupId = sinkGroupId(config.applicationId);
  const client = createKafkaClient(kafkaClientOptions(config, '-sink'));
  const admin = await client.admin();
  const topics = routes.flatMap((r) => [...r.topics]);
  const existing = await admin.partitionCounts(topics);
  const missing = topics.filter((t) => !existing.has(t));
  if (missing.length) throw new Error(`sink: topics missing: ${missing.join(', ')} (the pipeline creates none; create them first)`);
  const consumer = client.groupConsumer({ groupId, topics, assignor: roundRobinAssignor });
  const stage = new DeltaSinkStage({ groupId, consumer, admin, routes, writers, options: extra.options, log: extra.log, onFatal: extra.onFatal, observer: extra.observer });
  await stage.start();
  return {
    stage,
    stop: async () => {
      await stage.stop();
      await admin.close();
      await opened.close();
    },
  };
}

function intFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`sink: --${name} expects a positive integer`);
  return n;
}

/** The `sink` subcommand: runs until SIGTERM/SIGINT (clean stop) or a fatal error (exit 2). */
export async function sinkCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, 'max-batch-rows': { type: 'string' }, 'max-batch-ms': { type: 'string' } }, strict: true });
  const { loadConfig } = await import('./config.ts');
  const config = loadConfig({ argv: values.config === undefined ? [] : ['--config', values.config] });
  const options: Partial<StageOptions> = {};
  const rows = intFlag(values['max-batch-rows'], 'max-batch-rows');
  const ms = intFlag(values['max-batch-ms'], 'max-batch-ms');
  if (rows !== undefined) options.maxBatchRows = rows;
  if (ms !== undefined) options.maxBatchMs = ms;
  const log: StageLogger = (level, message) => {
    if (level !== 'debug') process.stderr.write(`${level}: ${message}\n`);
  };
  // The same /metrics, /healthz and /readyz as `run`, so the sink is scraped and probed alike.
  const metrics = config.metrics.enabled ? createMetrics({ defaultMetrics: config.metrics.defaultMetrics }) : undefined;
  let state: 'starting' | 'running' | 'failed' = 'starting';
  const probes: Probes = {
    health: () => ({ ok: state !== 'failed', detail: { state } }),
    readiness: () => ({ ok: state === 'running', detail: { state } }),
    stop: () => undefined,
  };
  const server = await startOpsServer({ host: config.ops.host, port: config.ops.port, deps: { registry: metrics?.registry, probes }, onError: (error) => log('error', `http: request failed: ${String(error)}`) });
  const sink = await startSink(config, {
    options, log,
    ...(metrics ? { observer: metricsSinkObserver(metrics, config.sink.kind) } : {}),
    onFatal: (error) => {
      state = 'failed';
      process.stderr.write(`invoice-stream sink: fatal: ${error.message}\n`);
      process.exit(2);
    },
  });
  state = 'running';
  process.stderr.write(`invoice-stream: sink ${sinkGroupId(config.applicationId)} → ${config.sink.kind} (${sink.stage.topics.join(', ')})\n`);
  const stop = () => {
    sink.stop().then(() => server.close()).then(() => process.exit(0), (error: unknown) => {
      process.stderr.write(`invoice-stream sink: stop failed: ${(error as Error).message}\n`);
      process.exit(2);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
