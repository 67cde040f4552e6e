// Fixes to kafkajs 2.2.4, put in Node's module cache before kafkajs loads the originals:
//
// 1. read_committed filtering (consumer/filterAbortedMessages.js). kafkajs activates at most one
//    aborted transaction per message, so when several aborted transactions interleave in a
//    partition (EOS-alpha: every task's producer writes to every repartition partition), or one
//    began before the fetch offset, records of aborted transactions leak to the consumer. The
//    chaos test caught it as counts ~0.01% too high after a repartition. This version follows the
//    Java Fetcher: aborted transactions sorted by first offset, every one that started at or
//    before the current record is active, an ABORT marker of that producer ends it.
// 2. Send grouping (producer/groupMessagesPerPartition.js): `[...current, message]` in a reduce is
//    quadratic in the records per partition, a sixth of the CPU at 50k records/s. Linear here.
//
// 3. Coordinator lookups: every transactional call (AddPartitionsToTxn, AddOffsetsToTxn,
//    TxnOffsetCommit, EndTxn) first sends a FindCoordinator request, four extra round trips per
//    task per commit. Lookups are cached per client for a few seconds; a moved coordinator fails
//    the transaction at worst, which the runtime handles (task closed dirty, fresh producer).
//
// 4. The request queue's throttle check (network/requestQueue): with no throttle in force,
//    `throttledUntil` is -1, so the timer is set to -1 - Date.now() ms, which Node 24 reports on
//    every connection as `TimeoutNegativeWarning: -17964... is a negative number` (and runs at
//    once, as it always did). The delay is clamped at 0: same behaviour, no warning.
//
// The runtime's entry points import this module first; `assertKafkajsFixed` refuses to run if
// kafkajs was loaded before it (a wrong import order would silently lose exactly-once).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface AbortedTransaction {
  producerId: string | number | bigint;
  firstOffset: string | number;
}

interface FetchedMessage {
  offset: string;
  key?: Buffer | null;
  batchContext: { producerId: string | number | bigint; inTransaction: boolean };
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

/** Drops records of aborted transactions (read_committed), as the Java consumer does. */
export function filterAbortedMessages({ messages, abortedTransactions }: { messages: FetchedMessage[]; abortedTransactions?: AbortedTransaction[] }): FetchedMessage[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages;
  const pending = [...abortedTransactions].sort((a, b) => compareOffsets(a.firstOffset, b.firstOffset));
  const active = new Set<string>();
  let next = 0;
  return messages.filter((message) => {
    while (next < pending.length && compareOffsets((pending[next] as AbortedTransaction).firstOffset, message.offset) <= 0) {
      active.add(String((pending[next] as AbortedTransaction).producerId));
      next++;
    }
    const producerId = String(message.batchContext.producerId);
    if (message.key && ABORT_MARKER_KEY.equals(Buffer.from(message.key))) {
      active.delete(producerId);
      return true; // a control record; kafkajs drops those itself afterwards
    }
    return !(message.batchContext.inTransaction && active.has(producerId));
  });
}

function compareOffsets(a: string | number, b: string | number): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

interface GroupArgs {
  topic: string;
  partitionMetadata: unknown[];
  messages: unknown[];
  partitioner(args: { topic: string; partitionMetadata: unknown[]; message: unknown }): number;
}

/** Messages per partition, in order, in linear time. */
export function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }: GroupArgs): Record<number, unknown[]> {
  const result: Record<number, unknown[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
}

type CachedModule = { id: string; filename: string; loaded: boolean; exports: unknown; paths: string[] };
const { Module } = require('node:module') as { Module: new (id: string) => CachedModule };

function install(request: string, exports: unknown): void {
  const path = require.resolve(request);
  if (require.cache[path]) return;
  const mod = new Module(path);
  mod.filename = path;
  mod.loaded = true;
  mod.exports = exports;
  require.cache[path] = mod as unknown as NodeJS.Module;
}

const COORDINATOR_TTL_MS = 5_000;

interface ClusterPrototype {
  findGroupCoordinatorMetadata(this: object, args: { groupId: string; coordinatorType?: number }): Promise<unknown>;
}

function cacheCoordinatorLookups(): void {
  const Cluster = require('kafkajs/src/cluster') as { prototype: ClusterPrototype };
  const original = Cluster.prototype.findGroupCoordinatorMetadata;
  if ((original as { cached?: boolean }).cached) return;
  const caches = new WeakMap<object, Map<string, { at: number; value: Promise<unknown> }>>();
  const cached = function (this: object, args: { groupId: string; coordinatorType?: number }): Promise<unknown> {
    let cache = caches.get(this);
    if (!cache) caches.set(this, (cache = new Map()));
    const key = `${args.coordinatorType ?? 0}:${args.groupId}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < COORDINATOR_TTL_MS) return hit.value;
    const value = original.call(this, args);
    cache.set(key, { at: Date.now(), value });
    value.catch(() => cache.delete(key));
    return value;
  };
  Object.assign(cached, { cached: true });
  Cluster.prototype.findGroupCoordinatorMetadata = cached;
}

interface RequestQueuePrototype {
  scheduleCheckPendingRequests(this: RequestQueueState): void;
}
interface RequestQueueState {
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  pending: unknown[];
  checkPendingRequests(): void;
}
/** kafkajs's own interval for re-checking a throttled queue with requests waiting. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

function clampThrottleCheckDelay(): void {
  const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueuePrototype };
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueState): void {
    if (this.throttleCheckTimeoutId) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    const delay = untilUnthrottled > 0 ? untilUnthrottled : this.pending.length > 0 ? CHECK_PENDING_REQUESTS_INTERVAL_MS : 0;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, delay);
  };
}

install('kafkajs/src/consumer/filterAbortedMessages', filterAbortedMessages);
clampThrottleCheckDelay();
cacheCoordinatorLookups();
install('kafkajs/src/producer/groupMessagesPerPartition', groupMessagesPerPartition);

/** Throws when kafkajs runs its own read_committed filter (it was loaded before this module). */
export function assertKafkajsFixed(): void {
  if (require('kafkajs/src/consumer/filterAbortedMessages') !== filterAbortedMessages) {
    throw new Error('kafkajs was loaded before src/runtime: import src/runtime/index.ts (or client/kafkajs/client.ts) before kafkajs, or read_committed may return aborted records');
  }
}
