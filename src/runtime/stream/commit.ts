// A thread's commit: every task with something to commit is drained into one batch (its outputs,
// changelog records and input positions), then
// - at_least_once: produced with the shared producer, acks awaited, then the offsets committed
//   (a crash in between replays input: duplicates, never loss);
// - exactly_once (EOS-v2, KIP-447): records and offsets in one transaction of the thread's
//   producer, the offsets checked against the member's generation, so a member that lost its
//   partitions in a rebalance cannot commit them.
import type { ConsumerGroupMetadata, GroupConsumer, RecordProducer, TransactionalProducer } from '../client/api.ts';
import type { CommitBatch, RuntimeTask } from '../task/runtime-task.ts';

/** Every task's batch, with the names of the tasks it holds. */
export interface ThreadBatch extends CommitBatch {
  tasks: string[];
  /** Records per task, in order within each task. */
  perTask: CommitBatch['records'][];
}

/** Flushes and drains the tasks that have something to commit; undefined when none has. */
export async function prepareBatch(tasks: readonly RuntimeTask[]): Promise<ThreadBatch | undefined> {
  const merged: ThreadBatch = { records: [], offsets: [], tasks: [], perTask: [] };
  for (const task of tasks) {
    if (!task.needsCommit && task.buffered === 0) continue;
    const batch = await task.prepareCommit();
    for (const r of batch.records) merged.records.push(r);
    merged.perTask.push(batch.records);
    merged.offsets.push(...batch.offsets);
    merged.tasks.push(task.name);
  }
  return merged.tasks.length > 0 ? merged : undefined;
}

/** Produces, waits for every ack, then commits the offsets; returns the records produced. Tasks
 * are sent concurrently (no order is promised between tasks), each task's records in order. */
export async function sendAtLeastOnce(batch: ThreadBatch, producer: RecordProducer, consumer: GroupConsumer): Promise<number> {
  await Promise.all(batch.perTask.map((records) => producer.send(records)));
  await consumer.commitOffsets(batch.offsets);
  return batch.records.length;
}

/** One transaction: every record, then the offsets as of `group`'s generation; returns the records produced. */
export async function sendExactlyOnce(batch: ThreadBatch, producer: TransactionalProducer, group: ConsumerGroupMetadata): Promise<number> {
  await producer.begin();
  await producer.send(batch.records);
  await producer.sendOffsets(group, batch.offsets);
  await producer.commit();
  return batch.records.length;
}
