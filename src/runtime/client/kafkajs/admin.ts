// RuntimeAdmin over kafkajs's admin client.
import { AssignerProtocol, type Admin, type Kafka } from 'kafkajs';
import type { GroupMember, RuntimeAdmin, TopicSpec } from '../api.ts';

/** Connects an admin client. */
export async function createAdmin(kafka: Kafka): Promise<RuntimeAdmin> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  return {
    async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
      const existing = new Set(await admin.listTopics());
      const wanted = topics.filter((t) => existing.has(t));
      const counts = new Map<string, number>();
      if (wanted.length === 0) return counts;
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: wanted });
      for (const t of meta) counts.set(t.name, t.partitions.length);
      return counts;
    },
    async createTopics(specs: readonly TopicSpec[]): Promise<void> {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((s) => !existing.has(s.name));
      if (missing.length === 0) return;
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((s) => ({
            topic: s.name,
            numPartitions: s.partitions,
            replicationFactor: s.replicationFactor ?? -1,
            configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
          })),
        });
      } catch (error) {
        // Another instance may have created them between our list and create: that is fine.
        const left = new Set(await admin.listTopics());
        if (missing.some((s) => !left.has(s.name))) throw error;
      }
    },
    async endOffsets(topic: string): Promise<Map<number, number>> {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    },
    async offsetRange(topic: string, partition: number): Promise<{ low: number; high: number }> {
      const entry = (await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition);
      if (!entry) throw new Error(`no partition ${topic}-${partition}`);
      return { low: Number(entry.low), high: Number(entry.high) };
    },
    async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const out = new Map<number, number>();
      for (const p of entry?.partitions ?? []) {
        const offset = Number(p.offset);
        if (offset >= 0) out.set(p.partition, offset);
      }
      return out;
    },
    async deleteTopics(topics: readonly string[]): Promise<void> {
      const existing = new Set(await admin.listTopics());
      const present = topics.filter((t) => existing.has(t));
      if (present.length > 0) await admin.deleteTopics({ topics: present });
    },
    async groupMembers(groupId: string): Promise<GroupMember[]> {
      const { groups } = await admin.describeGroups([groupId]);
      const members: GroupMember[] = [];
      for (const m of groups[0]?.members ?? []) {
        // Empty buffers while a rebalance is in progress: the member is listed without partitions.
        const meta = m.memberMetadata.length > 0 ? AssignerProtocol.MemberMetadata.decode(m.memberMetadata) : null;
        const assigned = m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
        const partitions = new Map<string, number[]>(Object.entries(assigned?.assignment ?? {}));
        members.push({ memberId: m.memberId, userData: meta?.userData ?? Buffer.alloc(0), partitions });
      }
      return members;
    },
    close: () => admin.disconnect(),
  };
}
