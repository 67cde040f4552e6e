// The Delta sink stage: a consumer group of its own reads the pipeline's output topics and keeps
// the tables current with micro-batched upserts, exactly once into each table. The table's log
// is the source of truth for progress (as in kafka-delta-ingest): every commit carries the txn
// `<group>-<topic>-<partition>` = last offset included, on assignment each partition is sought to
// txn + 1, and Kafka offsets are committed afterwards for lag metrics only.
import type { BatchControl, FetchedBatch, GroupAssignment, RuntimeAdmin } from '../runtime/client/api.ts';
import { retrying, SinkFatalError, type RetryHooks, type RetryPolicy } from '../sinks/core/retry.ts';
import { PartitionBuffer } from './buffer.ts';
import type { SeekableGroupConsumer } from './seekable-consumer.ts';
import { DEFAULT_STAGE_OPTIONS, txnAppId, type SinkRoute, type StageOptions, type TableWriter } from './types.ts';

/** Log levels the stage uses. */
export type StageLogger = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

/** What the stage is built from (the app wires the consumer, writers and routes). */
export interface SinkStageConfig {
  groupId: string;
  consumer: SeekableGroupConsumer;
  /** For the log start offset of a partition the table has no txn for. */
  admin: Pick<RuntimeAdmin, 'offsetRange'>;
  routes: readonly SinkRoute[];
  /** The writer of each route's table, by table name. */
  writers: ReadonlyMap<string, TableWriter>;
  options?: Partial<StageOptions>;
  log?: StageLogger;
  /** Called once when the stage cannot go on (retries exhausted, consumer crashed); it has stopped fetching. */
  onFatal?: (error: Error) => void;
  /** Per-batch metrics (the app passes its metrics observer; sinks know no metrics library). */
  observer?: SinkBatchObserver;
}

/** What the stage reports per table commit: rows and seconds of a written batch, each failed attempt. */
export interface SinkBatchObserver {
  batchWritten(table: string, rows: number, seconds: number): void;
  batchFailed(table: string): void;
}

/** Counters of the stage since it started. */
export interface SinkStageStats {
  /** Records taken into batches (after read_committed filtering and txn positioning). */
  records: number;
  /** Rows sent to the tables (one per key per batch). */
  rows: number;
  /** Table commits done, and those skipped because their txn was already recorded. */
  commits: number;
  txnSkipped: number;
  /** Failed commit or txn-read attempts that were retried. */
  retries: number;
  /** Times a partition was paused because its next batch was full while a commit was in flight. */
  pauses: number;
}

interface PartitionState {
  key: string;
  topic: string;
  partition: number;
  appId: string;
  route: SinkRoute;
  writer: TableWriter;
  buffer: PartitionBuffer;
  /** Next offset to take; records below it are already in the table. */
  position: number;
  ready: boolean;
  revoked: boolean;
  paused: boolean;
  /** Closed batches waiting for the table, oldest first (committed one at a time, in order). */
  queue: ClosedBatch[];
  flushing: Promise<void> | null;
}

type ClosedBatch = ReturnType<PartitionBuffer['drain']>;

/** The sink stage: start() joins the group and runs until stop() or a fatal error. */
export class DeltaSinkStage {
  readonly stats: SinkStageStats = { records: 0, rows: 0, commits: 0, txnSkipped: 0, retries: 0, pauses: 0 };
  /** Last txn version committed per app id by this process. */
  readonly committed = new Map<string, number>();
  readonly #config: SinkStageConfig;
  readonly #options: StageOptions;
  readonly #policy: RetryPolicy;
  readonly #routes = new Map<string, SinkRoute>();
  readonly #log: StageLogger;
  #states = new Map<string, PartitionState>();
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #stopping = false;
  #failed = false;
  // Retry hooks of the txn reads and decoding (stop when the stage stops) and (onRetry only) of the commits.
  readonly #hooks: RetryHooks = {
    onRetry: (error, attempt, delayMs) => {
      this.stats.retries += 1;
      this.#log('warn', `sink: attempt ${attempt} failed, retrying in ${delayMs} ms: ${error instanceof Error ? error.message : String(error)}`);
    },
    isStopped: () => this.#stopping,
  };

  constructor(config: SinkStageConfig) {
    this.#config = config;
    this.#options = { ...DEFAULT_STAGE_OPTIONS, ...config.options };
    this.#policy = { initialDelayMs: this.#options.retryInitialDelayMs, maxDelayMs: this.#options.retryMaxDelayMs, timeoutMs: this.#options.retryTimeoutMs };
    this.#log = config.log ?? (() => undefined);
    for (const route of config.routes) {
      if (!config.writers.has(route.table.name)) throw new Error(`sink stage: no writer for table ${route.table.name}`);
      for (const topic of route.topics) this.#routes.set(topic, route);
    }
  }

  /** The topics the stage reads. */
  get topics(): string[] {
    return [...this.#routes.keys()];
  }

  /** Joins the group and starts consuming; resolves once the consumer runs. */
  async start(): Promise<void> {
    const tick = Math.max(10, Math.min(250, Math.floor(this.#options.maxBatchMs / 4)));
    this.#timer = setInterval(() => this.#onTick(), tick);
    await this.#config.consumer.run({
      onAssigned: (a) => this.#onAssigned(a),
      onBatch: (batch, control) => this.#onBatch(batch, control),
      onSkipped: () => undefined, // markers only: the next commit's offset covers them
      onCrash: (error) => this.#fatal(new SinkFatalError(`sink consumer crashed: ${error.message}`, { cause: error })),
    });
  }

  /** Commits what is buffered, then leaves the group. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    clearInterval(this.#timer);
    const states = [...this.#states.values()];
    for (const st of states) if (st.ready && !st.revoked) this.#config.consumer.pause(st.topic, [st.partition]);
    if (!this.#failed) {
      for (const st of states) {
        if (!st.ready || st.revoked) continue;
        if (!st.buffer.empty) st.queue.push(st.buffer.drain());
        this.#pump(st, true);
      }
      // Each finished commit starts the next queued one: wait until no partition has one in flight.
      for (let pending = states.map((st) => st.flushing); pending.some(Boolean); pending = states.map((st) => st.flushing)) await Promise.all(pending);
    }
    await this.#config.consumer.close();
  }

  #onAssigned(assignment: GroupAssignment): void {
    // Everything buffered belongs to the previous generation: whoever owns a partition now starts
    // from its table's txn, so dropping our uncommitted rows loses nothing.
    for (const st of this.#states.values()) st.revoked = true;
    const generation = (this.#generation = assignment.generation);
    const states = new Map<string, PartitionState>();
    for (const [topic, partitions] of assignment.partitions) {
      const route = this.#routes.get(topic);
      if (!route || partitions.length === 0) continue;
      // Paused before the first fetch of this generation: nothing is read until the seek is set.
      this.#config.consumer.pause(topic, partitions);
      for (const partition of partitions) {
        const key = `${topic}:${partition}`;
        states.set(key, {
          key, topic, partition, route,
          appId: txnAppId(this.#config.groupId, topic, partition),
          writer: this.#config.writers.get(route.table.name) as TableWriter,
          buffer: new PartitionBuffer(route.table),
          position: 0, ready: false, revoked: false, paused: false, queue: [], flushing: null,
        });
      }
    }
    this.#states = states;
    this.#log('info', `sink: generation ${generation}: ${[...states.keys()].join(', ') || 'no partitions'}`);
    this.#position(generation, [...states.values()]).catch((error: unknown) => this.#fatal(error));
  }

  // Seeks each new partition to the table's txn + 1 (or the log start when the table has none),
  // then lets it fetch.
  async #position(generation: number, states: PartitionState[]): Promise<void> {
    for (const st of states) {
      const version = await retrying(`sink: txn of ${st.appId} in ${st.route.table.name}`, () => st.writer.txnVersion(st.appId), this.#policy, this.#hooks);
      const start = version !== undefined ? version + 1 : (await this.#config.admin.offsetRange(st.topic, st.partition)).low;
      if (generation !== this.#generation || this.#stopping) return;
      this.#config.consumer.seek(st.topic, st.partition, start);
      st.position = start;
      st.ready = true;
      this.#config.consumer.resume(st.topic, [st.partition]);
      this.#log('info', `sink: ${st.key} starts at ${start} (table ${st.route.table.name} txn ${version ?? 'none'})`);
    }
  }

  async #onBatch(batch: FetchedBatch, control: BatchControl): Promise<void> {
    const st = this.#states.get(`${batch.topic}:${batch.partition}`);
    if (!st || !st.ready || st.revoked || this.#stopping || this.#failed || control.isStale()) return;
    const records = Array.from(batch.records).filter((r) => r.offset >= st.position);
    if (records.length === 0) return;
    const mapper = st.route.mapper;
    if (mapper.prepare) {
      await retrying(`sink: decoding ${st.key}`, () => (mapper.prepare as NonNullable<typeof mapper.prepare>)(records), this.#policy, this.#hooks);
    }
    if (st.revoked || this.#stopping) return;
    const now = Date.now();
    for (const record of records) {
      try {
        // A row without a key, or with a version that is not an integer, fails here too.
        st.buffer.add(record.offset, mapper.toRow(record), now);
      } catch (error) {
        throw this.#fatal(new SinkFatalError(`sink: ${st.key} offset ${record.offset} does not map to a ${st.route.table.name} row: ${(error as Error).message}`, { cause: error }));
      }
      st.position = record.offset + 1;
      this.stats.records += 1;
      // Closed by size right here, so a large fetch becomes several batches of maxBatchRows keys.
      if (st.buffer.size >= this.#options.maxBatchRows) st.queue.push(st.buffer.drain());
    }
    // The fetch ended on this batch's last record: its Kafka offset may skip the markers behind it
    // (a transactional topic then shows lag 0, as after a Java consumer).
    const last = records[records.length - 1] as (typeof records)[number];
    const tail = st.buffer.empty ? st.queue[st.queue.length - 1] : st.buffer;
    if (tail && tail.lastOffset === last.offset) tail.nextOffset = Math.max(tail.nextOffset, batch.nextOffset);
    this.#maybeFlush(st, now);
  }

  #onTick(): void {
    const now = Date.now();
    for (const st of this.#states.values()) this.#maybeFlush(st, now);
  }

  #maybeFlush(st: PartitionState, now: number): void {
    if (st.revoked || this.#stopping || this.#failed) return;
    // Closed by time: only when nothing waits (a waiting batch means the target is behind; the
    // open one keeps growing to full size meanwhile).
    if (!st.buffer.empty && st.queue.length === 0 && now - st.buffer.firstAt >= this.#options.maxBatchMs) st.queue.push(st.buffer.drain());
    this.#pump(st);
    // Back-pressure: a closed batch waits behind the one the target has not taken yet.
    if (st.flushing && st.queue.length > 0 && !st.paused) {
      st.paused = true;
      this.stats.pauses += 1;
      this.#config.consumer.pause(st.topic, [st.partition]);
    }
  }

  // Commits the partition's closed batches one at a time, in offset order (txn versions only grow).
  #pump(st: PartitionState, stopping = false): void {
    if (st.flushing || st.queue.length === 0) return;
    const batch = st.queue.shift() as ClosedBatch;
    st.flushing = this.#commit(st, batch).then(() => {
      st.flushing = null;
      if (st.queue.length > 0 && (stopping || (!st.revoked && !this.#failed))) return this.#pump(st, stopping);
      if (st.paused && !st.revoked && !this.#stopping) {
        st.paused = false;
        this.#config.consumer.resume(st.topic, [st.partition]);
      }
    }, (error: unknown) => {
      st.flushing = null;
      this.#fatal(error);
    });
  }

  // One table commit: the batch with its txn (retried with backoff), then the Kafka offset.
  async #commit(st: PartitionState, batch: ClosedBatch): Promise<void> {
    const txn = { appId: st.appId, version: batch.lastOffset };
    const table = st.route.table.name;
    const observer = this.#config.observer;
    const started = performance.now();
    const attempt = async () => {
      try {
        return await st.writer.upsert(batch.rows, { txn });
      } catch (error) {
        observer?.batchFailed(table);
        throw error;
      }
    };
    // Retried here only (writers try once and classify their errors); a commit runs to its end even
    // while stopping, so `isStopped` is not passed.
    const result = await retrying(`sink: commit of ${st.key} offsets up to ${batch.lastOffset} into ${table}`, attempt, this.#policy,
      { onRetry: this.#hooks.onRetry });
    observer?.batchWritten(table, batch.rows.length, (performance.now() - started) / 1000);
    this.stats.commits += 1;
    this.stats.rows += batch.rows.length;
    if (result.txnSkipped) this.stats.txnSkipped += 1;
    this.committed.set(st.appId, batch.lastOffset);
    if (st.revoked) return;
    try {
      await this.#config.consumer.commitOffsets([{ topic: st.topic, partition: st.partition, offset: batch.nextOffset }]);
    } catch (error) {
      // Only lag metrics depend on it: the table's txn is what the next owner starts from.
      this.#log('debug', `sink: Kafka offset commit of ${st.key} failed (the table's txn stands): ${(error as Error).message}`);
    }
  }

  #fatal(error: unknown): Error {
    const e = error instanceof Error ? error : new Error(String(error));
    if (this.#failed) return e;
    this.#failed = true;
    clearInterval(this.#timer);
    for (const st of this.#states.values()) if (!st.revoked) this.#config.consumer.pause(st.topic, [st.partition]);
    this.#log('error', e.message);
    this.#config.onFatal?.(e);
    return e;
  }
}
