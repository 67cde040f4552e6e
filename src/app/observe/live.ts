// A live instance with its operations surface: the invoice pipeline on the Kafka runtime, the
// metrics fed from the runtime, the pipeline and a sampler, and two HTTP servers: operations
// (/metrics, /healthz, /readyz on ops.port) and interactive queries (bearer token, http.port).
// `invoice-stream run` and the ops integration test both start it here, so the test exercises
// what production runs.
import { instanceLog } from '../logger.ts';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { HttpSchemaRegistry } from '../../engine/index.ts';
import { KafkaStreams, createKafkaClient, type KafkaClient, type StateOwner } from '../../runtime/index.ts';
import { kafkaClientOptions } from '../kafka-connection.ts';
import type { RuntimeAdmin } from '../../runtime/client/api.ts';
import { buildLiveInvoicePipeline } from '../../../topologies/invoice-pipeline-live.ts';
import type { InvoicePipeline } from '../../../topologies/invoice-pipeline.ts';
import type { Config } from '../config.ts';
import { createMetrics, mirrorAccounting, primeMetrics, type AccountingSnapshot, type Metrics } from '../metrics.ts';
import { streamsProbes, type Probes } from '../http/probes.ts';
import { queryAuth } from '../http/auth.ts';
import type { OpsDeps, QueryDeps } from '../http/routes.ts';
import { startOpsServer, startQueryServer, type HttpServer } from '../http/server.ts';
import { formatEndpoint, parseEndpoint } from '../queries/endpoint.ts';
import { streamsQueryHost } from '../queries/streams-host.ts';
import { metricsObserver, observeInvoiceEvent } from './runtime-observer.ts';
import { startSampler, type Sampler } from './sampler.ts';

/** A running live instance. */
export interface LiveInstance {
  readonly streams: KafkaStreams;
  readonly metrics: Metrics | undefined;
  /** Interactive queries on http.port, behind the bearer token unless http.auth is none. */
  readonly queryServer: HttpServer;
  /** /metrics, /healthz, /readyz on ops.port, unauthenticated. */
  readonly opsServer: HttpServer;
  /** This instance's advertised `host:port` (owner address in query redirects). */
  readonly applicationServer: string;
  readonly sampler: Sampler | undefined;
  /** The streams instance's fatal error, if it failed. */
  readonly fatalError: Error | undefined;
  /** Closes the streams instance (bounded), then the sampler and the HTTP servers; false if the bound was hit. */
  close(): Promise<boolean>;
}

/** Options beyond the configuration. */
export interface LiveOptions {
  /** Build version for `invoice_stream_build_info` (default: package.json's). */
  version?: string;
  /** A client other than the one the config describes (tests). */
  client?: KafkaClient;
  /** Sampler interval (default 5 s). */
  sampleIntervalMs?: number;
  /** Where runtime logs go (default: JSON lines through pino, at the configured level). */
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

// What the probes answer before the instance exists: alive, not ready.
const notYet: Probes = {
  health: () => ({ ok: true, detail: { status: 'up', state: 'CREATED' } }),
  readiness: () => ({ ok: false, detail: { ready: false, reason: 'starting' } }),
  stop: () => {},
};

/** Builds and starts a live instance from a validated configuration; a ConfigError when queries have no token and `http.auth` is not `none`. */
export async function startLiveInstance(config: Config, options: LiveOptions = {}): Promise<LiveInstance> {
  const auth = queryAuth(config.http);
  const log = options.log ?? instanceLog(config);
  if (!config.schemaRegistry.url) throw new Error('run: schemaRegistry.url is required (invoice events are Avro)');
  if (auth.kind === 'none') log('warn', 'queries: http.auth is none: invoices, balances and aging answer anyone who reaches http.port');
  const t = config.topics;
  const metrics = config.metrics.enabled ? createMetrics({ defaultMetrics: config.metrics.defaultMetrics }) : undefined;
  if (metrics) {
    primeMetrics(metrics, {
      version: options.version ?? packageVersion(),
      guarantee: config.processingGuarantee,
      inputTopics: [t.orders, t.payments, t.invoiceActivity],
    });
  }
  const pipeline = await buildPipeline(config, metrics);
  // The servers start before the instance so the kubelet gets answers (alive, not ready) during
  // start-up and restore; they read their deps per request, filled in once the instance exists.
  // Port 0 (tests) is resolved after listen; the advertised address needs the real port.
  const onError = (error: unknown): void => log('error', `http: request failed: ${String(error)}`);
  const opsDeps: OpsDeps = { probes: notYet };
  const queryDeps: QueryDeps = {};
  const { opsServer, queryServer, applicationServer } = await startServers(config, { opsDeps, queryDeps, auth, onError });
  const client = options.client ?? createKafkaClient(kafkaClientOptions(config));
  const streams = createStreams(config, pipeline, { client, metrics, applicationServer, log });
  const probes: Probes = streamsProbes(streams);
  Object.assign(opsDeps, { registry: metrics?.registry, probes });
  queryDeps.queries = streamsQueryHost(streams, { self: applicationServer, warn: (message, fields) => log('warn', message, fields) });
  let admin: RuntimeAdmin | undefined;
  let sampler: Sampler | undefined;
  try {
    await streams.start();
    if (metrics) {
      admin = await client.admin();
      sampler = startSampler(metrics, streams, { admin, stateDir: config.stateDir, intervalMs: options.sampleIntervalMs, onError: (e) => log('warn', `metrics sampler: ${String(e)}`) });
    }
  } catch (error) {
    probes.stop();
    await Promise.all([queryServer.close(), opsServer.close()]);
    await streams.close().catch(() => undefined);
    throw error;
  }
  return {
    streams,
    metrics,
    queryServer,
    opsServer,
    applicationServer,
    sampler,
    get fatalError() {
      return streams.fatalError;
    },
    async close(): Promise<boolean> {
      const ok = await streams.close();
      sampler?.stop();
      probes.stop();
      await admin?.close().catch(() => undefined);
      await Promise.all([queryServer.close(), opsServer.close()]);
      return ok;
    },
  };
}

/** The live invoice pipeline of one stream thread, its accounting mirrored into `metrics`. */
export async function buildPipeline(config: Config, metrics: Metrics | undefined, stateDir: string = config.stateDir): Promise<InvoicePipeline> {
  const t = config.topics;
  const registryUrl = config.schemaRegistry.url;
  if (!registryUrl) throw new Error('run: schemaRegistry.url is required (invoice events are Avro)');
  const registry = new HttpSchemaRegistry(registryUrl, { username: config.schemaRegistry.username, password: config.schemaRegistry.password });
  const pipeline = await buildLiveInvoicePipeline({
    registry,
    stateDir,
    inputs: { orders: t.orders, payments: t.payments, activity: t.invoiceActivity },
    prefix: t.outputPrefix,
    routeByType: t.routeByEventType,
    dlqTopic: t.deadLetter,
    repartitionFormat: config.repartitionFormat,
    wallClockIntervalMs: config.clock.mode === 'wall_clock' ? config.clock.wallClockIntervalMs : undefined,
    onInvoiceEvent: metrics ? (event) => observeInvoiceEvent(metrics, event) : undefined,
  });
  if (metrics) {
    // Mirrored when scraped, not per record (Metrics.beforeScrape).
    let previous: AccountingSnapshot = { read: 0, applied: 0, duplicate: 0, dead_lettered: 0, held: 0 };
    metrics.beforeScrape.push(() => { previous = mirrorAccounting(metrics, previous, pipeline.accounting.counts, pipeline.accounting.heldNow()); });
  }
  return pipeline;
}

/** What one stream thread's KafkaStreams is built from beyond the configuration. */
export interface StreamsParts {
  client: KafkaClient;
  metrics: Metrics | undefined;
  /** The advertised query endpoint (every thread of an instance advertises the same). */
  applicationServer: string;
  log: NonNullable<LiveOptions['log']>;
  /** This thread's instance id and static member id (default: config.groupInstanceId). */
  instanceId?: string;
  groupInstanceId?: string;
  /** Default config.stateDir. */
  stateDir?: string;
  /** Who this thread is among those sharing the state dir (default: this process, thread 0). */
  stateOwner?: StateOwner;
  onFatal?: (error: Error) => void;
  /** Awaited before the thread joins the group (the threads of an instance join together). */
  beforeJoin?: () => Promise<void>;
}

/** The KafkaStreams instance of one stream thread, not started. */
export function createStreams(config: Config, pipeline: InvoicePipeline, parts: StreamsParts): KafkaStreams {
  const t = config.topics;
  const { metrics, log } = parts;
  return new KafkaStreams(pipeline.topology, {
    applicationId: config.applicationId,
    client: parts.client,
    guarantee: config.processingGuarantee,
    stateDir: parts.stateDir ?? config.stateDir,
    ...(parts.stateOwner ? { stateOwner: parts.stateOwner } : {}),
    commitIntervalMs: config.commitIntervalMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    stallTimeoutMs: config.stallTimeoutMs,
    stateCleanupIntervalMs: config.stateCleanupIntervalMs,
    deadLetterTopic: t.deadLetter,
    instanceId: parts.instanceId ?? config.groupInstanceId,
    groupInstanceId: parts.groupInstanceId ?? config.groupInstanceId,
    observer: metrics ? metricsObserver(metrics, t.deadLetter, config.processingGuarantee) : undefined,
    applicationServer: parts.applicationServer,
    log: (level, message, fields) => log(level, message, fields),
    ...(parts.onFatal ? { onFatal: parts.onFatal } : {}),
    ...(parts.beforeJoin ? { beforeJoin: parts.beforeJoin } : {}),
  });
}

/** The two HTTP servers of an instance and the address it advertises (its query port's, resolved after listen). */
export async function startServers(
  config: Config,
  d: { opsDeps: OpsDeps; queryDeps: QueryDeps; auth: ReturnType<typeof queryAuth>; onError: (error: unknown) => void },
): Promise<{ opsServer: HttpServer; queryServer: HttpServer; applicationServer: string }> {
  const opsServer = await startOpsServer({ host: config.ops.host, port: config.ops.port, deps: d.opsDeps, onError: d.onError });
  try {
    const queryServer = await startQueryServer({ host: config.http.host, port: config.http.port, deps: d.queryDeps, auth: d.auth, onError: d.onError });
    return { opsServer, queryServer, applicationServer: advertisedEndpoint(config.http.advertisedHost ?? hostname(), queryServer.port) };
  } catch (error) {
    await opsServer.close();
    throw error;
  }
}

// Peers redirect clients to this address: it must be an endpoint they accept (queries/endpoint.ts).
export function advertisedEndpoint(host: string, port: number): string {
  const endpoint = parseEndpoint(formatEndpoint({ host, port }));
  if (!endpoint) throw new Error(`run: cannot advertise ${JSON.stringify(host)} for queries (not a host name or IP address); set http.advertisedHost (INVOICE_STREAM_ADVERTISED_HOST)`);
  return formatEndpoint(endpoint);
}

export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'dev';
  } catch {
    return 'dev';
  }
}
