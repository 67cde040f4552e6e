// The group assignor: tasks, not partitions, are what it places. Partition p of every source
// topic of a sub-topology goes to the same member (co-partitioning), tasks stay with the member
// that owned them or has their state on disk (stickiness, like Kafka Streams' task offset sums),
// and the load stays within one task of even, overall and per sub-topology.
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

/**
 * Tasks per member id, pure: the heart of the assignor, unit-tested on its own. Each member gets
 * within one task of an even share overall, and of each sub-topology where stickiness and that
 * allow: sub-topologies cost
 * differently per record, and one that feeds another through a repartition topic leaves a member
 * holding only the downstream tasks idle until the upstream ones commit (Kafka Streams' assignor
 * spreads a sub-topology's tasks the same way).
 */
export function assignTasks(members: ReadonlyArray<{ memberId: string; subscription: MemberSubscription }>, taskIds: readonly string[]): Map<string, string[]> {
  const order = [...members].sort((a, b) => a.subscription.instanceId.localeCompare(b.subscription.instanceId) || a.memberId.localeCompare(b.memberId));
  const result = new Map<string, string[]>(order.map((m) => [m.memberId, []]));
  if (order.length === 0) return result;
  const capacity = Math.ceil(taskIds.length / order.length);
  const subtopologyOf = new Map(taskIds.map((task) => [task, parseTaskId(task).subtopology]));
  const tasksPerSubtopology = new Map<number, number>();
  for (const s of subtopologyOf.values()) tasksPerSubtopology.set(s, (tasksPerSubtopology.get(s) ?? 0) + 1);
  // Tasks of each sub-topology per member, keyed `${memberId}\u0000${subtopology}`.
  const held = new Map<string, number>();
  const heldOf = (memberId: string, subtopology: number): number => held.get(`${memberId}\u0000${subtopology}`) ?? 0;
  const unassigned = new Set(taskIds);
  const place = (memberId: string, task: string): void => {
    (result.get(memberId) as string[]).push(task);
    unassigned.delete(task);
    const key = `${memberId}\u0000${subtopologyOf.get(task) as number}`;
    held.set(key, (held.get(key) ?? 0) + 1);
  };
  // Owned tasks first, then tasks with state on disk: both save a restore. Kept up to the even
  // share's floor of each sub-topology first, then up to its ceiling: a member that owned every
  // task would otherwise fill its share with the first sub-topologies' tasks.
  for (const round of [Math.floor, Math.ceil]) {
    for (const pick of ['owned', 'onDisk'] as const) {
      for (const m of order) {
        for (const task of m.subscription[pick]) {
          if (!unassigned.has(task) || (result.get(m.memberId) as string[]).length >= capacity) continue;
          const subtopology = subtopologyOf.get(task) as number;
          if (heldOf(m.memberId, subtopology) < round((tasksPerSubtopology.get(subtopology) as number) / order.length)) place(m.memberId, task);
        }
      }
    }
  }
  // The rest: among members below the even share, the one with the fewest of this sub-topology,
  // then the fewest overall.
  for (const task of taskIds) {
    if (!unassigned.has(task)) continue;
    const subtopology = subtopologyOf.get(task) as number;
    let best: string | undefined;
    for (const m of order) {
      const count = (result.get(m.memberId) as string[]).length;
      if (count >= capacity) continue;
      if (best === undefined) {
        best = m.memberId;
        continue;
      }
      const delta = heldOf(m.memberId, subtopology) - heldOf(best, subtopology);
      if (delta < 0 || (delta === 0 && count < (result.get(best) as string[]).length)) best = m.memberId;
    }
    place(best as string, task);
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
