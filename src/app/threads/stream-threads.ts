// An instance with `numStreamThreads` > 1 (Kafka Streams' `num.stream.threads`): the main thread
// keeps the HTTP servers (operations and queries), runs stream thread 0 itself and starts one
// worker thread for each of the others (threads/worker.ts runs a stream thread either way, behind
// the same messages). Thread 0 on the main thread because a worker pays for an isolate of its
// own: its modules loaded again (~0.4 CPU-s), its code compiled again, its own heap; the main
// thread has all that already and would otherwise only serve HTTP (docs/BENCHMARKS.md, "Stream
// thread 0 on the main thread"). Each is a full member of the consumer group, so the co-partitioning
// assignor splits tasks among threads as it does among instances. /metrics merges every thread's
// registry with the main thread's (threads/metrics.ts), the probes fold the threads' own
// (threads/probes.ts), queries are read from whichever thread runs the key's task
// (threads/queries.ts). With one thread, observe/live.ts runs everything on the main thread.
import { randomUUID } from 'node:crypto';
import { MessageChannel, Worker } from 'node:worker_threads';
import { releaseThreadLocks } from '../../runtime/index.ts';
import type { Config } from '../config.ts';
import { queryAuth } from '../http/auth.ts';
import type { Probes } from '../http/probes.ts';
import type { OpsDeps, QueryDeps } from '../http/routes.ts';
import type { HttpServer } from '../http/server.ts';
import { instanceLog } from '../logger.ts';
import { createMetrics, primeMetrics } from '../metrics.ts';
import { packageVersion, startServers, type LiveOptions } from '../observe/live.ts';
import type { StorePlacement } from '../queries/host.ts';
import { aggregateThreadMetrics } from './metrics.ts';
import { threadProbes, type ThreadView } from './probes.ts';
import type { MetricsJson, Request, ThreadData, ThreadMessage } from './protocol.ts';
import { threadsQueryHost, type Ask, type QueriedThread } from './queries.ts';
import { runStreamThread } from './worker.ts';

/** A running instance of several stream threads. */
export interface ThreadedInstance {
  /** Interactive queries on http.port. */
  readonly queryServer: HttpServer;
  /** /metrics, /healthz, /readyz on ops.port. */
  readonly opsServer: HttpServer;
  /** This instance's advertised `host:port`, the same for every thread. */
  readonly applicationServer: string;
  /** The first stream thread's failure (a fatal error, an uncaught exception, an exit), if any. */
  readonly fatalError: Error | undefined;
  readonly threads: readonly StreamThreadHandle[];
  /** Closes every thread's streams (each bounded by shutdownTimeoutMs), then the HTTP servers; false if a bound was hit or a thread failed to close. */
  close(): Promise<boolean>;
}

/** One stream thread as the main thread holds it. */
export class StreamThreadHandle implements QueriedThread, ThreadView {
  readonly index: number;
  status?: ThreadView['status'];
  statusAt?: number;
  /** worker_threads' id of the thread once started: 0 for thread 0, which runs on the main thread. */
  threadId?: number;
  failure?: string;
  #thread: ThreadEndpoint;
  #next = 0;
  #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  #exited = false;
  #closing = false;
  #lastMetrics: MetricsJson = [];
  #started: Promise<void>;
  #readyToJoin: Promise<void>;

  /**
   * Starts the thread: thread 0 on this (the main) thread, the others on a worker thread running
   * threads/worker-entry.ts; a test's `script` runs on a worker whatever the index.
   */
  constructor(index: number, data: ThreadData, onFailure: (handle: StreamThreadHandle) => void, log: NonNullable<LiveOptions['log']>, script?: URL) {
    this.index = index;
    let started!: () => void;
    let failedToStart!: (error: Error) => void;
    this.#started = new Promise<void>((resolve, reject) => ((started = resolve), (failedToStart = reject)));
    let readyToJoin!: () => void;
    let failedBeforeJoin!: (error: Error) => void;
    this.#readyToJoin = new Promise<void>((resolve, reject) => ((readyToJoin = resolve), (failedBeforeJoin = reject)));
    // Awaited only through started() or readyToJoin(): a failure must not be an unhandled rejection here.
    this.#started.catch(() => undefined);
    this.#readyToJoin.catch(() => undefined);
    // A failure before 'started' fails the start; after it, the instance's health.
    let running = false;
    const fail = (reason: string): void => {
      if (!running) {
        failedToStart(new Error(`stream thread ${index}: ${reason}`));
        failedBeforeJoin(new Error(`stream thread ${index}: ${reason}`));
      }
      if (this.failure !== undefined) return;
      this.failure = reason;
      if (running) onFailure(this);
    };
    const onMessage = (message: ThreadMessage): void => {
      switch (message.type) {
        case 'reply': {
          const waiting = this.#pending.get(message.id);
          this.#pending.delete(message.id);
          if (message.error !== undefined) waiting?.reject(new Error(message.error));
          else waiting?.resolve(message.value);
          break;
        }
        case 'status':
          this.status = message;
          this.statusAt = Date.now();
          break;
        case 'ready_to_join':
          readyToJoin();
          break;
        case 'started':
          this.threadId = message.threadId;
          running = true;
          readyToJoin();
          started();
          break;
        case 'start_failed':
          fail(message.error);
          break;
        case 'fatal':
          fail(message.error);
          break;
        case 'log':
          log(message.level, message.message, { ...message.fields, thread: index });
          break;
      }
    };
    const onError = (error: Error): void => fail(`uncaught: ${error.message}`);
    const onExit = (code: number): void => {
      this.#exited = true;
      // A thread that died holding tasks would keep their directories from the threads that get them next.
      void releaseThreadLocks(data.config.stateDir, data.config.applicationId, { run: data.stateRun, thread: index }).catch((error: unknown) => log('warn', 'could not release a stream thread\'s task locks', { thread: index, error: String(error) }));
      for (const waiting of this.#pending.values()) waiting.reject(new Error(`stream thread ${index} exited`));
      this.#pending.clear();
      if (!this.#closing) fail(`exited with code ${code}`);
    };
    const events = { message: onMessage, error: onError, exit: onExit };
    this.#thread = script === undefined && index === 0 ? onMainThread(data, events) : onWorker(script ?? new URL('./worker-entry.ts', import.meta.url), index, data, events);
  }

  /** Resolves once the thread's streams started; rejects if it failed first. */
  started(): Promise<void> {
    return this.#started;
  }

  /** Resolves once the thread is ready to join the group (then `ask({ op: 'join' })`); rejects if it failed first. */
  readyToJoin(): Promise<void> {
    return this.#readyToJoin;
  }

  alive(): boolean {
    return !this.#exited && this.failure === undefined;
  }

  /**
   * The thread's metrics for a scrape. A thread that exited keeps the counters and histograms of
   * its last answer: Prometheus would read their disappearance as a reset to zero. Its gauges go:
   * they describe tasks and partitions that other threads or instances have now.
   */
  async metrics(): Promise<MetricsJson> {
    if (this.#exited) return this.#lastMetrics;
    const answer = (await this.ask({ op: 'metrics' })) as MetricsJson;
    // prom-client's JSON says 'gauge' where its typings say MetricType.Gauge.
    this.#lastMetrics = answer.filter((metric) => String(metric.type) !== 'gauge');
    return answer;
  }

  placement(): Record<string, StorePlacement> | undefined {
    return this.status?.placement;
  }

  ask(request: Ask): Promise<unknown> {
    if (this.#exited) return Promise.reject(new Error(`stream thread ${this.index} has exited`));
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#thread.postMessage({ ...request, id } as Request);
    });
  }

  /** Closes the thread's streams (its own bound), then ends the worker; false if the bound was hit, the thread had failed, or it did not answer within `boundMs`. */
  async close(boundMs: number): Promise<boolean> {
    if (this.#exited) return false;
    this.#closing = true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), boundMs)));
    const answer = await Promise.race([this.ask({ op: 'close' }).catch(() => undefined), late]);
    clearTimeout(timer);
    await this.#thread.terminate();
    const result = answer as { ok: boolean; fatal: boolean } | undefined;
    return result !== undefined && result.ok && !result.fatal && this.failure === undefined;
  }
}

/** What a handle sees of its thread: messages out, and its end. */
interface ThreadEndpoint {
  postMessage(request: Request): void;
  /** Ends the thread (a worker is stopped wherever it is); its `exit` event follows. */
  terminate(): Promise<void>;
}

/** What a thread reports to its handle: its messages, an uncaught error, its exit. */
interface ThreadEvents {
  message(message: ThreadMessage): void;
  error(error: Error): void;
  exit(code: number): void;
}

function onWorker(script: URL, index: number, data: ThreadData, events: ThreadEvents): ThreadEndpoint {
  const worker = new Worker(script, { workerData: data, name: `stream-thread-${index}` });
  worker.on('message', events.message);
  worker.on('error', events.error);
  worker.on('exit', events.exit);
  return { postMessage: (request) => worker.postMessage(request), terminate: async () => void (await worker.terminate()) };
}

// The same thread code and messages as a worker's, over a MessageChannel on this thread. What
// differs: an uncaught error in it ends the process (as with one stream thread), and terminate
// cannot stop it mid-work, only close its channel; a close that hit its bound leaves the process
// to exit.
function onMainThread(data: ThreadData, events: ThreadEvents): ThreadEndpoint {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', events.message);
  let exited = false;
  const exit = (code: number): void => {
    if (exited) return;
    exited = true;
    port1.close();
    events.exit(code);
  };
  // A copy, as workerData would be: the thread shares no object with the main thread.
  runStreamThread(port2, structuredClone(data)).catch((error: unknown) => {
    events.error(error instanceof Error ? error : new Error(String(error)));
    exit(1);
  });
  return { postMessage: (request) => port1.postMessage(request), terminate: async () => exit(0) };
}

/** Starts an instance of `config.numStreamThreads` stream threads; a ConfigError when queries have no token and `http.auth` is not `none`. */
export async function startStreamThreads(config: Config, options: Omit<LiveOptions, 'client'> = {}): Promise<ThreadedInstance> {
  const auth = queryAuth(config.http);
  const log = options.log ?? instanceLog(config);
  if (!config.schemaRegistry.url) throw new Error('run: schemaRegistry.url is required (invoice events are Avro)');
  if (auth.kind === 'none') log('warn', 'queries: http.auth is none: invoices, balances and aging answer anyone who reaches http.port');
  const version = options.version ?? packageVersion();
  const t = config.topics;
  // The main thread's own registry: build info and the process's Node metrics; the threads' catalog series stay 0 here.
  const metrics = config.metrics.enabled ? createMetrics({ defaultMetrics: config.metrics.defaultMetrics }) : undefined;
  if (metrics) primeMetrics(metrics, { version, guarantee: config.processingGuarantee, inputTopics: [t.orders, t.payments, t.invoiceActivity] });

  const threads: StreamThreadHandle[] = [];
  // The threads share the state dir; each task directory is locked by (this run, its thread).
  const stateRun = randomUUID();
  let fatal: Error | undefined;
  const probes: Probes = threadProbes(() => threads);
  const onError = (error: unknown): void => log('error', `http: request failed: ${String(error)}`);
  const opsDeps: OpsDeps = {
    probes,
    ...(metrics
      ? {
          registry: {
            contentType: metrics.registry.contentType,
            metrics: async () => {
              const perThread = await Promise.all(threads.map((h) => h.metrics().catch((): MetricsJson => [])));
              return aggregateThreadMetrics(await metrics.registry.getMetricsAsJSON(), perThread).metrics();
            },
          },
        }
      : {}),
  };
  const queryDeps: QueryDeps = {};
  const { opsServer, queryServer, applicationServer } = await startServers(config, { opsDeps, queryDeps, auth, onError });
  const onFailure = (handle: StreamThreadHandle): void => {
    fatal ??= new Error(`stream thread ${handle.index}: ${handle.failure}`);
    log('error', 'stream thread failed: the instance is unhealthy', { thread: handle.index, error: handle.failure });
  };
  for (let index = 0; index < config.numStreamThreads; index++) {
    const data: ThreadData = { config, index, stateRun, applicationServer, version, sampleIntervalMs: options.sampleIntervalMs, forwardLogs: options.log !== undefined };
    threads.push(new StreamThreadHandle(index, data, onFailure, log));
  }
  queryDeps.queries = threadsQueryHost(threads, applicationServer);
  // Past each thread's own close bound: the thread answers after its streams gave up.
  const closeBound = config.shutdownTimeoutMs + 15_000;
  try {
    // Every thread joins the group at once: one rebalance hands out the first assignments.
    await Promise.all(threads.map((h) => h.readyToJoin()));
    await Promise.all(threads.map((h) => h.ask({ op: 'join' })));
    await Promise.all(threads.map((h) => h.started()));
  } catch (error) {
    await Promise.all(threads.map((h) => h.close(closeBound)));
    await Promise.all([queryServer.close(), opsServer.close()]);
    throw error;
  }
  return {
    queryServer,
    opsServer,
    applicationServer,
    threads,
    get fatalError() {
      return fatal;
    },
    async close(): Promise<boolean> {
      const closed = await Promise.all(threads.map((h) => h.close(closeBound)));
      probes.stop();
      await Promise.all([queryServer.close(), opsServer.close()]);
      return closed.every(Boolean);
    },
  };
}
