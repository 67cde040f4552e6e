// GroupConsumer over @platformatic/kafka: its Consumer keeps the group membership (JoinGroup with
// our assignor and user data, SyncGroup, heartbeats on their own timer, rejoin on a rebalance);
// fetching is ours (`raw-fetch.ts`), partition by partition, so that pause, resume and seek act
// per partition (its message stream only pauses as a whole) and read_committed is filtered by
// `fetched.ts` (its own filter drops committed records: see raw-fetch.ts).
import { Admin, Consumer, type ClusterMetadata, type ExtendedGroupProtocolSubscription, type GroupPartitionsAssignments, type GroupAssignment as PltGroupAssignment } from '@platformatic/kafka';
import type { BatchControl, GroupConsumer, GroupConsumerHandlers, GroupConsumerOptions, PartitionOffset } from '../api.ts';
import { readPartition } from './fetched.ts';
import { RawFetcher } from './raw-fetch.ts';
import { BrokerConnections } from './broker-connections.ts';
import { JOIN_PROBE_DELAYS_MS, rebalancePending } from './join-probe.ts';
import type { PlatformaticBase } from './connection.ts';
import { withTimeout } from '../../timeout.ts';
import { committedOffsets, earliestOffsets, highWatermarks, isRetriable, metadataFor } from './offsets.ts';

const READ_COMMITTED = 1;
const READ_UNCOMMITTED = 0;
/** Fetch errors the consumer answers by refreshing metadata and fetching again. */
const STALE_LEADER = new Set([3, 6, 74, 75, 100]); // UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_ID
const OFFSET_OUT_OF_RANGE = 1;
/** Consecutive failed fetch rounds before the consumer reports a crash (about 10 s of backoff). */
const MAX_FETCH_FAILURES = 12;

interface Position {
  /** Next offset to fetch; undefined until looked up (committed offset, else the log start). */
  offset: number | undefined;
  paused: boolean;
}

/** A group member of @platformatic/kafka with a fetch loop of our own. */
export class PlatformaticGroupConsumer implements GroupConsumer {
  readonly #base: PlatformaticBase;
  readonly #options: GroupConsumerOptions;
  readonly #consumer: Consumer;
  readonly #positions = new Map<string, Map<number, Position>>();
  // Pauses and seeks asked before the partition was assigned, applied when it is.
  readonly #pausedEarly = new Set<string>();
  readonly #seeks = new Map<string, number>();
  #assignmentVersion = 0;
  #closed = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #admin: Admin | undefined;
  readonly #fetcher: RawFetcher;
  #handlers: GroupConsumerHandlers | undefined;
  #joined = false;
  #inRevoking = false;
  readonly #probes: BrokerConnections;
  readonly #probeTimers = new Set<NodeJS.Timeout>();

  constructor(base: PlatformaticBase, options: GroupConsumerOptions) {
    this.#base = base;
    this.#options = options;
    this.#fetcher = new RawFetcher(base);
    this.#probes = new BrokerConnections(base, 'probe');
    const assignor = options.assignor;
    this.#consumer = new Consumer({
      ...base.options(`${options.groupId}`),
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      // 1 s, not Java's 3 s: a member learns of a rebalance at its next heartbeat, so a second
      // stream thread or instance joining held the first one's tasks back for up to 3 s (two
      // threads, live-invoices: 13.9k-15.6k -> 16.7k-17.4k records/s; docs/BENCHMARKS.md).
      heartbeatInterval: options.heartbeatIntervalMs ?? 1_000,
      ...(options.groupInstanceId ? { groupInstanceId: options.groupInstanceId } : {}),
      rebalanceTimeout: Math.max(60_000, options.sessionTimeoutMs ?? 30_000),
      protocols: [{ name: assignor.name, version: 0 }],
      // Asked at every join, after the member's revocation commit (the client awaits it before
      // JoinGroup): the user data says which tasks this member owns now.
      protocolsMetadata: async () => {
        await this.#revoking(options.sessionTimeoutMs ?? 30_000);
        return assignor.userData();
      },
      partitionAssigner: (_current: string, members: Map<string, ExtendedGroupProtocolSubscription>, topics: Set<string>, metadata: ClusterMetadata): GroupPartitionsAssignments[] => {
        const counts = new Map<string, number>();
        for (const topic of topics) counts.set(topic, metadata.topics.get(topic)?.partitionsCount ?? 0);
        const plan = assignor.assign(
          [...members].map(([memberId, m]) => ({ memberId, userData: toBuffer(m.metadata) })),
          counts,
        );
        return [...members.keys()].map((memberId) => {
          const assignments = new Map<string, PltGroupAssignment>();
          for (const [topic, partitions] of plan.get(memberId) ?? []) assignments.set(topic, { topic, partitions });
          return { memberId, assignments };
        });
      },
    });
  }

  async run(handlers: GroupConsumerHandlers): Promise<void> {
    const consumer = this.#consumer;
    this.#handlers = handlers;
    consumer.on('consumer:group:join', (payload: { memberId: string; generationId?: number; assignments?: PltGroupAssignment[] }) => {
      this.#joined = true;
      const partitions = new Map<string, number[]>();
      for (const a of payload.assignments ?? []) partitions.set(a.topic, [...a.partitions]);
      this.#assign(partitions);
      handlers.onAssigned({ generation: payload.generationId ?? consumer.generationId, memberId: payload.memberId, partitions });
      this.#probeAfterJoin(payload.generationId ?? consumer.generationId);
    });
    // A rejoin that failed beyond the client's retries: the runtime restarts the consumer.
    consumer.on('error', (error: Error) => {
      if (!this.#closed) handlers.onCrash(error);
    });
    consumer.topics.trackAll(...this.#options.topics);
    await consumer.joinGroup({});
    this.#loop = this.#fetchLoop(handlers).catch((error: unknown) => {
      if (!this.#closed) handlers.onCrash(error instanceof Error ? error : new Error(String(error)));
    });
  }

  pause(topic: string, partitions: number[]): void {
    for (const p of partitions) {
      const position = this.#positions.get(topic)?.get(p);
      if (position) position.paused = true;
      else this.#pausedEarly.add(`${topic}\u0000${p}`);
    }
  }

  resume(topic: string, partitions: number[]): void {
    for (const p of partitions) {
      this.#pausedEarly.delete(`${topic}\u0000${p}`);
      const position = this.#positions.get(topic)?.get(p);
      if (position) position.paused = false;
    }
    this.#wake?.();
  }

  seek(topic: string, partition: number, offset: number): void {
    const position = this.#positions.get(topic)?.get(partition);
    if (position) position.offset = offset;
    else this.#seeks.set(`${topic}\u0000${partition}`, offset);
    this.#assignmentVersion++; // a batch fetched before the seek is stale now
  }

  async commitOffsets(offsets: readonly PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.#consumer.commit({ offsets: offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: BigInt(o.offset), leaderEpoch: -1 })) });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    for (const timer of this.#probeTimers) clearTimeout(timer);
    this.#probeTimers.clear();
    await this.#loop?.catch(() => undefined);
    // A dynamic member leaves the group (LeaveGroup) so that its partitions move at once. A static
    // member stays, as Java's consumer does (KIP-345): its pod is back within the session timeout
    // and takes its partitions again with no rebalance. The client sends LeaveGroup on close
    // whatever the membership, by member id alone; under an id the coordinator does not know the
    // request changes nothing (UNKNOWN_MEMBER_ID, which the client takes as left) while its close
    // still stops the heartbeats and the connections.
    if (this.#options.groupInstanceId) this.#consumer.memberId = `${this.#options.groupInstanceId}-stays-in-group`;
    await this.#consumer.close(true).catch(() => undefined);
    await this.#admin?.close().catch(() => undefined);
    await this.#fetcher.close();
    await this.#probes.close();
  }

  // Early heartbeats after each join (join-probe.ts): a member whose JoinGroup came just after
  // this one's waits until this member rejoins.
  #probeAfterJoin(generationId: number): void {
    for (const delay of JOIN_PROBE_DELAYS_MS) {
      const timer = setTimeout(() => {
        this.#probeTimers.delete(timer);
        this.#probe(generationId).catch((error: unknown) => {
          if (!this.#closed) this.#handlers?.onCrash(error instanceof Error ? error : new Error(String(error)));
        });
      }, delay);
      this.#probeTimers.add(timer);
    }
  }

  async #probe(generationId: number): Promise<void> {
    const consumer = this.#consumer;
    const coordinator = consumer.coordinatorId;
    if (this.#closed || this.#inRevoking || consumer.generationId !== generationId || coordinator === null || coordinator === undefined) return;
    let pending: boolean;
    try {
      const metadata = await metadataFor(consumer, [...this.#options.topics]);
      const connection = await this.#probes.get(metadata, coordinator);
      pending = await rebalancePending(connection, { groupId: this.#options.groupId, generationId, memberId: consumer.memberId ?? '', groupInstanceId: this.#options.groupInstanceId });
    } catch {
      // A probe is only a shortcut: the client's own heartbeats still find the rebalance.
      await this.#probes.drop(coordinator);
      return;
    }
    // Rejoined or rejoining meanwhile (its own heartbeat found it first: the revocation commit is
    // under way, and a second join must not overtake it), or closing: nothing to do.
    if (!pending || this.#closed || this.#inRevoking || consumer.generationId !== generationId) return;
    await consumer.joinGroup({});
  }

  /**
   * Before a rejoin, the handler commits within the generation that is ending: a commit sent after
   * the rejoin would carry a generation the group has left (ILLEGAL_GENERATION), and the thread's
   * tasks would close dirty. Bounded, and its failure does not stop the rejoin: the handler
   * answers a failed commit itself.
   */
  async #revoking(boundMs: number): Promise<void> {
    // Not within itself: under at_least_once the handler's own offset commit, answered "rebalance
    // in progress", makes the client join (and ask for the subscription) before it retries; waiting
    // for the handler there would wait for itself until the bound.
    if (!this.#joined || this.#closed || !this.#handlers?.onRevoking || this.#inRevoking) return;
    this.#inRevoking = true;
    try {
      await withTimeout(this.#handlers.onRevoking(), boundMs, 'commit before rejoin').catch(() => undefined);
    } finally {
      this.#inRevoking = false;
    }
  }

  #assign(partitions: Map<string, number[]>): void {
    const next = new Map<string, Map<number, Position>>();
    for (const [topic, list] of partitions) {
      const byPartition = new Map<number, Position>();
      for (const p of list) {
        const key = `${topic}\u0000${p}`;
        const previous = this.#positions.get(topic)?.get(p);
        const seek = this.#seeks.get(key);
        this.#seeks.delete(key);
        // Eager protocol: a partition kept across the rebalance keeps its position (the task keeps its state).
        byPartition.set(p, { offset: seek ?? previous?.offset, paused: previous?.paused ?? this.#pausedEarly.has(key) });
        this.#pausedEarly.delete(key);
      }
      next.set(topic, byPartition);
    }
    this.#positions.clear();
    for (const [topic, byPartition] of next) this.#positions.set(topic, byPartition);
    this.#assignmentVersion++;
    this.#wake?.();
  }

  async #fetchLoop(handlers: GroupConsumerHandlers): Promise<void> {
    const readUncommitted = this.#options.readUncommitted ?? false;
    const maxWaitTime = this.#options.maxWaitTimeMs ?? 100;
    const partitionMaxBytes = this.#options.maxBytesPerPartition ?? 1_048_576;
    let failures = 0;
    while (!this.#closed) {
      try {
        const version = this.#assignmentVersion;
        await this.#resolvePositions();
        if (this.#closed) return;
        const wanted = this.#fetchable();
        if (wanted.length === 0 || version !== this.#assignmentVersion) {
          if (wanted.length === 0) await this.#idle(50);
          continue;
        }
        const metadata = await metadataFor(this.#consumer, [...new Set(wanted.map((w) => w.topic))], failures > 0);
        const byNode = new Map<number, Map<string, Array<{ partition: number; offset: number }>>>();
        for (const w of wanted) {
          const leader = metadata.topics.get(w.topic)?.partitions[w.partition]?.leader;
          if (leader === undefined || leader < 0) continue;
          let topics = byNode.get(leader);
          if (!topics) byNode.set(leader, (topics = new Map()));
          let list = topics.get(w.topic);
          if (!list) topics.set(w.topic, (list = []));
          list.push({ partition: w.partition, offset: w.offset });
        }
        const responses = await Promise.all(
          [...byNode].map(([node, topics]) =>
            this.#fetcher.fetch(metadata, node, {
              maxWaitMs: maxWaitTime,
              maxBytes: 16 * 1024 * 1024,
              isolationLevel: readUncommitted ? READ_UNCOMMITTED : READ_COMMITTED,
              topics: [...topics].map(([topic, list]) => ({ topic, partitions: list.map((l) => ({ partition: l.partition, offset: l.offset, maxBytes: partitionMaxBytes })) })),
            }),
          ),
        );
        failures = 0;
        // Every partition's end first, then the batches: a task with several inputs would otherwise
        // take one partition's records before it learns that another has earlier ones in this fetch.
        const ends: PartitionOffset[] = [];
        for (const response of responses) {
          for (const topicData of response.responses) {
            const topic = topicData.topicId; // the topic's name (Fetch v12)
            for (const data of topicData.partitions) {
              const position = this.#positions.get(topic)?.get(data.partitionIndex);
              if (data.errorCode !== 0 || !position || position.offset === undefined || position.paused || version !== this.#assignmentVersion) continue;
              ends.push({ topic, partition: data.partitionIndex, offset: Number(data.highWatermark) });
            }
          }
        }
        if (ends.length > 0) handlers.onHighWatermarks?.(ends);
        let staleMetadata = false;
        const outOfRange: Array<{ topic: string; partition: number; offset: number }> = [];
        for (const response of responses) {
          for (const topicData of response.responses) {
            const topic = topicData.topicId; // the topic's name (Fetch v12)
            for (const data of topicData.partitions) {
              if (this.#closed) return;
              const position = this.#positions.get(topic)?.get(data.partitionIndex);
              // Revoked, moved by a seek, or paused while the fetch was in flight: fetched again when it applies.
              if (!position || position.offset === undefined || position.paused || version !== this.#assignmentVersion) continue;
              if (data.errorCode !== 0) {
                if (data.errorCode === OFFSET_OUT_OF_RANGE) outOfRange.push({ topic, partition: data.partitionIndex, offset: position.offset });
                else if (STALE_LEADER.has(data.errorCode)) staleMetadata = true;
                else throw new Error(`fetch ${topic}-${data.partitionIndex} at ${position.offset}: error code ${data.errorCode}`);
                continue;
              }
              const from = position.offset;
              const read = readPartition(topic, data.partitionIndex, from, data.records, data.abortedTransactions, readUncommitted);
              if (read.nextOffset <= from) continue;
              position.offset = read.nextOffset;
              if (read.records.length === 0) {
                handlers.onSkipped(topic, data.partitionIndex, read.nextOffset);
                continue;
              }
              const fetchedAt = this.#assignmentVersion;
              let dropped = false;
              const control: BatchControl = {
                heartbeat: async () => {},
                isStale: () => (dropped ||= this.#closed || fetchedAt !== this.#assignmentVersion),
              };
              await handlers.onBatch({ topic, partition: data.partitionIndex, records: read.records, highWatermark: Number(data.highWatermark), nextOffset: read.nextOffset }, control);
              // A rebalance landed while the batch waited and the handler dropped it: a partition
              // the member kept must fetch those records again (its position had moved past them).
              const kept = this.#positions.get(topic)?.get(data.partitionIndex);
              if (dropped && kept && kept.offset === read.nextOffset) kept.offset = from;
            }
          }
        }
        if (staleMetadata) await metadataFor(this.#consumer, [...this.#positions.keys()], true);
        if (outOfRange.length > 0) await this.#resetOutOfRange(outOfRange, version, handlers);
      } catch (error) {
        if (this.#closed) return;
        if (++failures > MAX_FETCH_FAILURES || !isRetriable(error)) throw error;
        await this.#idle(Math.min(2_000, 50 * 2 ** failures));
      }
    }
  }

  /** Assigned partitions that are not paused and have a position. */
  #fetchable(): Array<{ topic: string; partition: number; offset: number }> {
    const out: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const [topic, byPartition] of this.#positions) for (const [partition, p] of byPartition) if (!p.paused && p.offset !== undefined) out.push({ topic, partition, offset: p.offset });
    return out;
  }

  /**
   * A position the log no longer holds moves to the nearest offset it does (auto.offset.reset
   * "earliest" for a position below the log start, as Kafka Streams' default): below it, retention
   * or DeleteRecords removed records not yet processed, which are gone, and the partition goes on
   * from the log start (told to the handler, which logs and counts them) instead of asking for the
   * same offset forever; above the end, the log was truncated, and fetching goes on from its end.
   */
  async #resetOutOfRange(stale: ReadonlyArray<{ topic: string; partition: number; offset: number }>, version: number, handlers: GroupConsumerHandlers): Promise<void> {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of stale) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    const admin = (this.#admin ??= new Admin(this.#base.options('offsets')));
    const [starts, ends] = await Promise.all([earliestOffsets(admin, byTopic), highWatermarks(admin, byTopic)]);
    if (version !== this.#assignmentVersion) return;
    for (const { topic, partition, offset } of stale) {
      const position = this.#positions.get(topic)?.get(partition);
      const start = starts.get(topic)?.get(partition);
      const end = ends.get(topic)?.get(partition);
      // Moved by a seek or a revocation meanwhile, or nothing known: the next fetch decides.
      if (!position || position.offset !== offset || start === undefined || end === undefined) continue;
      const to = Math.min(Math.max(offset, start), end);
      if (to === offset) continue;
      position.offset = to;
      handlers.onOffsetReset?.(topic, partition, offset, to);
      if (to > offset) handlers.onSkipped(topic, partition, to);
    }
  }

  /** Positions of newly assigned partitions: the committed offset (stable), else the log start. */
  async #resolvePositions(): Promise<void> {
    const unknown = new Map<string, number[]>();
    for (const [topic, byPartition] of this.#positions) for (const [partition, p] of byPartition) if (p.offset === undefined) unknown.set(topic, [...(unknown.get(topic) ?? []), partition]);
    if (unknown.size === 0) return;
    const version = this.#assignmentVersion;
    const admin = (this.#admin ??= new Admin(this.#base.options('offsets')));
    const committed = await committedOffsets(admin, this.#options.groupId, unknown);
    const missing = new Map<string, number[]>();
    for (const [topic, partitions] of unknown) for (const p of partitions) if (!committed.get(topic)?.has(p)) missing.set(topic, [...(missing.get(topic) ?? []), p]);
    const earliest = missing.size > 0 ? await earliestOffsets(admin, missing) : new Map<string, Map<number, number>>();
    if (version !== this.#assignmentVersion) return;
    for (const [topic, partitions] of unknown) {
      for (const p of partitions) {
        const position = this.#positions.get(topic)?.get(p);
        const offset = committed.get(topic)?.get(p) ?? earliest.get(topic)?.get(p);
        if (position && position.offset === undefined && offset !== undefined) position.offset = offset;
      }
    }
  }

  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}

function toBuffer(data: Buffer | string | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  return typeof data === 'string' ? Buffer.from(data) : data;
}
