// KafkaStreams: runs one topology against Kafka. `start` checks the topics, creates the internal
// ones and joins the group; `close` commits, closes the tasks and leaves within a bound.
import type { Topology } from '../engine/topology/topology.ts';
import type { GroupMember, PartitionReader, RecordProducer, RuntimeAdmin } from './client/api.ts';
import type { StateStore } from '../engine/state/api.ts';
import type { TaskState } from './observer.ts';
import { resolveConfig, type ResolvedConfig, type RuntimeConfig } from './config.ts';
import { clearStaleLocks, removeUnusableTaskDirs, tasksOnDisk } from './state/task-directory.ts';
import { StallWatch, type TaskProgress } from './stream/stall-watch.ts';
import { StreamThread, type ThreadMetrics } from './stream/stream-thread.ts';
import { withTimeout } from './timeout.ts';
import { ensureInternalTopics } from './topics/internal-topics.ts';
import { planLayout, type ApplicationLayout } from './topics/layout.ts';

/** Lifecycle states, as Kafka Streams names them. */
export type StreamsState = 'CREATED' | 'RUNNING' | 'PENDING_SHUTDOWN' | 'NOT_RUNNING' | 'ERROR';

/** One instance of a streams application. */
export class KafkaStreams {
  readonly config: ResolvedConfig;
  readonly #topology: Topology;
  #state: StreamsState = 'CREATED';
  #admin: RuntimeAdmin | undefined;
  #reader: PartitionReader | undefined;
  #producer: RecordProducer | undefined;
  #thread: StreamThread | undefined;
  #stallWatch: StallWatch | undefined;
  #cleaner: StateCleaner | undefined;
  #layout: ApplicationLayout | undefined;
  #fatal: Error | undefined;

  constructor(topology: Topology, config: RuntimeConfig) {
    this.#topology = topology;
    this.config = resolveConfig(config);
  }

  get state(): StreamsState {
    return this.#state;
  }

  /** The fatal error that stopped the instance, if any. */
  get fatalError(): Error | undefined {
    return this.#fatal;
  }

  /** Counters of the processing loop. */
  get metrics(): ThreadMetrics | undefined {
    return this.#thread?.metrics;
  }

  /** Task ids this instance runs now. */
  get activeTasks(): string[] {
    return this.#thread?.activeTasks ?? [];
  }

  /** Assigned tasks and whether each is restoring or running; undefined before the first assignment. */
  taskStates(): Map<string, TaskState> | undefined {
    return this.#thread?.taskStates();
  }

  /** Per running task: records waiting, how long since it last moved, and whether it is stalled (see stall-watch.ts). */
  taskProgress(): Map<string, TaskProgress> {
    return this.#stallWatch?.progress() ?? new Map();
  }

  /** Running tasks that are stalled: records wait and nothing moved for `stallTimeoutMs`. */
  stalledTasks(): string[] {
    return [...this.taskProgress()].filter(([, p]) => p.stalled).map(([task]) => task).sort();
  }

  /** A local store of a running task (`"1_3"`), as Kafka Streams' `store()`; undefined when not hosted here. */
  store(task: string, name: string): StateStore | undefined {
    return this.#thread?.store(task, name);
  }

  /** Store names per running task on this instance. */
  storeNames(): Map<string, string[]> {
    return this.#thread?.storeNames() ?? new Map();
  }

  /** The group's members, their user data (endpoints) and partitions: for routing queries to a key's owner. */
  async groupMembers(): Promise<GroupMember[]> {
    if (!this.#admin?.groupMembers) return [];
    return this.#admin.groupMembers(this.config.applicationId);
  }

  /** Back-pressure: stop fetching the partitions of a task (e.g. `"0_3"`) until `resumeTask`. */
  pauseTask(taskId: string): void {
    this.#thread?.pauseTask(taskId);
  }

  /** Resumes a paused task. */
  resumeTask(taskId: string): void {
    this.#thread?.resumeTask(taskId);
  }

  /** The physical plan (after start). */
  get layout(): ApplicationLayout | undefined {
    return this.#layout;
  }

  /** Checks topics, creates internal topics, joins the group. Throws a clear error on a bad setup. */
  async start(): Promise<void> {
    if (this.#state !== 'CREATED') throw new Error(`cannot start from state ${this.#state}`);
    const { config } = this;
    const admin = (this.#admin = await config.client.admin());
    const subtopologies = this.#topology.subtopologies();
    const repartition = new Set(subtopologies.flatMap((s) => s.repartitionTopics));
    const userTopics = [...new Set(subtopologies.flatMap((s) => [...s.sourceTopics, ...s.sinkTopics]).filter((t) => !repartition.has(t)))];
    const counts = await admin.partitionCounts([...userTopics, config.deadLetterTopic]);
    const missing = [...userTopics, config.deadLetterTopic].filter((t) => !counts.has(t));
    if (missing.length > 0) throw new Error(`topics missing: ${missing.join(', ')} (create them before starting; auto-creation is not used)`);
    const loggedStores = new Set([...this.#topology.storeBuilders()].filter(([, b]) => b.loggingEnabled).map(([name]) => name));
    const layout = (this.#layout = planLayout({
      applicationId: config.applicationId,
      subtopologies,
      loggedStores,
      userTopicPartitions: counts,
      repartitionPartitions: config.repartitionPartitions,
      replicationFactor: config.replicationFactor,
    }));
    await ensureInternalTopics(admin, layout);
    this.#reader = await config.client.partitionReader();
    if (config.guarantee === 'at_least_once') this.#producer = await config.client.producer();
    // Locks an earlier run left (a crash): no thread of this run holds anything yet.
    await clearStaleLocks(config.stateDir, config.applicationId, config.stateOwner.run);
    await this.#cleanState();
    this.#thread = new StreamThread({
      config,
      topology: this.#topology,
      layout,
      admin,
      reader: this.#reader,
      producer: this.#producer,
      onDisk: await tasksOnDisk(config.stateDir, config.applicationId),
      onFatal: (error) => void this.#onFatal(error),
    });
    await config.beforeJoin?.();
    this.#thread.start();
    if (config.stallTimeoutMs > 0) {
      const thread = this.#thread;
      this.#stallWatch = new StallWatch({
        admin,
        groupId: config.applicationId,
        stallTimeoutMs: config.stallTimeoutMs,
        tasks: () => thread.watchedTasks(),
        onChange: (task, p) => config.log(p.stalled ? 'error' : 'info', p.stalled ? 'task stalled: records wait and its offsets have not moved' : 'task moves again', { task, lag: p.lag, progressAgeMs: p.progressAgeMs }),
        onError: (e) => config.log('warn', 'stall watch: broker check failed', { error: String(e) }),
      });
      this.#stallWatch.start();
    }
    if (config.stateCleanupIntervalMs > 0) this.#cleaner = new StateCleaner(config.stateCleanupIntervalMs, () => this.#cleanState(), (e) => config.log('warn', 'state cleaner: a pass failed', { error: String(e) }));
    this.#state = 'RUNNING';
    config.log('info', 'started', { applicationId: config.applicationId, guarantee: config.guarantee, instance: config.instanceId, subtopologies: layout.subtopologies.length });
  }

  /** Graceful shutdown within `shutdownTimeoutMs`; returns false if the bound was hit. */
  async close(): Promise<boolean> {
    if (this.#state === 'NOT_RUNNING' || this.#state === 'PENDING_SHUTDOWN') return true;
    this.#state = 'PENDING_SHUTDOWN';
    this.#stallWatch?.stop();
    this.#cleaner?.stop();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.config.shutdownTimeoutMs)));
    const clean = (async () => {
      await this.#thread?.close();
      return true as const;
    })();
    const ok = await Promise.race([clean, bound]);
    clearTimeout(timer);
    await this.#releaseClients();
    this.#state = this.#fatal ? 'ERROR' : 'NOT_RUNNING';
    return ok;
  }

  // The state cleaner's pass (at start, then every stateCleanupIntervalMs): task directories no
  // task could use go, each under its lock, so a directory a thread holds or takes meanwhile is
  // never touched; the thread then stops offering to the assignor tasks no longer on disk.
  async #cleanState(): Promise<void> {
    const { config } = this;
    const removed = await removeUnusableTaskDirs(config.stateDir, config.applicationId, config.stateOwner);
    if (removed.length > 0) config.log('info', 'state dir: removed task directories without a usable checkpoint', { tasks: removed });
    // Other stream threads of the instance clean the same directory: what they removed goes too.
    if (this.#thread) this.#thread.retainOnDisk(new Set(await tasksOnDisk(config.stateDir, config.applicationId)));
  }

  // Bounded each: a broker that stopped answering must not hold the process past its close bound.
  async #releaseClients(): Promise<void> {
    await withTimeout(this.#producer?.close() ?? Promise.resolve(), 5_000, 'producer close').catch(() => undefined);
    await withTimeout(this.#reader?.close() ?? Promise.resolve(), 5_000, 'reader close').catch(() => undefined);
    await withTimeout(this.#admin?.close() ?? Promise.resolve(), 5_000, 'admin close').catch(() => undefined);
  }

  async #onFatal(error: Error): Promise<void> {
    this.#fatal = error;
    this.#stallWatch?.stop();
    this.#cleaner?.stop();
    this.#state = 'ERROR';
    await this.#releaseClients();
    this.config.onFatal?.(error);
  }
}

/** Runs `pass` every `intervalMs`, one pass at a time; a failed pass goes to `onError` and is tried again next time. */
class StateCleaner {
  readonly #timer: NodeJS.Timeout;
  #running = false;

  constructor(intervalMs: number, pass: () => Promise<void>, onError: (error: unknown) => void) {
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = true;
      pass().catch(onError).finally(() => (this.#running = false));
    }, intervalMs);
    // A pending pass must not keep the process alive.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** SIGTERM/SIGINT → graceful close, then exit (1 if the bound was hit or the instance failed). */
export function closeOnSignals(streams: KafkaStreams, exit: (code: number) => void = (code) => process.exit(code)): void {
  let closing = false;
  const handler = (): void => {
    if (closing) return;
    closing = true;
    void streams.close().then((ok) => exit(ok && !streams.fatalError ? 0 : 1));
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
