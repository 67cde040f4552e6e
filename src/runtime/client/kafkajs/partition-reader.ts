// Assign-mode reading (no consumer group) for changelog restoration. kafkajs only offers group
// consumers, so this drives its cluster and Fetch request directly, with its own Batch class to
// drop aborted transactions and control records (read_committed, as the Java restore consumer).
import { createRequire } from 'node:module';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { ConsumedRecord, PartitionReader } from '../api.ts';
import { toConsumedRecord } from './convert.ts';

/** The slice of kafkajs's internal Cluster this reader uses. */
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(query: { nodeId: string }): Promise<InternalBroker>;
}

interface InternalBroker {
  fetch(request: {
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    isolationLevel: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }> }>;
  }): Promise<{ responses: Array<{ topicName: string; partitions: InternalPartitionData[] }> }>;
}

interface InternalPartitionData {
  partition: number;
  errorCode: number;
  highWatermark: string;
}

interface InternalBatch {
  messages: KafkaMessage[];
  isEmptyIncludingFiltered(): boolean;
  lastOffset(): string;
}

type BatchConstructor = new (topic: string, fetchedOffset: string, partitionData: InternalPartitionData) => InternalBatch;

const READ_COMMITTED = 1;
const require = createRequire(import.meta.url);
const Batch = require('kafkajs/src/consumer/batch') as BatchConstructor;

/** Finds kafkajs's private cluster factory on a Kafka instance (a Symbol-keyed member). */
function createCluster(kafka: Kafka): InternalCluster {
  const holder = kafka as unknown as Record<symbol, unknown>;
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const factory = key ? holder[key] : undefined;
  if (typeof factory !== 'function') throw new Error('kafkajs internals changed: no cluster factory (partition reader needs kafkajs 2.x)');
  return (factory as (opts: { isolationLevel: number }) => InternalCluster)({ isolationLevel: READ_COMMITTED });
}

/** A reader sharing one connection pool for every partition it reads. */
export async function createPartitionReader(kafka: Kafka, maxBytes = 16 * 1024 * 1024): Promise<PartitionReader> {
  const cluster = createCluster(kafka);
  await cluster.connect();
  const known = new Set<string>();
  return {
    async read(topic, partition, fromOffset, toOffset, onRecords: (records: ConsumedRecord[]) => void | Promise<void>): Promise<number> {
      if (!known.has(topic)) {
        await cluster.addMultipleTargetTopics([topic]);
        known.add(topic);
      }
      let next = fromOffset;
      let idleRounds = 0;
      while (next < toOffset) {
        const leaders = cluster.findLeaderForPartitions(topic, [partition]);
        const nodeId = Object.keys(leaders)[0];
        if (nodeId === undefined) {
          await cluster.refreshMetadata();
          continue;
        }
        const broker = await cluster.findBroker({ nodeId });
        const { responses } = await broker.fetch({
          maxWaitTime: 200,
          minBytes: 1,
          maxBytes,
          isolationLevel: READ_COMMITTED,
          topics: [{ topic, partitions: [{ partition, fetchOffset: String(next), maxBytes }] }],
        });
        const data = responses.find((r) => r.topicName === topic)?.partitions.find((p) => p.partition === partition);
        if (!data) continue;
        if (data.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} at ${next}: error code ${data.errorCode}`);
        const batch = new Batch(topic, String(next), data);
        if (batch.isEmptyIncludingFiltered()) {
          // Nothing readable yet below toOffset: a transaction marker not yet written, or an
          // open transaction holding the last stable offset back. Wait, bounded.
          if (++idleRounds > 300) throw new Error(`restore of ${topic}-${partition} stuck at ${next} (end ${toOffset})`);
          continue;
        }
        idleRounds = 0;
        next = Number(batch.lastOffset()) + 1;
        if (batch.messages.length > 0) await onRecords(batch.messages.map((m) => toConsumedRecord(topic, partition, m)));
      }
      return next;
    },
    close: () => cluster.disconnect(),
  };
}
