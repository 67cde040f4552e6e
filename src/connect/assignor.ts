// The sink group's partition assignment: every partition of every topic dealt round-robin over
// the members (sorted by id, so every leader computes the same plan). The sink has no state to
// co-locate, so nothing smarter is needed.
import type { GroupAssignor } from '../runtime/client/api.ts';

/** Round-robin over members, topic by topic, partition by partition. */
export const roundRobinAssignor: GroupAssignor = {
  name: 'invoice-stream-sink-rr',
  userData: () => Buffer.alloc(0),
  assign(members, partitionCounts) {
    const ids = members.map((m) => m.memberId).sort();
    const plan = new Map<string, Map<string, number[]>>(ids.map((id) => [id, new Map<string, number[]>()]));
    let next = 0;
    for (const topic of [...partitionCounts.keys()].sort()) {
      for (let p = 0; p < (partitionCounts.get(topic) ?? 0); p++) {
        const member = plan.get(ids[next++ % ids.length] as string) as Map<string, number[]>;
        const list = member.get(topic) ?? [];
        list.push(p);
        member.set(topic, list);
      }
    }
    return plan;
  },
};
