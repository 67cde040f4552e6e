// QueryHost over a running KafkaStreams: placement from the application layout, local stores of
// running tasks, owners from the group's members. Each member puts its `application.server` in
// its join user data; DescribeGroups returns every member's user data and assignment, so any
// instance can map a partition to its owner without an extra metadata exchange.
import type { KeyValueStore, StateStore } from '../../engine/index.ts';
import { decodeSubscription, type GroupMember, type KafkaStreams } from '../../runtime/index.ts';
import type { QueryHost, StorePlacement } from './host.ts';

/** Options of the adapter. */
export interface StreamsHostOptions {
  /** This instance's advertised `host:port` (the same as the runtime's `applicationServer`). */
  self: string;
  /** How long a DescribeGroups answer is reused (default 2 s; refreshed early after a miss). */
  membersTtlMs?: number;
}

function isKeyValue<V>(store: StateStore | undefined): store is KeyValueStore<V> {
  return store !== undefined && typeof (store as Partial<KeyValueStore<V>>).get === 'function' && typeof (store as Partial<KeyValueStore<V>>).range === 'function';
}

/** The query host of a KafkaStreams instance. */
export function streamsQueryHost(streams: KafkaStreams, options: StreamsHostOptions): QueryHost {
  const ttl = options.membersTtlMs ?? 2_000;
  let cached: { at: number; members: GroupMember[] } | undefined;
  const members = async (fresh: boolean): Promise<GroupMember[]> => {
    if (!fresh && cached && Date.now() - cached.at < ttl) return cached.members;
    cached = { at: Date.now(), members: await streams.groupMembers() };
    return cached.members;
  };
  const placement = (store: string): StorePlacement | undefined => {
    const sub = streams.layout?.subtopologies.find((s) => s.changelogs.some((c) => c.store === store));
    return sub ? { subtopology: sub.id, partitions: sub.partitions } : undefined;
  };
  const find = (list: GroupMember[], subtopology: number, partition: number): string | undefined => {
    const topic = streams.layout?.subtopologies.find((s) => s.id === subtopology)?.sourceTopics[0];
    if (topic === undefined) return undefined;
    const member = list.find((m) => m.partitions.get(topic)?.includes(partition));
    return member ? decodeSubscription(member.userData, member.memberId).endpoint : undefined;
  };
  return {
    self: options.self,
    placement,
    localStore<V>(store: string, partition: number): KeyValueStore<V> | undefined {
      const where = placement(store);
      if (!where) return undefined;
      const task = `${where.subtopology}_${partition}`;
      // Only a running (restored) task answers: a restoring store would give stale reads.
      if (streams.taskStates()?.get(task) !== 'running') return undefined;
      const found = streams.store(task, store);
      return isKeyValue<V>(found) ? found : undefined;
    },
    async owner(subtopology: number, partition: number): Promise<string | undefined> {
      // A miss in a cached answer may be a rebalance since: ask again once.
      return find(await members(false), subtopology, partition) ?? find(await members(true), subtopology, partition);
    },
  };
}
