// A task as the Kafka runtime hosts it (RuntimeTask): the engine's StreamTask
// (src/engine/processor/internals/stream-task.ts, processing only) plus what Kafka adds: input
// positions, buffered outputs, changelog records, restoration and the task directory. Commits are
// the stream thread's (stream/commit.ts): one producer per thread.
import { deadLetterHeaders } from '../../engine/processor/internals/deserialization.ts';
import type { DeserializationExceptionHandler } from '../../engine/processor/internals/deserialization.ts';
import type { ProducedRecord } from '../../engine/processor/internals/records.ts';
import { StreamTask } from '../../engine/processor/internals/stream-task.ts';
import type { TaskId } from '../../engine/processor/api.ts';
import type { Subtopology } from '../../engine/topology/subtopologies.ts';
import type { StoreBuilder } from '../../engine/topology/topology.ts';
import type { ConsumedRecord, FetchedBatch, OutgoingRecord, PartitionOffset, PartitionReader, RuntimeAdmin } from '../client/api.ts';
import { restoreStores, type RestoreTarget } from '../state/restorer.ts';
import { checkpointKey, TaskDirectory, type Checkpoint, type StateOwner } from '../state/task-directory.ts';
import { isChangeLogging, type ChangeLoggingStore, type StateStore } from '../../engine/state/api.ts';
import { OutputArena } from './output-arena.ts';
import { toEngineRecord, toOutgoing } from './records.ts';
import { formatTaskId } from './task-id.ts';
import { PartitionGroup, type GroupInput } from './partition-group.ts';
import { FatalRuntimeError } from '../errors.ts';
import type { RuntimeObserver } from '../observer.ts';

/** Everything a task needs from the instance that hosts it. */
export interface RuntimeTaskOptions {
  id: TaskId;
  applicationId: string;
  groupId: string;
  exactlyOnce: boolean;
  subtopology: Subtopology;
  /** Physical source topics of this task's sub-topology. */
  sourceTopics: readonly string[];
  physicalName(topic: string): string;
  topologyName(physicalTopic: string): string;
  storeBuilders: ReadonlyMap<string, StoreBuilder>;
  changelogs: ReadonlyArray<{ store: string; topic: string }>;
  stateDir: string;
  /** Which stream thread of which run opens the task directory (default: this process, thread 0). */
  stateOwner?: StateOwner;
  admin: RuntimeAdmin;
  reader: PartitionReader;
  deadLetterTopic: string;
  onDeserializationError: DeserializationExceptionHandler;
  wallClock(): number;
  /** `max.task.idle.ms` of the task's partition group (see partition-group.ts). */
  maxTaskIdleMs?: number;
  /** Metrics callbacks (optional). */
  observer?: RuntimeObserver;
}

/** What a task hands over at commit (the thread produces and commits). */
export interface CommitBatch {
  records: OutgoingRecord[];
  offsets: PartitionOffset[];
}

/** One (sub-topology, partition) task on this instance, hosting the engine's StreamTask. */
export class RuntimeTask {
  readonly id: TaskId;
  readonly name: string;
  readonly directory: TaskDirectory;
  readonly #o: RuntimeTaskOptions;
  readonly #preparers = new Map<string, { key?: Preparing; value?: Preparing }>();
  #engine: StreamTask | undefined;
  // Next offset to process per source topic, in `sourceTopics` order (-1: none yet); every input
  // of a task has its partition. A task reads one to three topics: a scan of their names costs
  // less than a Map keyed by `topic:partition`, a string built and hashed per record.
  readonly #positions: number[];
  readonly #group: PartitionGroup;
  // Outputs until the commit, as bytes (output-arena.ts).
  readonly #outputs = new OutputArena();
  #dirty = false;
  // Where each changelog stood when this task's restore ended: what its clean close checkpoints.
  #restoredTo: Checkpoint = new Map();
  restoredRecords = 0;
  /** Time spent reading changelogs into stores (not fencing or offset look-ups). */
  restoreMs = 0;

  constructor(options: RuntimeTaskOptions) {
    this.#o = options;
    this.id = options.id;
    this.name = formatTaskId(options.id);
    this.directory = new TaskDirectory(options.stateDir, options.applicationId, this.name, options.stateOwner);
    // Input priority = source-topic order in the topology (the replay merge's tie rule).
    const extractors = new Map<string, GroupInput['extractor']>();
    for (const node of options.subtopology.nodes) if (node.kind === 'source' && node.timestampExtractor) for (const t of node.topics) extractors.set(t, node.timestampExtractor);
    // Deserializers that fetch ahead (Avro writer schemas from the registry): awaited per batch
    // in `prepare`, because the engine's deserialize is synchronous.
    for (const node of options.subtopology.nodes) {
      if (node.kind !== 'source') continue;
      const key = hasPrepare(node.keyDeserializer) ? node.keyDeserializer : undefined;
      const value = hasPrepare(node.valueDeserializer) ? node.valueDeserializer : undefined;
      if (key || value) for (const t of node.topics) this.#preparers.set(t, { key, value });
    }
    this.#group = new PartitionGroup(
      options.sourceTopics.map((topic) => ({ topic, partition: options.id.partition, extractor: extractors.get(options.topologyName(topic)) })),
      { maxTaskIdleMs: options.maxTaskIdleMs, onSkip: (topic, partition, nextOffset) => this.skipTo(topic, partition, nextOffset) },
    );
    this.#positions = options.sourceTopics.map(() => -1);
  }

  /** Source topic-partitions of this task. */
  get inputs(): Array<{ topic: string; partition: number }> {
    return this.#o.sourceTopics.map((topic) => ({ topic, partition: this.id.partition }));
  }

  /** A state store of this task, once initialized (interactive queries, store-size metrics). */
  store(name: string): StateStore | undefined {
    return this.#engine?.stores.get(name);
  }

  /** Names of this task's state stores (empty until initialized). */
  get storeNames(): string[] {
    return [...(this.#engine?.stores.keys() ?? [])];
  }

  /** Records waiting to be produced at the next commit. */
  get buffered(): number {
    return this.#outputs.length;
  }

  /** Input records fetched but not processed yet. */
  get pending(): number {
    return this.#group.buffered;
  }

  /** Every input partition processed up to its known end (see PartitionGroup.caughtUp). */
  get caughtUp(): boolean {
    return this.#group.caughtUp;
  }

  /** True when something was processed since the last commit. */
  get needsCommit(): boolean {
    return this.#dirty;
  }

  /** Makes the task ready: fence the previous owner, read where it stopped, restore its stores. */
  async initialize(heartbeat: () => Promise<void>): Promise<void> {
    // First: the previous owner, another stream thread of this instance, may still be closing it.
    await this.directory.lock();
    // Committed offsets are read stable (KIP-447 require_stable): while the previous owner's
    // transaction holding offsets of these partitions is open, the broker makes us wait.
    for (const { topic, partition } of this.inputs) {
      const committed = await this.#o.admin.committedOffsets(this.#o.groupId, topic);
      const offset = committed.get(partition);
      if (offset !== undefined) this.#positions[this.#source(topic)] = offset;
      // Known lag from the start, so a partition not fetched yet holds the others back (one input: no choice to make).
      if (this.inputs.length > 1) {
        const range = await this.#o.admin.offsetRange(topic, partition);
        this.#group.setEnd(topic, partition, offset ?? range.low, range.high);
      }
    }
    const checkpoint = await this.directory.readCheckpoint();
    // No checkpoint (an unclean stop, or one too old to trust): the directory may hold uncommitted
    // writes (exactly_once) or keys deleted since, whose tombstones compaction may have dropped
    // (either guarantee; a restore on top would keep them). Wipe, full restore.
    if (!checkpoint) await this.directory.wipe();
    // exactly_once: while the task runs, its on-disk state runs ahead of Kafka: remove the claim until a clean close.
    else if (this.#o.exactlyOnce) await this.directory.deleteCheckpoint();
    await this.directory.create();
    const engine = new StreamTask({
      id: this.id,
      applicationId: this.#o.applicationId,
      subtopology: this.#o.subtopology,
      storeBuilders: this.#o.storeBuilders,
      collector: (record) => this.#collect(record),
      wallClock: this.#o.wallClock,
      onDeserializationError: this.#o.onDeserializationError,
      taskDir: this.directory.path,
    });
    const targets: RestoreTarget[] = this.#o.changelogs.map((c) => {
      const store = loggedStore(engine.stores.get(c.store), c.store);
      return { store, topic: c.topic, partition: this.id.partition, persistent: store.persistent };
    });
    const started = performance.now();
    const progress = this.#o.observer?.restoreProgress?.bind(this.#o.observer);
    const restored = await restoreStores(targets, checkpoint, this.#o.admin, this.#o.reader, heartbeat, progress);
    this.restoreMs = performance.now() - started;
    this.restoredRecords = restored.records;
    this.#restoredTo = restored.offsets;
    // Processors read their state in init: only now is it there.
    engine.initializeTopology();
    this.#engine = engine;
  }

  /** Moves a partition's position past records that are not data (markers, aborted records). */
  skipTo(topic: string, _partition: number, nextOffset: number): void {
    const i = this.#source(topic);
    // Only forward; the partition group calls it only once what lies before was processed.
    if (i >= 0 && nextOffset > (this.#positions[i] as number)) {
      this.#positions[i] = nextOffset;
      this.#dirty = true;
    }
  }

  /** A fetch of only markers or aborted records: the position moves once the buffered records are processed. */
  skipFetched(topic: string, partition: number, nextOffset: number): void {
    this.#group.skip(topic, partition, nextOffset);
  }

  /** Buffers a fetched batch of one of its partitions (processed by `processBuffered`). */
  /** Lets fetch-ahead deserializers (Avro) see the batch's bytes before it is processed; no-op for most sources. */
  async prepare(batch: FetchedBatch): Promise<void> {
    const preparers = this.#preparers.get(this.#o.topologyName(batch.topic));
    if (preparers === undefined) return;
    for (const record of batch.records) {
      if (preparers.key) await preparers.key.prepare(record.key);
      if (preparers.value) await preparers.value.prepare(record.value);
    }
  }

  /** A fetch saw `end` as the partition's high watermark (its batch, if any, comes next). */
  noteEnd(topic: string, partition: number, end: number): void {
    this.#group.noteEnd(topic, partition, end);
  }

  enqueue(batch: FetchedBatch): void {
    this.#group.add(batch.topic, batch.partition, batch.records, batch.nextOffset, batch.highWatermark);
  }

  /** Processes buffered records in timestamp order until empty, waiting for a lagging partition, or `limit` records processed. */
  processBuffered(now: number, limit = Infinity): number {
    const engine = this.#ready();
    const group = this.#group;
    let processed = 0;
    let run = 0;
    let runTopic = '';
    while (processed < limit) {
      const record = group.next(now);
      if (record === undefined) break;
      const source = this.#source(record.topic);
      if (source >= 0) {
        if (record.offset < (this.#positions[source] as number)) continue;
        this.#positions[source] = record.offset + 1;
      }
      this.#dirty = true;
      processed++;
      // Consumed counts per run of one topic, not per record (metrics callbacks are not free).
      if (record.topic !== runTopic) {
        if (run > 0) this.#o.observer?.consumed?.(runTopic, run);
        runTopic = record.topic;
        run = 0;
      }
      run++;
      try {
        engine.process(toEngineRecord(record, this.#o.topologyName(record.topic), group.timestamp));
      } catch (error) {
        // A broken sink is the topology's fault, not the record's: stop rather than dead-letter all.
        if (error instanceof FatalRuntimeError) throw error;
        this.#deadLetterProcessingError(record, error);
      }
    }
    if (run > 0) this.#o.observer?.consumed?.(runTopic, run);
    return processed;
  }

  /** Fires due wall-clock punctuators. */
  punctuate(): void {
    if (this.#engine?.punctuateWallClock()) this.#dirty = true;
  }

  /** Flushes the stores: their changelog records wait for `drainCommit`. */
  async flushStores(): Promise<void> {
    await this.#ready().flush();
  }

  /**
   * Hands over outputs, changelog records and input offsets (after `flushStores`). Synchronous, so
   * that a commit takes every task's records and encodes them before anything else runs: records
   * alive across the commit's awaits survive young-generation collections (scavenges per run
   * 864–920 → 816–856 ms once they no longer were, docs/BENCHMARKS.md).
   */
  drainCommit(): CommitBatch {
    const engine = this.#ready();
    const records = this.#outputs.take();
    for (const c of this.#o.changelogs) {
      const store = loggedStore(engine.stores.get(c.store), c.store);
      for (const e of store.drainChangelog()) {
        const record: OutgoingRecord = { topic: c.topic, partition: this.id.partition, key: Buffer.from(e.key, 'utf8'), value: e.value };
        records.push(record);
        this.#o.observer?.produced?.(record);
      }
    }
    const offsets: PartitionOffset[] = [];
    for (const { topic, partition } of this.inputs) {
      const offset = this.#positions[this.#source(topic)] as number;
      if (offset >= 0) offsets.push({ topic, partition, offset });
    }
    this.#dirty = false;
    return { records, offsets };
  }

  /**
   * Clean close after a successful commit: checkpoint, close stores. `ownsLogEnd`: nobody else can
   * have written to the changelogs since this task's last commit (a graceful close whose last commit
   * went through, the group not left yet), so the checkpoint may claim their end now.
   */
  async closeClean(ownsLogEnd = false): Promise<void> {
    if (this.#engine) {
      await this.#engine.close();
      // Otherwise the checkpoint is where the restore ended. The stores hold the log up to there
      // plus this task's own committed writes, all of which come after it, so the next restore
      // from there applies those again (the same values) and then whatever came later. A task
      // revoked in a rebalance closes after it, when its new owner may have written already:
      // claiming the log's end then made a later owner on this directory skip those writes
      // (dedup entries lost, a payment's retry applied twice: the invoice chaos test, 2026-12-07).
      const checkpoint: Checkpoint = new Map(this.#restoredTo);
      if (ownsLogEnd) for (const c of this.#o.changelogs) checkpoint.set(checkpointKey(c.topic, this.id.partition), (await this.#o.admin.offsetRange(c.topic, this.id.partition)).high);
      await this.directory.writeCheckpoint(checkpoint);
    }
    this.#engine = undefined;
    await this.directory.unlock();
  }

  /** Dirty close (revoked uncommitted, fenced, failed commit): drop local state (the thread aborts the transaction). */
  async closeDirty(): Promise<void> {
    // Processors close as in a clean close (they give back what they registered, such as a held
    // payments tally); the stores do not flush: they hold writes no transaction committed.
    try {
      this.#engine?.closeProcessors();
    } catch {
      // A processor failing to close must not keep a dirty task's state from being dropped.
    }
    for (const store of this.#engine?.stores.values() ?? []) await store.close().catch(() => undefined);
    this.#engine = undefined;
    this.#outputs.clear();
    // Not ours (the lock was never taken: another thread holds the task): not ours to wipe.
    if (!this.directory.held) return;
    try {
      await this.directory.wipe();
    } finally {
      await this.directory.unlock();
    }
  }

  // The index of a source topic in `sourceTopics`, -1 if not one (records only come from them).
  #source(topic: string): number {
    const topics = this.#o.sourceTopics;
    for (let i = 0; i < topics.length; i++) if (topics[i] === topic) return i;
    return -1;
  }

  #ready(): StreamTask {
    if (!this.#engine) throw new Error(`task ${this.name} is not initialized`);
    return this.#engine;
  }

  #collect(record: ProducedRecord): void {
    const outgoing = toOutgoing(record, this.#o.physicalName(record.topic));
    this.#outputs.push(outgoing);
    this.#o.observer?.produced?.(outgoing);
  }

  #deadLetterProcessingError(record: ConsumedRecord, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const headers: Record<string, Buffer | string> = Object.create(null) as Record<string, Buffer | string>;
    const all = deadLetterHeaders('processing_error', message, record, record.headers);
    for (const [k, v] of Object.entries(all)) if (v !== undefined) headers[k] = v;
    const letter: OutgoingRecord = { topic: this.#o.deadLetterTopic, key: record.key, value: record.value, timestamp: record.timestamp, headers };
    this.#outputs.push(letter);
    this.#o.observer?.produced?.(letter);
  }
}

function loggedStore(store: StateStore | undefined, name: string): ChangeLoggingStore {
  if (!store || !isChangeLogging(store)) throw new Error(`store ${name} is declared logged but does not expose its changelog (build it with Stores.keyValueStoreBuilder)`);
  return store;
}

/** A deserializer that must see bytes ahead of a synchronous deserialize (the engine's Avro serde). */
interface Preparing {
  prepare(data: Buffer | null): Promise<void>;
}

function hasPrepare(d: unknown): d is Preparing {
  return typeof (d as Partial<Preparing> | undefined)?.prepare === 'function';
}
