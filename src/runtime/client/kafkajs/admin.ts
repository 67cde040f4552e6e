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
      const offsets = await retrying(() => admin.fetchTopicOffsets(topic));
      return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    },
    async offsetRange(topic: string, partition: number): Promise<{ low: number; high: number }> {
      const entry = (await retrying(() => admin.fetchTopicOffsets(topic))).find((o) => o.partition === partition);
      if (!entry) throw new Error(`no partition ${topic}-${partition}`);
      return { low: Number(entry.low), high: Number(entry.high) };
    },
    async committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
      const [entry] = await retrying(() => admin.fetchOffsets({ groupId, topics: [topic] }));
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
      const { groups } = await retrying(() => admin.describeGroups([groupId]));
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

// kafkajs's admin gives up on some retriable answers after its own few tries, or not at all: a
// group coordinator that moved (NOT_COORDINATOR) or still loads its offsets
// (COORDINATOR_LOAD_IN_PROGRESS) failed offset fetches in benches and tests. Read-only calls are
// retried here for up to about 15 s on any error kafkajs marks retriable.
const RETRY_DELAYS_MS = [50, 100, 200, 400, 800, 1_600, 3_200, 3_200, 3_200, 3_200];

async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined || !isRetriable(error)) throw error;
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function isRetriable(error: unknown): boolean {
  // kafkajs wraps the broker's error (KafkaJSNumberOfRetriesExceeded → originalError): look two levels down.
  let e: unknown = error;
  for (let depth = 0; depth < 3 && e !== null && typeof e === 'object'; depth++) {
    if ((e as { retriable?: unknown }).retriable === true) return true;
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}
