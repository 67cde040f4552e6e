// The at_least_once commit: produce every task's outputs and changelog records with the shared
// producer, wait for the acks, then commit the input offsets. A crash in between replays input
// (duplicates), never loses it.
import type { GroupConsumer, RecordProducer } from '../client/api.ts';
import type { CommitBatch, RuntimeTask } from '../task/runtime-task.ts';

/** Every task's batch, with the names of the tasks it holds. */
export interface AlosBatch extends CommitBatch {
  tasks: string[];
  /** Records per task, in order within each task. */
  perTask: CommitBatch['records'][];
}

/** Flushes and drains the tasks that have something to commit; undefined when none has. */
export async function prepareAtLeastOnce(tasks: readonly RuntimeTask[]): Promise<AlosBatch | undefined> {
  const merged: AlosBatch = { records: [], offsets: [], tasks: [], perTask: [] };
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
export async function sendAtLeastOnce(batch: AlosBatch, producer: RecordProducer, consumer: GroupConsumer): Promise<number> {
  await Promise.all(batch.perTask.map((records) => producer.send(records)));
  await consumer.commitOffsets(batch.offsets);
  return batch.records.length;
}

/** Both steps, awaited (revocation and shutdown). */
export async function commitAtLeastOnce(tasks: readonly RuntimeTask[], producer: RecordProducer, consumer: GroupConsumer): Promise<number> {
  const batch = await prepareAtLeastOnce(tasks);
  return batch ? sendAtLeastOnce(batch, producer, consumer) : 0;
}
