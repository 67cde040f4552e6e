// The at_least_once commit: produce every task's outputs and changelog records with the shared
// producer, wait for the acks, then commit the input offsets. A crash in between replays input
// (duplicates), never loses it.
import type { GroupConsumer, RecordProducer } from '../client/api.ts';
import type { RuntimeTask } from '../task/runtime-task.ts';

/** Commits `tasks`; returns the number of records produced. */
export async function commitAtLeastOnce(tasks: readonly RuntimeTask[], producer: RecordProducer, consumer: GroupConsumer): Promise<number> {
  const batches = [];
  for (const task of tasks) if (task.needsCommit || task.buffered > 0) batches.push({ task, batch: await task.prepareCommit() });
  if (batches.length === 0) return 0;
  const records = batches.flatMap((b) => b.batch.records);
  await producer.send(records);
  await consumer.commitOffsets(batches.flatMap((b) => b.batch.offsets));
  return records.length;
}
