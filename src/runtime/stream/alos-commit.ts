// The at_least_once commit: produce every task's outputs and changelog records with the shared
// producer, wait for the acks, then commit the input offsets. A crash in between replays input
// (duplicates), never loses it.
import type { GroupConsumer, RecordProducer } from '../client/api.ts';
import type { CommitBatch, RuntimeTask } from '../task/runtime-task.ts';

/** Every task's batch merged, with the names of the tasks it holds. */
export interface AlosBatch extends CommitBatch {
  tasks: string[];
}

/** Flushes and drains the tasks that have something to commit; undefined when none has. */
export async function prepareAtLeastOnce(tasks: readonly RuntimeTask[]): Promise<AlosBatch | undefined> {
  const merged: AlosBatch = { records: [], offsets: [], tasks: [] };
  for (const task of tasks) {
    if (!task.needsCommit && task.buffered === 0) continue;
    const batch = await task.prepareCommit();
    for (const r of batch.records) merged.records.push(r);
    merged.offsets.push(...batch.offsets);
    merged.tasks.push(task.name);
  }
  return merged.tasks.length > 0 ? merged : undefined;
}

/** Produces, waits for every ack, then commits the offsets; returns the records produced. */
export async function sendAtLeastOnce(batch: CommitBatch, producer: RecordProducer, consumer: GroupConsumer): Promise<number> {
  await producer.send(batch.records);
  await consumer.commitOffsets(batch.offsets);
  return batch.records.length;
}

/** Both steps, awaited (revocation and shutdown). */
export async function commitAtLeastOnce(tasks: readonly RuntimeTask[], producer: RecordProducer, consumer: GroupConsumer): Promise<number> {
  const batch = await prepareAtLeastOnce(tasks);
  return batch ? sendAtLeastOnce(batch, producer, consumer) : 0;
}
