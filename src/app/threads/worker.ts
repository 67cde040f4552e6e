// One stream thread of an instance with `numStreamThreads` > 1 (thread 0 on the main thread, the
// others on worker threads: stream-threads.ts): what a one-thread instance runs minus HTTP
// (observe/live.ts), i.e. the live invoice pipeline, its own KafkaStreams (its own group member,
// consumer, transactional producer, tasks), state stores in the instance's state dir (shared by
// its threads, each task directory locked by the thread that has the task:
// runtime/state/task-directory.ts), a metrics registry and sampler. It answers the main thread's
// requests (metrics, store reads, owners, close) and posts its probes every second.
import { hostname } from 'node:os';
import { threadId, type MessagePort } from 'node:worker_threads';
import { createKafkaClient } from '../../runtime/index.ts';
import type { RuntimeAdmin } from '../../runtime/client/api.ts';
import { streamsProbes } from '../http/probes.ts';
import { kafkaClientOptions } from '../kafka-connection.ts';
import { createLogger, leveledLog } from '../logger.ts';
import { createMetrics, primeMetrics } from '../metrics.ts';
import { buildPipeline, createStreams } from '../observe/live.ts';
import { startSampler, type Sampler } from '../observe/sampler.ts';
import type { StorePlacement } from '../queries/host.ts';
import { streamsQueryHost } from '../queries/streams-host.ts';
import { threadIds, type Reply, type Request, type ThreadData, type ThreadMessage } from './protocol.ts';

/** A stream thread's side of its channel to the main thread: a worker's parentPort, or a MessageChannel's port for thread 0. */
export type ThreadPort = Pick<MessagePort, 'postMessage' | 'on' | 'close'>;

/**
 * Runs one stream thread, talking to the main thread through `port` (protocol.ts) until it is
 * asked to close; resolves once it has started (or failed to start, which it reports).
 */
export async function runStreamThread(port: ThreadPort, data: ThreadData): Promise<void> {
  const { config, index } = data;
  const post = (message: ThreadMessage): void => port.postMessage(message);

  const ids = threadIds(config.groupInstanceId ?? `${hostname()}-${process.pid}`, config.groupInstanceId, index);
  const log: (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void = data.forwardLogs
    ? (level, message, fields) => post({ type: 'log', level, message, ...(fields ? { fields } : {}) })
    : leveledLog(createLogger({ level: config.logLevel, base: { instance: ids.instanceId, thread: String(index) } }));
  const stateDir = config.stateDir;
  const t = config.topics;
  const metrics = config.metrics.enabled ? createMetrics({ defaultMetrics: config.metrics.defaultMetrics }) : undefined;
  if (metrics) primeMetrics(metrics, { version: data.version, guarantee: config.processingGuarantee, inputTopics: [t.orders, t.payments, t.invoiceActivity] });
  const client = createKafkaClient(kafkaClientOptions(config, `-${index}`));
  // The main thread says when every thread is ready, so they join the group together.
  let joinNow!: () => void;
  const joining = new Promise<void>((resolve) => (joinNow = resolve));
  const pipeline = await buildPipeline(config, metrics, stateDir);
  const streams = createStreams(config, pipeline, {
    client,
    metrics,
    applicationServer: data.applicationServer,
    log,
    instanceId: ids.instanceId,
    groupInstanceId: ids.groupInstanceId,
    stateDir,
    stateOwner: { run: data.stateRun, thread: index },
    onFatal: (error) => post({ type: 'fatal', error: error.message }),
    beforeJoin: () => {
      post({ type: 'ready_to_join' });
      return joining;
    },
  });
  const probes = streamsProbes(streams);
  const queries = streamsQueryHost(streams, { self: data.applicationServer, warn: (message, fields) => log('warn', message, fields) });

  const placement = (): Record<string, StorePlacement> | undefined => {
    const layout = streams.layout;
    if (!layout) return undefined;
    const out: Record<string, StorePlacement> = {};
    for (const sub of layout.subtopologies) for (const c of sub.changelogs) out[c.store] = { subtopology: sub.id, partitions: sub.partitions };
    return out;
  };
  const report = (): void => {
    const where = placement();
    post({ type: 'status', health: probes.health(), readiness: probes.readiness(), ...(where ? { placement: where } : {}) });
  };
  const reporter = setInterval(report, 1_000);

  let admin: RuntimeAdmin | undefined;
  let sampler: Sampler | undefined;

  async function close(): Promise<{ ok: boolean; fatal: boolean }> {
    clearInterval(reporter);
    const ok = await streams.close();
    sampler?.stop();
    probes.stop();
    await admin?.close().catch(() => undefined);
    return { ok, fatal: streams.fatalError !== undefined };
}

  async function answer(request: Request): Promise<unknown> {
    switch (request.op) {
      case 'metrics':
        return metrics ? await metrics.registry.getMetricsAsJSON() : [];
      case 'get':
        return queries.get(request.store, request.partition, request.key);
      case 'range':
        return queries.range(request.store, request.partition, request.from, request.to);
      case 'owed':
        return queries.owed(request.partition);
      case 'owner':
        return queries.owner(request.subtopology, request.partition);
      case 'join':
        joinNow();
        return undefined;
      case 'close':
        joinNow(); // a close during start-up must not wait for the others
        return close();
    }
}

  port.on('message', (request: Request) => {
    void answer(request).then(
      (value) => post({ type: 'reply', id: request.id, value } satisfies Reply),
      (error: unknown) => post({ type: 'reply', id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies Reply),
    );
  });

  try {
    await streams.start();
    if (metrics) {
      admin = await client.admin();
      sampler = startSampler(metrics, streams, { admin, stateDir, intervalMs: data.sampleIntervalMs, onError: (e) => log('warn', `metrics sampler: ${String(e)}`) });
    }
    report();
    post({ type: 'started', threadId });
  } catch (error) {
    clearInterval(reporter);
    probes.stop();
    await streams.close().catch(() => undefined);
    post({ type: 'start_failed', error: error instanceof Error ? error.message : String(error) });
  }
}
