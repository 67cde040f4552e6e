// RuntimeAdmin over @platformatic/kafka's Admin.
import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes, metadataV12 } from '@platformatic/kafka';
import type { GroupMember, GroupPartitionOffsets, PartitionOffset, RuntimeAdmin, TopicSpec } from '../api.ts';
import type { PlatformaticBase } from './connection.ts';
import { committedOffsets, earliestOffsets, highWatermarks, metadataFor, retrying } from './offsets.ts';

/** An admin client in the runtime's shape. */
export function createAdmin(base: PlatformaticBase): RuntimeAdmin {
  const admin = new Admin(base.options('admin'));
  const partitionsOf = async (topic: string): Promise<number[]> => {
    const count = (await metadataFor(admin, [topic])).topics.get(topic)?.partitionsCount ?? 0;
    return Array.from({ length: count }, (_, i) => i);
  };
  return {
    async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
      const existing = await existingTopics(base, topics);
      const wanted = topics.filter((t) => existing.has(t));
      const counts = new Map<string, number>();
      if (wanted.length === 0) return counts;
      const metadata = await metadataFor(admin, wanted, true);
      for (const t of wanted) {
        const count = metadata.topics.get(t)?.partitionsCount;
        if (count !== undefined) counts.set(t, count);
      }
      return counts;
    },
    async createTopics(specs: readonly TopicSpec[]): Promise<void> {
      const existing = await existingTopics(base, specs.map((s) => s.name));
      const missing = specs.filter((s) => !existing.has(s.name));
      // One CreateTopics per set of configs (a request's configs apply to all its topics), all at
      // once, not one per topic in turn: the pipeline's 9 internal topics are part of every first
      // start (two stream threads started 600-863 ms into live-invoices instead of 746-994:
      // docs/BENCHMARKS.md).
      await Promise.all(
        [...groupByConfigs(missing)].map(async ([configs, group]) => {
          try {
            await admin.createTopics({
              topics: group.map((s) => ({ topic: s.name, partitions: s.partitions, replicas: s.replicationFactor ?? -1 })),
              configs,
            });
          } catch (error) {
            // Another instance may have created some between our list and create: that is fine.
            const now = await existingTopics(base, group.map((s) => s.name));
            if (group.some((s) => !now.has(s.name))) throw error;
          }
        }),
      );
      if (missing.length > 0) await waitForLeaders(admin, missing.map((s) => s.name));
      await enforceConfigs(admin, specs.filter((s) => existing.has(s.name) && (s.enforcedConfigs?.length ?? 0) > 0));
    },
    async endOffsets(topic: string): Promise<Map<number, number>> {
      const ends = await highWatermarks(admin, new Map([[topic, await partitionsOf(topic)]]));
      return ends.get(topic) ?? new Map();
    },
    async offsetRange(topic: string, partition: number): Promise<{ low: number; high: number }> {
      const one = new Map([[topic, [partition]]]);
      const [low, high] = await Promise.all([earliestOffsets(admin, one), highWatermarks(admin, one)]);
      const l = low.get(topic)?.get(partition);
      const h = high.get(topic)?.get(partition);
      if (l === undefined || h === undefined) throw new Error(`no partition ${topic}-${partition}`);
      return { low: l, high: h };
    },
    async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
      const offsets = await committedOffsets(admin, groupId, new Map([[topic, await partitionsOf(topic)]]));
      return offsets.get(topic) ?? new Map();
    },
    async groupOffsets(groupId: string, topics: readonly string[]): Promise<GroupPartitionOffsets[]> {
      const metadata = await metadataFor(admin, [...topics]);
      const partitions = new Map<string, number[]>();
      for (const topic of topics) partitions.set(topic, Array.from({ length: metadata.topics.get(topic)?.partitionsCount ?? 0 }, (_, i) => i));
      const [ends, committed] = await Promise.all([highWatermarks(admin, partitions), committedOffsets(admin, groupId, partitions)]);
      const out: GroupPartitionOffsets[] = [];
      for (const [topic, list] of partitions) {
        for (const partition of list) out.push({ topic, partition, end: ends.get(topic)?.get(partition) ?? 0, committed: committed.get(topic)?.get(partition) });
      }
      return out;
    },
    async deleteTopics(topics: readonly string[]): Promise<void> {
      const existing = await existingTopics(base, topics);
      const present = topics.filter((t) => existing.has(t));
      if (present.length > 0) await admin.deleteTopics({ topics: present });
    },
    async deleteRecords(offsets: readonly PartitionOffset[]): Promise<void> {
      const byTopic = new Map<string, Array<{ partition: number; offset: bigint }>>();
      for (const o of offsets) byTopic.set(o.topic, [...(byTopic.get(o.topic) ?? []), { partition: o.partition, offset: BigInt(o.offset) }]);
      if (byTopic.size === 0) return;
      await admin.deleteRecords({ topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })) });
    },
    async groupMembers(groupId: string): Promise<GroupMember[]> {
      const groups = await retrying(() => admin.describeGroups({ groups: [groupId] }));
      const members: GroupMember[] = [];
      for (const m of groups.get(groupId)?.members.values() ?? []) {
        // No metadata or assignment while a rebalance is in progress: the member is listed without partitions.
        const userData = m.metadata?.metadata;
        const partitions = new Map<string, number[]>();
        for (const [topic, a] of m.assignments ?? []) partitions.set(topic, [...a.partitions]);
        members.push({ memberId: m.id, userData: userData === undefined ? Buffer.alloc(0) : Buffer.from(userData), partitions });
      }
      return members;
    },
    close: () => admin.close(),
  };
}

const UNKNOWN_TOPIC_OR_PARTITION = 3;

/**
 * Which of `topics` exist: one Metadata request naming them, with auto-creation off. Not the
 * client's `listTopics`, which asks for the metadata of every topic of the cluster, several times
 * at each start (205 ms of parsing per stream thread on a broker of 3,747 topics: docs/BENCHMARKS.md).
 */
async function existingTopics(base: PlatformaticBase, topics: readonly string[]): Promise<Set<string>> {
  if (topics.length === 0) return new Set();
  return retrying(async () => {
    const connection = await connectToAny(base);
    try {
      let response: Awaited<ReturnType<typeof metadataV12.api.async>>;
      try {
        response = await metadataV12.api.async(connection, [...topics], false, false);
      } catch (error) {
        // The protocol layer throws on any topic error, with the decoded response attached.
        const attached = (error as { response?: typeof response }).response;
        if (!attached?.topics) throw error;
        response = attached;
      }
      const existing = new Set<string>();
      // Any other error (a leader not elected yet) is about a topic that exists.
      for (const t of response.topics) if (t.name && t.errorCode !== UNKNOWN_TOPIC_OR_PARTITION) existing.add(t.name);
      return existing;
    } finally {
      await connection.close().catch(() => undefined);
    }
  });
}

/** A connection to the first bootstrap broker that answers. */
async function connectToAny(base: PlatformaticBase): ReturnType<PlatformaticBase['connect']> {
  let last: unknown;
  for (const broker of base.connection.brokers) {
    const at = broker.lastIndexOf(':');
    try {
      return await base.connect('metadata', broker.slice(0, at), Number(broker.slice(at + 1)));
    } catch (error) {
      last = error;
    }
  }
  throw last instanceof Error ? last : new Error('no bootstrap broker answered');
}

/** Waits (bounded) until every partition of the new topics has a leader: the next produce or fetch needs one. */
async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const metadata = await metadataFor(admin, topics, true).catch(() => undefined);
    if (metadata && topics.every((t) => {
      const m = metadata.topics.get(t);
      return m !== undefined && m.partitions.length > 0 && m.partitions.every((p) => p.leader >= 0);
    })) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sets the enforced configs of existing topics where the broker has other values (one describe, one alter). */
async function enforceConfigs(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
  const described = await retrying(() =>
    admin.describeConfigs({ resources: specs.map((s) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: s.name, configurationKeys: [...(s.enforcedConfigs ?? [])] })) }),
  );
  const current = new Map(described.map((d) => [d.resourceName, new Map(d.configs.map((c) => [c.name, c.value]))]));
  const resources = specs
    .map((s) => ({
      resourceType: ConfigResourceTypes.TOPIC,
      resourceName: s.name,
      configs: (s.enforcedConfigs ?? [])
        .filter((key) => s.configs?.[key] !== undefined && current.get(s.name)?.get(key) !== s.configs[key])
        .map((name) => ({ name, configOperation: IncrementalAlterConfigOperationTypes.SET, value: s.configs?.[name] as string })),
    }))
    .filter((r) => r.configs.length > 0);
  if (resources.length > 0) await retrying(() => admin.incrementalAlterConfigs({ resources }));
}

/** Specs grouped by their configs (as CreateTopics takes them), keyed by the configs' list. */
function groupByConfigs(specs: readonly TopicSpec[]): Map<Array<{ name: string; value: string }>, TopicSpec[]> {
  const byText = new Map<string, { configs: Array<{ name: string; value: string }>; specs: TopicSpec[] }>();
  for (const spec of specs) {
    const configs = Object.entries(spec.configs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value }));
    const text = JSON.stringify(configs);
    let group = byText.get(text);
    if (!group) byText.set(text, (group = { configs, specs: [] }));
    group.specs.push(spec);
  }
  return new Map([...byText.values()].map((g) => [g.configs, g.specs]));
}
