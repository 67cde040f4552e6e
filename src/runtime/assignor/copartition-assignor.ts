// The group assignor: tasks, not partitions, are what it places. Partition p of every source
// topic of a sub-topology goes to the same member (co-partitioning), tasks stay with the member
// that owned them or has their state on disk (stickiness, like Kafka Streams' task offset sums),
// and the load stays within one task of even.
import type { GroupAssignor } from '../client/api.ts';
import { formatTaskId, parseTaskId } from '../task/task-id.ts';
import { FatalRuntimeError } from '../errors.ts';

/** What each member tells the leader at join time (JSON in the member metadata's user data). */
export interface MemberSubscription {
  /** Stable instance name, e.g. a StatefulSet pod name: the key of stickiness across restarts. */
  instanceId: string;
  /** Tasks it runs now. */
  owned: string[];
  /** Tasks whose state it has on disk (a clean checkpoint). */
  onDisk: string[];
  /** `application.server` (`host:port`) for interactive queries, when the instance serves them. */
  endpoint?: string;
}

/** Source topics per sub-topology id: the task layout the assignor places. */
export type SourceTopicsBySubtopology = ReadonlyMap<number, readonly string[]>;

/** Tasks per member id, pure: the heart of the assignor, unit-tested on its own. */
export function assignTasks(members: ReadonlyArray<{ memberId: string; subscription: MemberSubscription }>, taskIds: readonly string[]): Map<string, string[]> {
  const order = [...members].sort((a, b) => a.subscription.instanceId.localeCompare(b.subscription.instanceId) || a.memberId.localeCompare(b.memberId));
  const result = new Map<string, string[]>(order.map((m) => [m.memberId, []]));
  if (order.length === 0) return result;
  const capacity = Math.ceil(taskIds.length / order.length);
  const unassigned = new Set(taskIds);
  const place = (memberId: string, task: string): void => {
    (result.get(memberId) as string[]).push(task);
    unassigned.delete(task);
  };
  // Owned tasks first, then tasks with state on disk: both save a restore.
  for (const pick of ['owned', 'onDisk'] as const) {
    for (const m of order) {
      for (const task of m.subscription[pick]) {
        if (unassigned.has(task) && (result.get(m.memberId) as string[]).length < capacity) place(m.memberId, task);
      }
    }
  }
  for (const task of taskIds) {
    if (!unassigned.has(task)) continue;
    let best = order[0].memberId;
    for (const m of order) if ((result.get(m.memberId) as string[]).length < (result.get(best) as string[]).length) best = m.memberId;
    place(best, task);
  }
  return result;
}

/** Every task id of the layout, given the partition count of each sub-topology. */
export function taskIdsOf(partitionsBySubtopology: ReadonlyMap<number, number>): string[] {
  const ids: string[] = [];
  for (const [subtopology, partitions] of [...partitionsBySubtopology].sort((a, b) => a[0] - b[0])) {
    for (let p = 0; p < partitions; p++) ids.push(formatTaskId({ subtopology, partition: p }));
  }
  return ids;
}

/** Options of the co-partitioning assignor. */
export interface CopartitionAssignorOptions {
  layout: SourceTopicsBySubtopology;
  instanceId: string;
  /** This member's `host:port` for interactive queries (sent in the user data). */
  endpoint?: string;
  /** Read at every join: what this member runs and has on disk now. */
  current(): { owned: string[]; onDisk: string[] };
}

/** Decodes a member's user data; an unreadable one counts as a fresh member with no tasks. */
export function decodeSubscription(data: Buffer, fallbackId: string): MemberSubscription {
  try {
    const parsed = JSON.parse(data.toString('utf8')) as Partial<MemberSubscription>;
    const base = { instanceId: parsed.instanceId ?? fallbackId, owned: parsed.owned ?? [], onDisk: parsed.onDisk ?? [] };
    return typeof parsed.endpoint === 'string' ? { ...base, endpoint: parsed.endpoint } : base;
  } catch {
    return { instanceId: fallbackId, owned: [], onDisk: [] };
  }
}

/** The assignor as a GroupAssignor for the client. */
export function copartitionAssignor(options: CopartitionAssignorOptions): GroupAssignor {
  return {
    name: 'invoice-stream-copartition',
    userData(): Buffer {
      const { owned, onDisk } = options.current();
      const subscription: MemberSubscription = { instanceId: options.instanceId, owned, onDisk, ...(options.endpoint ? { endpoint: options.endpoint } : {}) };
      return Buffer.from(JSON.stringify(subscription));
    },
    assign(members, partitionCounts) {
      const partitionsBySubtopology = new Map<number, number>();
      for (const [subtopology, topics] of options.layout) {
        const counts = topics.map((t) => partitionCounts.get(t) ?? 0);
        // The start-up check makes this impossible unless a topic changed under a running app.
        if (new Set(counts).size > 1) throw new FatalRuntimeError(`sub-topology ${subtopology}: source topics ${topics.join(', ')} are not co-partitioned (${counts.join(', ')})`);
        partitionsBySubtopology.set(subtopology, counts[0] ?? 0);
      }
      const tasks = assignTasks(
        members.map((m) => ({ memberId: m.memberId, subscription: decodeSubscription(m.userData, m.memberId) })),
        taskIdsOf(partitionsBySubtopology),
      );
      const plan = new Map<string, Map<string, number[]>>();
      for (const [memberId, taskList] of tasks) {
        const partitions = new Map<string, number[]>();
        for (const text of taskList) {
          const id = parseTaskId(text);
          for (const topic of options.layout.get(id.subtopology) ?? []) {
            let list = partitions.get(topic);
            if (!list) partitions.set(topic, (list = []));
            list.push(id.partition);
          }
        }
        plan.set(memberId, partitions);
      }
      return plan;
    },
  };
}
