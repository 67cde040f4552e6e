// QueryHost over a running KafkaStreams: placement from the application layout, local stores of
// running tasks, owners from the group's members. Each member puts its `application.server` in
// its join user data; DescribeGroups returns every member's user data and assignment, so any
// instance can map a partition to its owner without an extra metadata exchange. That address was
// written by another process: it is checked here, where it enters (endpoint.ts), and a member
// whose address is not a valid endpoint counts as unknown (its keys answer 503).
import type { KeyValueStore, StateStore } from '../../engine/index.ts';
import { decodeSubscription, type GroupMember, type KafkaStreams } from '../../runtime/index.ts';
import { formatEndpoint, parseEndpoint } from './endpoint.ts';
import { localReads, type QueryHost, type StorePlacement } from './host.ts';

/** What the adapter reads of an instance (KafkaStreams satisfies it; tests fake it). */
export type QueriedInstance = Pick<KafkaStreams, 'layout' | 'taskStates' | 'store' | 'groupMembers'>;

/** Options of the adapter. */
export interface StreamsHostOptions {
  /** This instance's advertised `host:port` (the same as the runtime's `applicationServer`). */
  self: string;
  /** How long a DescribeGroups answer is reused (default 2 s; refreshed early after a miss). */
  membersTtlMs?: number;
  /** Told once per distinct invalid address a member advertises. */
  warn?: (message: string, fields: Record<string, unknown>) => void;
}

// Bounds the memory of "already warned" under a member that keeps changing its bad address.
const MAX_WARNED = 100;

function isKeyValue<V>(store: StateStore | undefined): store is KeyValueStore<V> {
  return store !== undefined && typeof (store as Partial<KeyValueStore<V>>).get === 'function' && typeof (store as Partial<KeyValueStore<V>>).range === 'function';
}

/** The query host of a KafkaStreams instance. */
export function streamsQueryHost(streams: QueriedInstance, options: StreamsHostOptions): QueryHost {
  const ttl = options.membersTtlMs ?? 2_000;
  const warned = new Set<string>();
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
  const endpointOf = (member: GroupMember): string | undefined => {
    const advertised = decodeSubscription(member.userData, member.memberId).endpoint;
    if (advertised === undefined) return undefined;
    const endpoint = parseEndpoint(advertised);
    if (endpoint) return formatEndpoint(endpoint);
    if (!warned.has(advertised) && warned.size < MAX_WARNED) {
      warned.add(advertised);
      // Quoted and cut: the value may hold control characters or be very long.
      options.warn?.('queries: a group member advertises an invalid endpoint; keys it owns answer 503', { member: member.memberId, endpoint: JSON.stringify(advertised.slice(0, 200)) });
    }
    return undefined;
  };
  const find = (list: GroupMember[], subtopology: number, partition: number): string | undefined => {
    const topic = streams.layout?.subtopologies.find((s) => s.id === subtopology)?.sourceTopics[0];
    if (topic === undefined) return undefined;
    const member = list.find((m) => m.partitions.get(topic)?.includes(partition));
    return member ? endpointOf(member) : undefined;
  };
  const localStore = <V>(store: string, partition: number): KeyValueStore<V> | undefined => {
    const where = placement(store);
    if (!where) return undefined;
    const task = `${where.subtopology}_${partition}`;
    // Only a running (restored) task answers: a restoring store would give stale reads.
    if (streams.taskStates()?.get(task) !== 'running') return undefined;
    const found = streams.store(task, store);
    return isKeyValue<V>(found) ? found : undefined;
  };
  return {
    self: options.self,
    placement,
    ...localReads(localStore),
    async owner(subtopology: number, partition: number): Promise<string | undefined> {
      // A miss in a cached answer may be a rebalance since: ask again once.
      return find(await members(false), subtopology, partition) ?? find(await members(true), subtopology, partition);
    },
  };
}
