// Offset and metadata look-ups over @platformatic/kafka, retried on what the broker calls
// retriable (a coordinator still loading, a transaction still open on the offsets).
import type { Admin, ClusterMetadata, Consumer } from '@platformatic/kafka';
import { retrying as retryLoop, type RetryPolicy } from '../../../engine/retry.ts';
import { errorChain } from '../../errors.ts';

const EARLIEST = -2n;
const LATEST = -1n;
const READ_COMMITTED = 1;
/** About a minute in all: a transaction timeout's worth of UNSTABLE_OFFSET_COMMIT, a coordinator's move. */
const LOOKUP_RETRY: RetryPolicy = { initialDelayMs: 50, maxDelayMs: 5_000, timeoutMs: 60_000 };

/** True when the error (or one it wraps) is one the broker says to retry, or a network failure. */
export function isRetriable(error: unknown): boolean {
  let retriable = false;
  for (const e of errorChain(error)) {
    const rec = e as { canRetry?: unknown; code?: unknown };
    if (rec.canRetry === false) return false;
    if (rec.canRetry === true || rec.code === 'PLT_KFK_NETWORK' || rec.code === 'PLT_KFK_TIMEOUT') retriable = true;
  }
  return retriable;
}

/** Runs `call` again after retriable failures; gives up with the broker's own error. */
export function retrying<T>(call: () => Promise<T>): Promise<T> {
  return retryLoop(call, LOOKUP_RETRY, { isRetriable });
}

/** Committed offsets of a group, stable (KIP-447 require_stable: none still pending in an open transaction). */
export async function committedOffsets(admin: Admin, groupId: string, partitions: ReadonlyMap<string, readonly number[]>): Promise<Map<string, Map<number, number>>> {
  const [group] = await retrying(() =>
    admin.listConsumerGroupOffsets({ requireStable: true, groups: [{ groupId, topics: [...partitions].map(([name, list]) => ({ name, partitionIndexes: [...list] })) }] }),
  );
  const out = new Map<string, Map<number, number>>();
  for (const topic of group?.topics ?? []) {
    const byPartition = new Map<number, number>();
    for (const p of topic.partitions) if (p.committedOffset >= 0n) byPartition.set(p.partitionIndex, Number(p.committedOffset));
    out.set(topic.name, byPartition);
  }
  return out;
}

/** Log start offsets. */
export function earliestOffsets(admin: Admin, partitions: ReadonlyMap<string, readonly number[]>): Promise<Map<string, Map<number, number>>> {
  return listOffsets(admin, partitions, EARLIEST);
}

/** Last stable offsets (read_committed end offsets: what a read_committed consumer can reach). */
export function stableEndOffsets(admin: Admin, partitions: ReadonlyMap<string, readonly number[]>): Promise<Map<string, Map<number, number>>> {
  return listOffsets(admin, partitions, LATEST, READ_COMMITTED);
}

/** High watermarks (read_uncommitted end offsets). */
export function highWatermarks(admin: Admin, partitions: ReadonlyMap<string, readonly number[]>): Promise<Map<string, Map<number, number>>> {
  return listOffsets(admin, partitions, LATEST, 0);
}

async function listOffsets(admin: Admin, partitions: ReadonlyMap<string, readonly number[]>, timestamp: bigint, isolationLevel: 0 | 1 = 0): Promise<Map<string, Map<number, number>>> {
  const topics = await retrying(() =>
    admin.listOffsets({ isolationLevel, topics: [...partitions].map(([name, list]) => ({ name, partitions: list.map((partitionIndex) => ({ partitionIndex, timestamp })) })) }),
  );
  const out = new Map<string, Map<number, number>>();
  for (const t of topics) out.set(t.name, new Map(t.partitions.map((p) => [p.partitionIndex, Number(p.offset)])));
  return out;
}

/** Cluster metadata of `topics`; `refresh` forces a new Metadata request (after a leader moved). */
export function metadataFor(client: Pick<Consumer | Admin, 'metadata'>, topics: string[], refresh = false): Promise<ClusterMetadata> {
  return retrying(() => client.metadata({ topics, forceUpdate: refresh }));
}
