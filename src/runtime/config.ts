// Settings of the Kafka runtime, with Kafka Streams' names where one exists.
import { hostname } from 'node:os';
import type { DeserializationExceptionHandler } from '../engine/processor/internals/deserialization.ts';
import type { KafkaClient } from './client/api.ts';
import type { RuntimeObserver } from './observer.ts';
import { PROCESS_OWNER, type StateOwner } from './state/task-directory.ts';

/** `processing.guarantee`. */
export type ProcessingGuarantee = 'at_least_once' | 'exactly_once';

/** A log line from the runtime (the app plugs its pino logger in). */
export type RuntimeLogger = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/** What a KafkaStreams instance is told. */
export interface RuntimeConfig {
  /** `application.id`: consumer group, transactional-id prefix, internal topic prefix. */
  applicationId: string;
  client: KafkaClient;
  guarantee: ProcessingGuarantee;
  /** `state.dir`: tasks live in `<stateDir>/<applicationId>/<taskId>/`. */
  stateDir: string;
  /**
   * Which stream thread of which process run this instance is, when several share `stateDir` (an
   * instance's stream threads): each task directory is locked by its owner (state/task-directory.ts).
   * Default: this process's run, thread 0.
   */
  stateOwner?: StateOwner;
  /** `commit.interval.ms`: default 100 under exactly_once, 30,000 under at_least_once (`defaultCommitIntervalMs`). */
  commitIntervalMs?: number;
  /**
   * How soon a caught-up thread commits (every task has processed what it fetched, up to each
   * partition's end): default a quarter of `commitIntervalMs`. A thread that keeps up with its
   * input then holds a record for ~25 ms instead of up to 100 ms (under exactly_once a record is
   * visible downstream only once committed); a thread working through a backlog is never caught
   * up and commits every `commitIntervalMs`. Equal to `commitIntervalMs`: commits on the interval only.
   */
  caughtUpCommitMs?: number;
  /** Stable name of this instance (a StatefulSet pod name): keeps tasks sticky across restarts. */
  instanceId?: string;
  /**
   * `group.instance.id` (KIP-345 static membership), usually the same stable name: an instance that
   * crashes and comes back within the session timeout rejoins as the same member, with its tasks
   * and without a rebalance. Unset: dynamic membership. A graceful close still leaves the group.
   */
  groupInstanceId?: string;
  /** Where dead letters go (deserialization and processing failures). Default `dlq`. */
  deadLetterTopic?: string;
  onDeserializationError?: DeserializationExceptionHandler;
  /**
   * `max.task.idle.ms`, for tasks with several input partitions (joins, merges): 0 (default, as in
   * Kafka Streams) waits while an empty partition is known to have more on the broker, so records
   * are taken in timestamp order across partitions; > 0 also waits that long for an empty caught-up
   * partition; -1 never waits (order then depends on fetch timing).
   */
  maxTaskIdleMs?: number;
  /** A task with more buffered output records commits early (back-pressure on the fetch loop). */
  maxBufferedRecords?: number;
  /** Partition counts of repartition topics, by topology name (default: inferred). */
  repartitionPartitions?: ReadonlyMap<string, number>;
  replicationFactor?: number;
  sessionTimeoutMs?: number;
  /** `transaction.timeout.ms` of the thread's producer (default 10 s, as Kafka Streams sets under exactly-once): how long a crashed instance's open transaction holds its partitions back from their new owner. */
  transactionTimeoutMs?: number;
  /**
   * A running task with records waiting whose committed offsets have not moved for this long is
   * stalled: logged, shown by `taskProgress()`, and the probes fail so the pod is restarted.
   * Default 120 s (above the default transaction timeout); 0 turns the watch off.
   */
  stallTimeoutMs?: number;
  /**
   * How often the state cleaner looks at the task directories nobody holds (Kafka Streams'
   * `state.cleanup.delay.ms`, default 10 min): those no task could use (no checkpoint, or one
   * older than CHECKPOINT_MAX_AGE_MS) are removed. It also runs once at start. 0: only at start.
   */
  stateCleanupIntervalMs?: number;
  /** Bound of a graceful close (default 30 s); past it the instance stops without committing. */
  shutdownTimeoutMs?: number;
  log?: RuntimeLogger;
  /** Called once when the instance stops on a fatal error (it is already closed). */
  onFatal?: (error: Error) => void;
  /** Metrics callbacks (records in/out, restore progress). */
  observer?: RuntimeObserver;
  /** `application.server`: this instance's `host:port` for interactive queries, told to the group. */
  applicationServer?: string;
  /**
   * Awaited by `start()` after its checks and internal topics, just before the thread joins the
   * group: the stream threads of one instance join together, so their first assignments come in
   * one rebalance instead of one thread running every task until the next joins.
   */
  beforeJoin?: () => Promise<void>;
}

/** The config with defaults filled in. */
export type ResolvedConfig = Required<Omit<RuntimeConfig, 'onDeserializationError' | 'repartitionPartitions' | 'replicationFactor' | 'onFatal' | 'observer' | 'applicationServer' | 'groupInstanceId' | 'beforeJoin'>> &
  Pick<RuntimeConfig, 'onDeserializationError' | 'repartitionPartitions' | 'replicationFactor' | 'onFatal' | 'observer' | 'applicationServer' | 'groupInstanceId' | 'beforeJoin'>;

/**
 * `commit.interval.ms` when none is given, Kafka Streams' defaults: short under exactly_once (output
 * is invisible to read_committed consumers until its transaction commits), 30 s under at_least_once.
 * The one source of this default: the app's config uses it too.
 */
export function defaultCommitIntervalMs(guarantee: ProcessingGuarantee): number {
  return guarantee === 'exactly_once' ? 100 : 30_000;
}

/** Fills defaults and checks ranges. */
export function resolveConfig(config: RuntimeConfig): ResolvedConfig {
  if (!/^[A-Za-z0-9._-]+$/.test(config.applicationId)) throw new Error(`application.id "${config.applicationId}": use letters, digits, '.', '_' and '-' only`);
  const resolved: ResolvedConfig = {
    ...config,
    commitIntervalMs: config.commitIntervalMs ?? defaultCommitIntervalMs(config.guarantee),
    caughtUpCommitMs: config.caughtUpCommitMs ?? Math.max(1, Math.floor((config.commitIntervalMs ?? defaultCommitIntervalMs(config.guarantee)) / 4)),
    instanceId: config.instanceId ?? `${hostname()}-${process.pid}`,
    deadLetterTopic: config.deadLetterTopic ?? 'dlq',
    maxBufferedRecords: config.maxBufferedRecords ?? 20_000,
    maxTaskIdleMs: config.maxTaskIdleMs ?? 0,
    sessionTimeoutMs: config.sessionTimeoutMs ?? 30_000,
    transactionTimeoutMs: config.transactionTimeoutMs ?? 10_000,
    shutdownTimeoutMs: config.shutdownTimeoutMs ?? 30_000,
    stallTimeoutMs: config.stallTimeoutMs ?? 120_000,
    stateCleanupIntervalMs: config.stateCleanupIntervalMs ?? 600_000,
    log: config.log ?? (() => {}),
    stateOwner: config.stateOwner ?? PROCESS_OWNER,
  };
  if (!(resolved.maxTaskIdleMs >= -1)) throw new Error('max.task.idle.ms must be -1 or more');
  if (resolved.commitIntervalMs < 1) throw new Error('commit.interval.ms must be >= 1');
  if (!(resolved.caughtUpCommitMs >= 1)) throw new Error('the caught-up commit interval must be >= 1 ms');
  if (!(resolved.stallTimeoutMs >= 0)) throw new Error('stall timeout must be 0 (off) or more');
  if (!(resolved.stateCleanupIntervalMs >= 0)) throw new Error('state cleanup interval must be 0 (at start only) or more');
  return resolved;
}
