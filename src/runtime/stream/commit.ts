// A thread's commit: every task with something to commit is drained into one batch (its outputs,
// changelog records and input positions), then
// - at_least_once: produced with the shared producer, acks awaited, then the offsets committed
//   (a crash in between replays input: duplicates, never loss);
// - exactly_once (EOS-v2, KIP-447): records and offsets in one transaction of the thread's
//   producer, the offsets checked against the member's generation, so a member that lost its
//   partitions in a rebalance cannot commit them.
import type { ConsumerGroupMetadata, EncodedRecords, GroupConsumer, RecordProducer, TransactionalProducer } from '../client/api.ts';
import type { CommitBatch, RuntimeTask } from '../task/runtime-task.ts';

/** Every task's batch, with the names of the tasks it holds. */
export interface ThreadBatch extends CommitBatch {
  tasks: string[];
  /** Records per task, in order within each task. */
  perTask: CommitBatch['records'][];
  /** The records, encoded by the transactional producer (`encodeBatch`): `records` and `perTask` are then empty. */
  encoded?: EncodedRecords;
}

/**
 * Flushes the tasks that have something to commit, then drains them all at once; undefined when
 * none has. Every store is flushed before any task's records are taken, so that nothing runs
 * between the drain and the encoding (`encodeBatch`).
 */
export async function prepareBatch(tasks: readonly RuntimeTask[]): Promise<ThreadBatch | undefined> {
  const committing = tasks.filter((task) => task.needsCommit || task.buffered > 0);
  if (committing.length === 0) return undefined;
  for (const task of committing) await task.flushStores();
  const merged: ThreadBatch = { records: [], offsets: [], tasks: [], perTask: [] };
  for (const task of committing) {
    const batch = task.drainCommit();
    for (const r of batch.records) merged.records.push(r);
    merged.perTask.push(batch.records);
    merged.offsets.push(...batch.offsets);
    merged.tasks.push(task.name);
  }
  return merged;
}

/** Produces, waits for every ack, then commits the offsets; returns the records produced. Tasks
 * are sent concurrently (no order is promised between tasks), each task's records in order. */
export async function sendAtLeastOnce(batch: ThreadBatch, producer: RecordProducer, consumer: GroupConsumer): Promise<number> {
  await Promise.all(batch.perTask.map((records) => producer.send(records)));
  await consumer.commitOffsets(batch.offsets);
  return batch.records.length;
}

/**
 * Encodes the batch's records into `producer`'s record batches now and lets go of them (exactly_once):
 * the commit's send runs while the thread processes on, and records held until it ends survived
 * young collections. Left as records when the producer cannot encode yet (its first transaction).
 */
export function encodeBatch(batch: ThreadBatch, producer: TransactionalProducer): void {
  const encoded = producer.encode(batch.records);
  if (!encoded) return;
  batch.encoded = encoded;
  batch.records = [];
  batch.perTask = [];
}

/** One transaction: every record, then the offsets as of `group`'s generation; returns the records produced. */
export async function sendExactlyOnce(batch: ThreadBatch, producer: TransactionalProducer, group: ConsumerGroupMetadata): Promise<number> {
  await producer.begin();
  await producer.send(batch.encoded ?? batch.records);
  await producer.sendOffsets(group, batch.offsets);
  await producer.commit();
  return batch.encoded?.count ?? batch.records.length;
}
