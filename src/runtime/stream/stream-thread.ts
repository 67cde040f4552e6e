// The processing loop (Kafka Streams' StreamThread + TaskManager in one, as this runtime has one
// thread per instance): fetched batches go to their task, commits happen on the commit interval
// or when a task's output buffer is full, rebalances close and open tasks, and a failed commit
// closes every task and rejoins the group so positions come back from committed offsets.
import type { Topology } from '../../engine/topology/topology.ts';
import type { BatchControl, ConsumerGroupMetadata, FetchedBatch, GroupAssignment, GroupConsumer, PartitionOffset, PartitionReader, RecordProducer, RuntimeAdmin, TransactionalProducer } from '../client/api.ts';
import { copartitionAssignor } from '../assignor/copartition-assignor.ts';
import type { ResolvedConfig } from '../config.ts';
import { deadLetterHandler } from '../../engine/processor/internals/deserialization.ts';
import type { ApplicationLayout } from '../topics/layout.ts';
import { RuntimeTask } from '../task/runtime-task.ts';
import { formatTaskId, parseTaskId } from '../task/task-id.ts';
import { encodeBatch, prepareBatch, sendAtLeastOnce, sendExactlyOnce, type ThreadBatch } from './commit.ts';
import { RepartitionPurge } from './purge.ts';
import { isFatal } from '../errors.ts';
import { withTimeout } from '../timeout.ts';
import type { StateStore } from '../../engine/state/api.ts';
import type { TaskState } from '../observer.ts';

/** Counters for metrics, tests and benches. */
export interface ThreadMetrics {
  processed: number;
  produced: number;
  commits: number;
  restoredRecords: number;
  restoreMs: number;
  rebalances: number;
  consumerRestarts: number;
}

/** What the thread is given by the KafkaStreams facade. */
export interface ThreadDeps {
  config: ResolvedConfig;
  topology: Topology;
  layout: ApplicationLayout;
  admin: RuntimeAdmin;
  reader: PartitionReader;
  /** at_least_once only: the shared producer. */
  producer?: RecordProducer;
  onDisk: string[];
  onFatal(error: Error): void;
}

// With the backoff below, about two minutes of an unreachable cluster before giving up.
const MAX_CONSECUTIVE_RESTARTS = 30;

/** Records a task processes before the thread lets the event loop through (commit round trips, timers). */
const PROCESS_SLICE = 500;

/** One consumer, its tasks, and the loop between them. */
export class StreamThread {
  readonly metrics: ThreadMetrics = { processed: 0, produced: 0, commits: 0, restoredRecords: 0, restoreMs: 0, rebalances: 0, consumerRestarts: 0 };
  readonly #d: ThreadDeps;
  readonly #tasks = new Map<string, RuntimeTask>();
  readonly #subtopologyOf = new Map<string, number>();
  readonly #topologyName = new Map<string, string>();
  #consumer: GroupConsumer | undefined;
  #epoch = 0;
  // A consumer restart scheduled and not done yet: at most one at a time (see #rejoin).
  #rejoining = false;
  // A rebalance began and the thread committed for it (eager protocol): until the next
  // assignment, tasks only buffer what is fetched, so nothing new waits for a commit under the
  // generation that is ending, and a task revoked then closes clean.
  #revoking = false;
  // Consumers replaced by a newer one: their close, started once whatever calls for it.
  readonly #retired = new WeakMap<GroupConsumer, Promise<void>>();
  #queue: Promise<unknown> = Promise.resolve();
  #closing = false;
  #failed = false;
  #lastCommit = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: () => Promise<void> = async () => {};
  #restartsInARow = 0;
  // The commit in flight: processing goes on while it runs; the next commit (or a rebalance, a
  // close, a recovery) waits for it first, and its failure closes the tasks it held dirty.
  #inflight: Promise<void> | undefined;
  // Survives consumer restarts and rebalances: re-applied whenever the task is assigned again.
  readonly #paused = new Set<string>();
  // Tasks with a clean checkpoint here, told to the group leader for sticky placement.
  readonly #onDisk: Set<string>;
  // Readiness: the last assignment's tasks (undefined before the first) and those opening now.
  #assigned: Set<string> | undefined;
  readonly #opening = new Set<string>();
  // exactly_once: the thread's transactional producer (EOS-v2), replaced after any failure, and
  // the generation of the assignment the running tasks belong to (their offsets carry it).
  #transactions: TransactionalProducer | undefined;
  readonly #purge: RepartitionPurge;
  #group: ConsumerGroupMetadata | undefined;

  constructor(deps: ThreadDeps) {
    this.#d = deps;
    this.#onDisk = new Set(deps.onDisk);
    this.#purge = new RepartitionPurge(new Set(deps.layout.repartitionTopics));
    for (const s of deps.layout.subtopologies) for (const t of s.sourceTopics) this.#subtopologyOf.set(t, s.id);
    for (const s of deps.topology.subtopologies()) for (const t of s.sourceTopics) this.#topologyName.set(deps.layout.physicalName(t), t);
  }

  /** Task ids running now. */
  get activeTasks(): string[] {
    return [...this.#tasks.keys()];
  }

  /** Assigned tasks and their state; undefined until the first assignment (readiness). */
  taskStates(): Map<string, TaskState> | undefined {
    if (!this.#assigned) return undefined;
    const states = new Map<string, TaskState>();
    for (const name of this.#assigned) states.set(name, this.#tasks.has(name) && !this.#opening.has(name) ? 'running' : 'restoring');
    return states;
  }

  /** Running tasks not paused on purpose, with their input partitions (what the stall watch checks). */
  watchedTasks(): Map<string, Array<{ topic: string; partition: number }>> {
    const watched = new Map<string, Array<{ topic: string; partition: number }>>();
    for (const name of this.#tasks.keys()) {
      if (this.#paused.has(name)) continue;
      const id = parseTaskId(name);
      const sub = this.#d.layout.subtopologies.find((s) => s.id === id.subtopology);
      watched.set(name, (sub?.sourceTopics ?? []).map((topic) => ({ topic, partition: id.partition })));
    }
    return watched;
  }

  /** A store of a running task (interactive queries, store-size metrics). */
  store(task: string, name: string): StateStore | undefined {
    return this.#tasks.get(task)?.store(name);
  }

  /** Store names per running task. */
  storeNames(): Map<string, string[]> {
    return new Map([...this.#tasks].map(([name, task]) => [name, task.storeNames]));
  }

  /**
   * After a state cleaner's pass: the tasks offered to the assignor as on disk are only those
   * `present` still lists. (A task that closed clean while the cleaner read the disk may drop out:
   * the assignor then only loses a hint for that task, and its checkpoint stays.)
   */
  retainOnDisk(present: ReadonlySet<string>): void {
    for (const name of this.#onDisk) if (!present.has(name)) this.#onDisk.delete(name);
  }

  /** Back-pressure from outside (e.g. a slow sink): stop fetching a task's partitions. */
  pauseTask(name: string): void {
    this.#paused.add(name);
    this.#applyPause(name, true);
  }

  /** Undoes `pauseTask`. */
  resumeTask(name: string): void {
    this.#paused.delete(name);
    this.#applyPause(name, false);
  }

  #applyPause(name: string, pause: boolean): void {
    const id = parseTaskId(name);
    const sub = this.#d.layout.subtopologies.find((s) => s.id === id.subtopology);
    for (const topic of sub?.sourceTopics ?? []) {
      if (pause) this.#consumer?.pause(topic, [id.partition]);
      else this.#consumer?.resume(topic, [id.partition]);
    }
  }

  /** Joins the group and starts the commit/punctuation timer. */
  start(): void {
    this.#startConsumer();
    // Checked often so a commit is at most a few ms late (latency), cheap when nothing is due.
    const every = Math.max(5, Math.min(20, Math.floor(this.#d.config.caughtUpCommitMs / 2)));
    this.#timer = setInterval(() => void this.#serial(() => this.#tick()).catch((e: unknown) => this.#fail(e)), every);
  }

  /** Graceful stop: commit, close every task (checkpoints written), leave the group. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#serial(async () => {
      const failed = await this.#takeInflight();
      for (const name of failed?.tasks ?? []) await this.#closeDirty(name);
      // One last commit of every task together (one transaction), then each closes clean.
      if (!this.#failed) await this.#commitAll();
      const last = await this.#takeInflight();
      for (const name of last?.tasks ?? []) await this.#closeDirty(name);
      // The last commit went through, no rebalance is under way and the group is not left yet: no
      // one else has the tasks, so their checkpoints may claim the changelogs' end (a restart then
      // restores nothing). During a rebalance (revoking) a new owner may already be writing. Left:
      // a member whose session expired unnoticed and whose tasks had nothing to commit.
      await this.#closeAll(true, last === undefined && !this.#failed && !this.#revoking);
    });
    await this.#consumer?.close().catch(() => undefined);
    await this.#dropTransactions();
  }

  async #closeDirty(name: string): Promise<void> {
    const task = this.#tasks.get(name);
    if (!task) return;
    this.#tasks.delete(name);
    this.#onDisk.delete(name);
    await task.closeDirty();
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(fn, fn);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  #startConsumer(): void {
    const epoch = ++this.#epoch;
    this.#revoking = false;
    const { config } = this.#d;
    const consumer = config.client.groupConsumer({
      groupId: config.applicationId,
      topics: [...this.#subtopologyOf.keys()],
      sessionTimeoutMs: config.sessionTimeoutMs,
      ...(config.groupInstanceId ? { groupInstanceId: config.groupInstanceId } : {}),
      assignor: copartitionAssignor({
        layout: new Map(this.#d.layout.subtopologies.map((s) => [s.id, s.sourceTopics])),
        instanceId: config.instanceId,
        endpoint: config.applicationServer,
        current: () => ({ owned: this.activeTasks, onDisk: [...this.#onDisk].filter((t) => !this.#tasks.has(t)) }),
      }),
    });
    this.#consumer = consumer;
    consumer
      .run({
        onBatch: (batch, control) => {
          if (epoch === this.#epoch) return this.#serial(() => this.#onBatch(batch, control, epoch));
          // A replaced consumer still fetching: it must not keep partitions nobody processes.
          void this.#retire(consumer);
          return Promise.resolve();
        },
        onAssigned: (assignment) => {
          if (epoch === this.#epoch) void this.#serial(() => this.#onAssigned(assignment, epoch)).catch((e: unknown) => this.#fail(e));
          // A replaced consumer that joined the group anyway is a member whose partitions are
          // never processed nor committed: the group would never catch up. Close it.
          else void this.#retire(consumer);
        },
        onRevoking: () => (epoch === this.#epoch ? this.#serial(() => this.#onRevoking(epoch)) : Promise.resolve()),
        onSkipped: (topic, partition, nextOffset) => {
          if (epoch === this.#epoch) void this.#serial(async () => this.#onSkipped(topic, partition, nextOffset, epoch));
        },
        onHighWatermarks: (ends) => {
          if (epoch === this.#epoch) void this.#serial(async () => this.#onHighWatermarks(ends, epoch));
        },
        onOffsetReset: (topic, partition, from, to) => {
          // Never silent: records the log deleted before this group read them are lost to it.
          this.#d.config.log('warn', to > from ? 'input records deleted before they were processed: fetching goes on at the log start' : 'log truncated under the position: fetching goes on at its end', { topic, partition, from, to, lost: Math.max(0, to - from) });
          this.#d.config.observer?.offsetReset?.(topic, partition, from, to);
        },
        onCrash: (error) => {
          if (epoch === this.#epoch) void this.#serial(() => this.#recover(error, [])).catch((e: unknown) => this.#fail(e));
        },
      })
      .catch((error: unknown) => {
        if (epoch === this.#epoch) void this.#serial(() => this.#recover(error, [])).catch((e: unknown) => this.#fail(e));
      });
  }

  async #onBatch(batch: FetchedBatch, control: BatchControl, epoch: number): Promise<void> {
    if (this.#closing || this.#failed || epoch !== this.#epoch || control.isStale()) return;
    this.#heartbeat = control.heartbeat;
    const subtopology = this.#subtopologyOf.get(batch.topic);
    if (subtopology === undefined) return;
    const name = formatTaskId({ subtopology, partition: batch.partition });
    try {
      const task = this.#tasks.get(name) ?? (await this.#openTask(name));
      await task.prepare(batch);
      // Buffered first: a task with several inputs takes records in timestamp order across them.
      task.enqueue(batch);
      // In slices, with the event loop let through between them: a fetched batch (up to 1 MiB per
      // partition, thousands of records) took ~200 ms at once, while the commit in flight waited
      // for each of its round trips' turns: commits took 131-133 ms on average against 87-93 ms
      // sliced, at the same throughput (`live-invoices --metrics`, docs/BENCHMARKS.md).
      for (;;) {
        if (this.#revoking) return;
        const processed = task.processBuffered(Date.now(), PROCESS_SLICE);
        this.metrics.processed += processed;
        this.#restartsInARow = 0;
        if (this.#commitDue() || task.buffered > this.#d.config.maxBufferedRecords) await this.#commitAll();
        if (processed < PROCESS_SLICE || this.#closing || this.#failed || epoch !== this.#epoch || !this.#tasks.has(name)) return;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      await this.#recover(error, [name]);
    }
  }

  #onSkipped(topic: string, partition: number, nextOffset: number, epoch: number): void {
    const subtopology = this.#subtopologyOf.get(topic);
    if (epoch !== this.#epoch || subtopology === undefined) return;
    this.#tasks.get(formatTaskId({ subtopology, partition }))?.skipFetched(topic, partition, nextOffset);
  }

  #onHighWatermarks(ends: readonly PartitionOffset[], epoch: number): void {
    if (epoch !== this.#epoch) return;
    for (const { topic, partition, offset } of ends) {
      const subtopology = this.#subtopologyOf.get(topic);
      if (subtopology !== undefined) this.#tasks.get(formatTaskId({ subtopology, partition }))?.noteEnd(topic, partition, offset);
    }
  }

  // Kafka Streams' eager revocation: commit every task while the ending generation still accepts
  // offsets (a commit after the rejoin fails on ILLEGAL_GENERATION and closes the tasks dirty:
  // seen at every second stream thread's join), then hold processing until the assignment.
  async #onRevoking(epoch: number): Promise<void> {
    if (this.#closing || this.#failed || epoch !== this.#epoch) return;
    try {
      await this.#commitAll();
    } catch (error) {
      return this.#recover(error, []);
    }
    const failed = await this.#takeInflight();
    this.#revoking = true;
    // After the rejoin: recovery replaces the consumer, which is inside its join now.
    if (failed) void this.#serial(() => this.#recover(failed.cause, failed.tasks)).catch((e: unknown) => this.#fail(e));
  }

  async #onAssigned(assignment: GroupAssignment, epoch: number): Promise<void> {
    if (this.#closing || this.#failed || epoch !== this.#epoch) return;
    if (!(await this.#settle())) return;
    this.metrics.rebalances++;
    const wanted = new Set<string>();
    for (const [topic, partitions] of assignment.partitions) {
      const subtopology = this.#subtopologyOf.get(topic);
      if (subtopology !== undefined) for (const p of partitions) wanted.add(formatTaskId({ subtopology, partition: p }));
    }
    this.#assigned = wanted;
    const revoked = [...this.#tasks.values()].filter((t) => !wanted.has(t.name));
    // exactly_once: the new owners may be running already, and a commit now would carry the new
    // generation, which the coordinator accepts: revoked tasks drop what they did not commit
    // (their new owners restore it and read from the committed offsets). A task with nothing
    // uncommitted (the revocation commit took it all) closes clean and keeps its checkpoint.
    // at_least_once commits.
    const exactlyOnce = this.#d.config.guarantee === 'exactly_once';
    for (const task of revoked) await this.#closeTask(task, !exactlyOnce || (!task.needsCommit && task.buffered === 0));
    this.#group = { groupId: this.#d.config.applicationId, generationId: assignment.generation, memberId: assignment.memberId };
    const held = this.#revoking;
    this.#revoking = false;
    this.#d.config.log('info', 'assignment', { generation: assignment.generation, tasks: [...wanted].sort(), revoked: revoked.map((t) => t.name) });
    // Eager: a task restores on assignment, so wall-clock punctuators run even on idle partitions.
    for (const name of wanted) if (this.#paused.has(name)) this.#applyPause(name, true);
    try {
      // InitProducerId before any task reads its committed offsets: it aborts what this instance's
      // previous incarnation left open (a crash inside a commit). Those reads are stable and wait
      // while that transaction holds offsets of their partitions: initialized at the first commit,
      // after them, the producer came too late, and the tasks waited for the transaction timeout.
      if (exactlyOnce && [...wanted].some((name) => !this.#tasks.has(name))) await this.#transactionsReady();
      for (const name of [...wanted].sort()) if (!this.#tasks.has(name)) await this.#openTask(name);
    } catch (error) {
      return this.#recover(error, []);
    }
    // What the kept tasks buffered while the rebalance ran.
    if (held) await this.#processPending();
  }

  /** Processes what every task has buffered (records held by a rebalance, or by max.task.idle.ms); false after a task failed (recovered). */
  async #processPending(): Promise<boolean> {
    for (const task of this.#tasks.values()) {
      if (task.pending === 0) continue;
      try {
        this.metrics.processed += task.processBuffered(Date.now());
      } catch (error) {
        await this.#recover(error, [task.name]);
        return false;
      }
    }
    return true;
  }

  async #tick(): Promise<void> {
    // While a rebalance runs, punctuators wait too: what they emit would need a commit.
    if (this.#closing || this.#failed || this.#revoking) return;
    for (const task of this.#tasks.values()) task.punctuate();
    this.#purgeRepartitions();
    // A task idling on a caught-up partition (max.task.idle.ms > 0) goes on once its deadline passes.
    if (this.#d.config.maxTaskIdleMs > 0) {
      if (!(await this.#processPending())) return;
    }
    if (this.#commitDue()) {
      try {
        await this.#commitAll();
      } catch (error) {
        await this.#recover(error, []);
      }
    }
  }

  // Committed repartition records go (their retention is infinite); in the background: a purge
  // that fails or lags loses nothing, the next one covers it.
  #purgeRepartitions(): void {
    const admin = this.#d.admin;
    if (!admin.deleteRecords) return;
    const due = this.#purge.take(Date.now());
    if (due) void admin.deleteRecords(due).catch((error: unknown) => this.#d.config.log('warn', 'repartition purge failed', { error: String(error) }));
  }

  // On the interval; sooner once every task is caught up (latency when the thread keeps up; a
  // backlog is never caught up, so it commits on the interval: see RuntimeConfig.caughtUpCommitMs).
  #commitDue(): boolean {
    if (this.#revoking) return false;
    const since = Date.now() - this.#lastCommit;
    if (since >= this.#d.config.commitIntervalMs) return true;
    if (since < this.#d.config.caughtUpCommitMs) return false;
    for (const task of this.#tasks.values()) if (!task.caughtUp) return false;
    return true;
  }

  async #openTask(name: string): Promise<RuntimeTask> {
    const { config, topology, layout } = this.#d;
    const id = parseTaskId(name);
    const sub = topology.subtopologies().find((s) => s.id === id.subtopology);
    const subLayout = layout.subtopologies.find((s) => s.id === id.subtopology);
    if (!sub || !subLayout) throw new Error(`no sub-topology ${id.subtopology}`);
    const task = new RuntimeTask({
      id,
      applicationId: config.applicationId,
      groupId: config.applicationId,
      exactlyOnce: config.guarantee === 'exactly_once',
      subtopology: sub,
      sourceTopics: subLayout.sourceTopics,
      physicalName: layout.physicalName,
      topologyName: (t) => this.#topologyName.get(t) ?? t,
      storeBuilders: topology.storeBuilders(),
      changelogs: subLayout.changelogs,
      stateDir: config.stateDir,
      stateOwner: config.stateOwner,
      admin: this.#d.admin,
      reader: this.#d.reader,
      deadLetterTopic: config.deadLetterTopic,
      onDeserializationError: config.onDeserializationError ?? deadLetterHandler(config.deadLetterTopic),
      wallClock: () => Date.now(),
      maxTaskIdleMs: config.maxTaskIdleMs,
      observer: config.observer,
    });
    const started = performance.now();
    this.#opening.add(name);
    try {
      await task.initialize(() => this.#heartbeat());
    } catch (error) {
      await task.closeDirty();
      throw error;
    } finally {
      this.#opening.delete(name);
    }
    this.metrics.restoredRecords += task.restoredRecords;
    this.metrics.restoreMs += task.restoreMs;
    this.#tasks.set(name, task);
    // Under exactly_once the checkpoint was just deleted; under at_least_once it stays valid.
    if (config.guarantee === 'exactly_once') this.#onDisk.delete(name);
    this.#d.config.log('info', 'task ready', { task: name, restored: task.restoredRecords, ms: Math.round(performance.now() - started) });
    return task;
  }

  async #commitAll(): Promise<void> {
    if (!(await this.#settle()) || this.#revoking) return;
    this.#lastCommit = Date.now();
    const commitStarted = performance.now();
    const tasks = [...this.#tasks.values()];
    const batch = await prepareBatch(tasks);
    if (!batch) return;
    if (this.#d.config.guarantee === 'exactly_once' && this.#transactions) encodeBatch(batch, this.#transactions);
    const run = this.#send(batch).then(
      (n) => {
        this.metrics.produced += n;
        this.metrics.commits++;
        this.#purge.committed(batch.offsets);
        this.#d.config.observer?.committed?.((performance.now() - commitStarted) / 1000);
      },
      (error: unknown) => {
        throw new CommitFailedError(batch.tasks, error);
      },
    );
    run.catch(() => undefined); // observed by #settle
    this.#inflight = run;
  }

  /** Sends a batch under the guarantee; a failed transaction retires the producer (the next one fences it). */
  async #send(batch: ThreadBatch): Promise<number> {
    if (this.#d.config.guarantee !== 'exactly_once') return sendAtLeastOnce(batch, this.#d.producer as RecordProducer, this.#consumer as GroupConsumer);
    const group = this.#group;
    if (!group) throw new Error('exactly_once commit before the first assignment');
    try {
      return await sendExactlyOnce(batch, await this.#transactionsReady(), group);
    } catch (error) {
      await this.#dropTransactions();
      throw error;
    }
  }

  /** The thread's transactional producer, initialized: InitProducerId fences this instance's previous incarnation and aborts its open transaction. */
  async #transactionsReady(): Promise<TransactionalProducer> {
    if (this.#transactions) return this.#transactions;
    const { config } = this.#d;
    // One transactional.id per instance (its stable id): a restart fences its predecessor at once
    // instead of waiting for the transaction timeout; zombies of other instances are fenced by
    // the generation their offsets carry.
    const producer = config.client.transactionalProducer(`${config.applicationId}-${config.instanceId}`, config.transactionTimeoutMs);
    try {
      await producer.init();
    } catch (error) {
      await producer.close().catch(() => undefined);
      throw error;
    }
    this.#transactions = producer;
    return producer;
  }

  /** Abandons the producer (its open transaction, if any, is aborted by the broker when the next one initializes, or by timeout). */
  async #dropTransactions(): Promise<void> {
    const producer = this.#transactions;
    this.#transactions = undefined;
    if (!producer) return;
    await withTimeout(producer.abort(), 10_000, 'transaction abort').catch(() => undefined);
    await withTimeout(producer.close(), 10_000, 'producer close').catch(() => undefined);
  }

  /** Waits for the commit in flight; a failed one becomes a recovery (and false). */
  async #settle(): Promise<boolean> {
    const failed = await this.#takeInflight();
    if (!failed) return true;
    await this.#recover(failed.cause, failed.tasks);
    return false;
  }

  async #takeInflight(): Promise<CommitFailedError | undefined> {
    const pending = this.#inflight;
    this.#inflight = undefined;
    try {
      // A commit cannot legitimately outlive the transaction timeout: the broker aborts it then.
      if (pending) await withTimeout(pending, this.#d.config.transactionTimeoutMs + 10_000, 'commit in flight');
      return undefined;
    } catch (error) {
      return error instanceof CommitFailedError ? error : new CommitFailedError([...this.#tasks.keys()], error);
    }
  }

  async #closeTask(task: RuntimeTask, commit: boolean, ownsLogEnd = false): Promise<void> {
    this.#tasks.delete(task.name);
    try {
      if (commit) {
        const batch = await prepareBatch([task]);
        if (batch) this.metrics.produced += await this.#send(batch);
        await task.closeClean(ownsLogEnd);
        this.#onDisk.add(task.name);
        return;
      }
    } catch (error) {
      this.#d.config.log('warn', 'commit on close failed; closing dirty', { task: task.name, error: String(error) });
    }
    this.#onDisk.delete(task.name);
    await task.closeDirty();
  }

  async #closeAll(commit: boolean, ownsLogEnd = false): Promise<void> {
    for (const task of [...this.#tasks.values()]) await this.#closeTask(task, commit, ownsLogEnd);
  }

  // A commit or task failed: the failed tasks lose their uncommitted work (abort, wipe), the others
  // commit and close, and the consumer rejoins so every position comes from committed offsets.
  async #recover(error: unknown, failedTasks: string[]): Promise<void> {
    if (this.#closing || this.#failed) return;
    if (isFatal(error)) return this.#fail(error);
    // A commit still in flight settles first; if it failed, its tasks are lost too.
    const inflight = await this.#takeInflight();
    const failed = [...failedTasks, ...(inflight?.tasks ?? [])];
    this.#d.config.log('warn', 'task failure: closing tasks and rejoining the group', { error: String(error), tasks: failed });
    for (const name of failed) await this.#closeDirty(name);
    await this.#closeAll(true);
    if (++this.#restartsInARow > MAX_CONSECUTIVE_RESTARTS) return this.#fail(new Error(`giving up after ${MAX_CONSECUTIVE_RESTARTS} consumer restarts in a row`, { cause: error }));
    // The current consumer's batches and assignments are ignored from here on.
    this.#epoch++;
    this.#rejoin();
  }

  // Replaces the consumer: close the current one, back off, start a new one. Single flight: a
  // broker outage brings several failures at once (a failed commit, then the consumer's crash),
  // each recovering in turn; a second restart scheduled before the first one's consumer exists
  // would close the same old consumer twice and start two new ones, and the first of them, no
  // longer current, stayed in the group holding partitions that nothing processed (issue #4).
  // The pending restart serves every recovery before it: it starts after their closes.
  #rejoin(): void {
    if (this.#rejoining) return;
    this.#rejoining = true;
    this.metrics.consumerRestarts++;
    const old = this.#consumer;
    // Outside the queue: closing the consumer waits for its batch in flight, which waits for the queue.
    void (async () => {
      try {
        if (old) await this.#retire(old);
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * this.#restartsInARow)));
      } finally {
        this.#rejoining = false;
      }
      if (!this.#closing && !this.#failed) this.#startConsumer();
    })();
  }

  /** Closes a consumer that is no longer current (once; bounded: a close can hang in an outage). */
  #retire(consumer: GroupConsumer): Promise<void> {
    let closing = this.#retired.get(consumer);
    if (closing) return closing;
    if (consumer !== this.#consumer) this.#d.config.log('warn', 'closing a replaced consumer that is still active');
    closing = withTimeout(consumer.close(), 15_000, 'consumer close').catch((error: unknown) => {
      this.#d.config.log('warn', 'consumer close failed', { error: String(error) });
    });
    this.#retired.set(consumer, closing);
    return closing;
  }

  async #fail(error: unknown): Promise<void> {
    if (this.#failed) return;
    this.#failed = true;
    const err = error instanceof Error ? error : new Error(String(error));
    this.#d.config.log('error', `fatal: ${err.message}`, { stack: err.stack });
    if (this.#timer) clearInterval(this.#timer);
    await this.#takeInflight();
    for (const task of [...this.#tasks.values()]) await task.closeDirty().catch(() => undefined);
    this.#tasks.clear();
    await this.#dropTransactions();
    // Not awaited here: we may be inside a batch, and closing the consumer waits for that batch.
    const consumer = this.#consumer;
    this.#epoch++;
    void (async () => {
      if (consumer) await this.#retire(consumer);
      this.#d.onFatal(err);
    })();
  }
}

/** A commit failed: the tasks whose uncommitted work it carried must be closed dirty. */
class CommitFailedError extends Error {
  readonly tasks: string[];
  constructor(tasks: string[], cause: unknown) {
    super(`commit failed for tasks ${tasks.join(', ')}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CommitFailedError';
    this.tasks = tasks;
  }
}
