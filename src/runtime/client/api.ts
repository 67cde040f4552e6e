// The Kafka client as the runtime sees it: the few admin, consumer and producer operations it
// needs, in our own shapes, so that the client library (@platformatic/kafka today) can change
// without touching the runtime.
import type { ConnectionOptions } from 'node:tls';

/** How to reach the cluster: the same for every client library. */
export interface KafkaConnection {
  brokers: readonly string[];
  clientId: string;
  /** TLS to the brokers (CA, client certificate); absent: plaintext. */
  ssl?: ConnectionOptions;
  /** SASL authentication. */
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** Retries of one request inside the client (backoff 100 ms doubling to 2 s); default 8, about 10 s. */
  retries?: number;
}

/** A record read from a topic; offsets are numbers (safe up to 2^53, far beyond any real log). */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Record timestamp, epoch ms. */
  timestamp: number;
  /** Read-only: records without headers share one frozen empty object (copy to add one). */
  headers: Record<string, Buffer | undefined>;
}

/** Records of a fetched batch, in offset order: an array, or a block that makes each record when it is read (`record-block.ts`). */
export interface RecordList extends Iterable<ConsumedRecord> {
  readonly length: number;
  /** Record `index` (negative: from the end); undefined outside the list. */
  at(index: number): ConsumedRecord | undefined;
}

/** A record to produce; without `partition`, Java's murmur2 of the key picks it (`partitioner.ts`), and a record with neither goes to partition 0. */
export interface OutgoingRecord {
  topic: string;
  partition?: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp?: number;
  headers?: Record<string, Buffer | string>;
}

/** Where a produced batch landed: the offset of the first record per topic-partition. */
export interface ProduceAck {
  topic: string;
  partition: number;
  baseOffset: number;
}

/** The next offset to consume for one topic-partition (what a consumer group commits). */
export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/** A topic to create: partitions and topic-level configs. */
export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor?: number;
  configs?: Record<string, string>;
  /** Keys of `configs` set on the topic even when it exists already (created by an older version with other values). */
  enforcedConfigs?: readonly string[];
}

/** Cluster administration the runtime needs at start and for restore. */
export interface RuntimeAdmin {
  /** Partition counts of the topics that exist; missing topics are absent from the map. */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
  /** Creates the topics that do not exist yet; an existing one only gets its spec's `enforcedConfigs` where they differ. */
  createTopics(specs: readonly TopicSpec[]): Promise<void>;
  /** High watermark per partition of a topic. */
  endOffsets(topic: string): Promise<Map<number, number>>;
  /** Log start and end (high watermark) of one partition. */
  offsetRange(topic: string, partition: number): Promise<{ low: number; high: number }>;
  /** Offsets the group has committed for `topic` (partitions with no commit are absent). */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, number>>;
  /**
   * Every partition of `topics` with its high watermark and the offset `groupId` committed there:
   * a lag probe in one request of each kind, however many topics (lag metrics, stall watch, tests).
   */
  groupOffsets(groupId: string, topics: readonly string[]): Promise<GroupPartitionOffsets[]>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** DeleteRecords: each partition's log start moves up to its offset (repartition purge). */
  deleteRecords?(offsets: readonly PartitionOffset[]): Promise<void>;
  /** Members of a consumer group with their join user data and assigned partitions (query routing). */
  groupMembers?(groupId: string): Promise<GroupMember[]>;
  close(): Promise<void>;
}

/** One partition in a lag probe: its high watermark and the group's committed offset (undefined: no commit yet). */
export interface GroupPartitionOffsets {
  topic: string;
  partition: number;
  end: number;
  committed: number | undefined;
}

/** One member of a group as DescribeGroups shows it. */
export interface GroupMember {
  memberId: string;
  /** The user data of its subscription (our assignor's JSON). */
  userData: Buffer;
  /** Its assigned partitions per topic. */
  partitions: Map<string, number[]>;
}

/** One fetched batch of one partition. */
export interface FetchedBatch {
  topic: string;
  partition: number;
  /** In offset order; the client's are a RecordBlock, each record made when it is read. */
  records: RecordList;
  highWatermark: number;
  /** Offset after the batch, counting trailing control records (transaction markers). */
  nextOffset: number;
}

/** Hooks into a batch in flight. */
export interface BatchControl {
  /** Keeps the group membership alive during long work (restore, slow commit). */
  heartbeat(): Promise<void>;
  /**
   * True when a rebalance or a seek happened while the batch was in flight: the handler then
   * drops the batch, and a partition the member kept fetches its records again.
   */
  isStale(): boolean;
}

/** The member's view of a finished rebalance. */
export interface GroupAssignment {
  generation: number;
  memberId: string;
  partitions: Map<string, number[]>;
}

/** A group protocol of our own: member metadata in, partitions per member out. */
export interface GroupAssignor {
  readonly name: string;
  /** Opaque user data this member sends at join time (read by whoever leads the group). */
  userData(): Buffer;
  /** Run by the group leader: partitions per member id. */
  assign(members: ReadonlyArray<{ memberId: string; userData: Buffer }>, partitionCounts: ReadonlyMap<string, number>): Map<string, Map<string, number[]>>;
}

/** Options of a group consumer. */
export interface GroupConsumerOptions {
  groupId: string;
  topics: readonly string[];
  assignor: GroupAssignor;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** `group.instance.id`: static membership (KIP-345). */
  groupInstanceId?: string;
  /** read_committed unless told otherwise. */
  readUncommitted?: boolean;
  maxBytesPerPartition?: number;
  maxWaitTimeMs?: number;
}

/** What a group consumer calls back. */
export interface GroupConsumerHandlers {
  onBatch(batch: FetchedBatch, control: BatchControl): Promise<void>;
  onAssigned(assignment: GroupAssignment): void;
  /**
   * A rebalance began and the member is about to rejoin (Java's onPartitionsRevoked under the
   * eager protocol): the rejoin waits for the returned promise, so the member can commit within
   * the generation that is ending. Not called before the first join.
   */
  onRevoking?(): Promise<void>;
  /** A fetched batch held only transaction markers or aborted records: the position moves past them. */
  onSkipped(topic: string, partition: number, nextOffset: number): void;
  /**
   * The high watermark of every partition of a fetch (`offset`), told before any of its batches:
   * a task with several inputs must know that another of its partitions has records coming in
   * the same fetch before it takes the first partition's.
   */
  onHighWatermarks?(ends: readonly PartitionOffset[]): void;
  /**
   * The log no longer held the position `from` (OFFSET_OUT_OF_RANGE) and fetching goes on at `to`:
   * `to > from` when records were deleted before they were read (retention, DeleteRecords), `to <
   * from` when the log was truncated under the position.
   */
  onOffsetReset?(topic: string, partition: number, from: number, to: number): void;
  /** The consumer crashed beyond its own retries. */
  onCrash(error: Error): void;
}

/** A consumer-group member that fetches in batches and never auto-commits. */
export interface GroupConsumer {
  run(handlers: GroupConsumerHandlers): Promise<void>;
  pause(topic: string, partitions: number[]): void;
  resume(topic: string, partitions: number[]): void;
  commitOffsets(offsets: readonly PartitionOffset[]): Promise<void>;
  /** The next fetch of `partition` starts at `offset` (applied before that fetch, even while paused): a sink starts where its table's txn says. */
  seek(topic: string, partition: number, offset: number): void;
  /** Stops fetching and leaves the group. */
  close(): Promise<void>;
}

/** A plain (idempotent) producer for at_least_once. */
export interface RecordProducer {
  send(records: readonly OutgoingRecord[]): Promise<ProduceAck[]>;
  close(): Promise<void>;
}

/**
 * Who commits offsets in a transaction: the group, and the member's generation as its last
 * assignment gave it. A member of an older generation (a zombie after a rebalance) is refused.
 */
export interface ConsumerGroupMetadata {
  groupId: string;
  generationId: number;
  memberId: string;
}

/** Records a transactional producer encoded for its next send (`TransactionalProducer.encode`); opaque. */
export interface EncodedRecords {
  /** Records encoded. */
  readonly count: number;
}

/** A transactional producer: one transactional.id, one transaction at a time. */
export interface TransactionalProducer {
  /** InitProducerId: fences any older producer with the same transactional id and aborts its open transaction. */
  init(): Promise<void>;
  begin(): Promise<void>;
  /**
   * Encodes records into this producer's record batches now, for a later `send` in its next
   * transaction: the caller can drop the records at once. Undefined when it cannot yet (before
   * `init`, or a topic it has not written to): send the records themselves then.
   */
  encode(records: readonly OutgoingRecord[]): EncodedRecords | undefined;
  send(records: readonly OutgoingRecord[] | EncodedRecords): Promise<ProduceAck[]>;
  /** Adds consumer offsets to the open transaction, checked by the group coordinator against the member's generation (KIP-447). */
  sendOffsets(group: ConsumerGroupMetadata, offsets: readonly PartitionOffset[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
  inTransaction(): boolean;
  close(): Promise<void>;
}

/** Reads a partition without a group (assign mode), read_committed, from an offset to an end offset. */
export interface PartitionReader {
  read(topic: string, partition: number, fromOffset: number, toOffset: number, onRecords: (records: RecordList) => void | Promise<void>): Promise<number>;
  close(): Promise<void>;
}

/** Everything the runtime asks of a Kafka client library. */
export interface KafkaClient {
  admin(): Promise<RuntimeAdmin>;
  groupConsumer(options: GroupConsumerOptions): GroupConsumer;
  producer(): Promise<RecordProducer>;
  transactionalProducer(transactionalId: string, transactionTimeoutMs?: number): TransactionalProducer;
  partitionReader(): Promise<PartitionReader>;
}

/** Another producer took over our transactional id: this instance is a zombie for that task. */
export class ProducerFencedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProducerFencedError';
  }
}
