// Task ids as Kafka Streams writes them: `<subtopology>_<partition>`.
import type { TaskId } from '../../engine/processor/api.ts';

/** `"0_3"` for sub-topology 0, partition 3. */
export function formatTaskId(id: TaskId): string {
  return `${id.subtopology}_${id.partition}`;
}

const TASK_ID = /^(\d+)_(\d+)$/;

/** Whether `text` is a task id (a task directory's name, say). */
export function isTaskId(text: string): boolean {
  return TASK_ID.test(text);
}

/** Parses `"0_3"`; throws on anything else. */
export function parseTaskId(text: string): TaskId {
  const match = TASK_ID.exec(text);
  if (!match) throw new Error(`not a task id: ${text}`);
  return { subtopology: Number(match[1]), partition: Number(match[2]) };
}
