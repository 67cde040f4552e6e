import { describe, expect, it } from 'vitest';
import { assignTasks, copartitionAssignor, decodeSubscription, taskIdsOf } from '../../../src/runtime/assignor/copartition-assignor.ts';
import { FatalRuntimeError } from '../../../src/runtime/errors.ts';

const sub = (instanceId: string, owned: string[] = [], onDisk: string[] = []) => ({ instanceId, owned, onDisk });

describe('assignTasks', () => {
  const tasks = taskIdsOf(new Map([[0, 4], [1, 4]]));

  it('lists tasks per sub-topology and partition', () => {
    expect(tasks).toEqual(['0_0', '0_1', '0_2', '0_3', '1_0', '1_1', '1_2', '1_3']);
  });

  it('balances within one task and assigns every task once', () => {
    const plan = assignTasks([{ memberId: 'm1', subscription: sub('a') }, { memberId: 'm2', subscription: sub('b') }, { memberId: 'm3', subscription: sub('c') }], tasks);
    const all = [...plan.values()].flat().sort();
    expect(all).toEqual([...tasks].sort());
    const sizes = [...plan.values()].map((t) => t.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('keeps owned tasks, then tasks on disk, with their instance', () => {
    const plan = assignTasks(
      [
        { memberId: 'new-member-id', subscription: sub('pod-1', [], ['0_1', '1_1', '0_3', '1_3']) },
        { memberId: 'm0', subscription: sub('pod-0', ['0_0', '1_0', '0_2', '1_2']) },
      ],
      tasks,
    );
    expect(plan.get('m0')?.sort()).toEqual(['0_0', '0_2', '1_0', '1_2']);
    expect(plan.get('new-member-id')?.sort()).toEqual(['0_1', '0_3', '1_1', '1_3']);
  });

  it('caps stickiness at the balanced load when a member joins', () => {
    const plan = assignTasks([{ memberId: 'm0', subscription: sub('pod-0', tasks) }, { memberId: 'm1', subscription: sub('pod-1') }], tasks);
    expect(plan.get('m0')).toHaveLength(4);
    expect(plan.get('m1')).toHaveLength(4);
  });

  it('spreads each sub-topology over the members, even when one member owned every task', () => {
    // The first thread to join gets every task; the second must not end up with only the tasks fed
    // by the first one's repartition topic (idle until the first commits).
    const three = taskIdsOf(new Map([[0, 4], [1, 4], [2, 4]]));
    for (const count of [2, 3, 4]) {
      const members = Array.from({ length: count }, (_, i) => ({ memberId: `m${i}`, subscription: sub(`pod-${i}`, i === 0 ? three : []) }));
      const plan = assignTasks(members, three);
      expect([...plan.values()].flat().sort()).toEqual([...three].sort());
      for (const subtopology of [0, 1, 2]) {
        const held = [...plan.values()].map((list) => list.filter((t) => t.startsWith(`${subtopology}_`)).length);
        expect(Math.max(...held) - Math.min(...held), `${count} members, sub-topology ${subtopology}: ${held}`).toBeLessThanOrEqual(1);
      }
      const sizes = [...plan.values()].map((t) => t.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    const two = assignTasks([{ memberId: 'm0', subscription: sub('pod-0', three) }, { memberId: 'm1', subscription: sub('pod-1') }], three);
    expect(two.get('m0')?.sort()).toEqual(['0_0', '0_1', '1_0', '1_1', '2_0', '2_1']); // kept, up to its share of each
  });

  it('is deterministic whatever the member order', () => {
    const members = [{ memberId: 'x', subscription: sub('b') }, { memberId: 'y', subscription: sub('a') }];
    expect(assignTasks(members, tasks)).toEqual(assignTasks([...members].reverse(), tasks));
  });
});

describe('copartitionAssignor', () => {
  const layout = new Map([[0, ['orders', 'payments']], [1, ['app-x-repartition']]]);

  it('gives partition p of every source topic of a sub-topology to the same member', () => {
    const assignor = copartitionAssignor({ layout, instanceId: 'pod-0', current: () => ({ owned: [], onDisk: [] }) });
    const counts = new Map([['orders', 3], ['payments', 3], ['app-x-repartition', 3]]);
    const plan = assignor.assign(
      [
        { memberId: 'm0', userData: Buffer.from(JSON.stringify(sub('pod-0'))) },
        { memberId: 'm1', userData: Buffer.from(JSON.stringify(sub('pod-1'))) },
      ],
      counts,
    );
    for (const partitions of plan.values()) expect(partitions.get('orders')).toEqual(partitions.get('payments'));
    const allOrders = [...plan.values()].flatMap((p) => p.get('orders') ?? []).sort();
    expect(allOrders).toEqual([0, 1, 2]);
  });

  it('refuses sub-topologies whose sources are not co-partitioned', () => {
    const assignor = copartitionAssignor({ layout, instanceId: 'pod-0', current: () => ({ owned: [], onDisk: [] }) });
    expect(() => assignor.assign([{ memberId: 'm0', userData: Buffer.alloc(0) }], new Map([['orders', 3], ['payments', 4], ['app-x-repartition', 3]]))).toThrow(/not co-partitioned/);
    expect(() => assignor.assign([{ memberId: 'm0', userData: Buffer.alloc(0) }], new Map([['orders', 3], ['payments', 4], ['app-x-repartition', 3]]))).toThrow(FatalRuntimeError);
  });

  it('sends its instance id and tasks in the user data', () => {
    const assignor = copartitionAssignor({ layout, instanceId: 'pod-7', current: () => ({ owned: ['0_1'], onDisk: ['1_1'] }) });
    expect(decodeSubscription(assignor.userData(), 'fallback')).toEqual({ instanceId: 'pod-7', owned: ['0_1'], onDisk: ['1_1'] });
    expect(decodeSubscription(Buffer.from('garbage'), 'member-9')).toEqual({ instanceId: 'member-9', owned: [], onDisk: [] });
  });
});
