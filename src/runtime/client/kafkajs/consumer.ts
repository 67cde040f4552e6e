// GroupConsumer over kafkajs: eachBatch, no auto-commit, read_committed, and our assignor
// plugged in as a kafkajs partition assigner.
import { AssignerProtocol, type Consumer, type Kafka, type PartitionAssigner } from 'kafkajs';
import type { GroupAssignor, GroupConsumer, GroupConsumerHandlers, GroupConsumerOptions, PartitionOffset } from '../api.ts';
import { toConsumedRecord } from './convert.ts';

/** Wraps our GroupAssignor in kafkajs's assigner shape (member metadata carries its user data). */
export function toKafkajsAssigner(assignor: GroupAssignor): PartitionAssigner {
  return ({ cluster }) => ({
    name: assignor.name,
    version: 0,
    protocol: ({ topics }) => ({
      name: assignor.name,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: assignor.userData() }),
    }),
    async assign({ members, topics }) {
      const counts = new Map<string, number>();
      for (const topic of topics) counts.set(topic, cluster.findTopicPartitionMetadata(topic).length);
      const decoded = members.map((m) => {
        const meta = AssignerProtocol.MemberMetadata.decode(m.memberMetadata);
        return { memberId: m.memberId, userData: meta?.userData ?? Buffer.alloc(0) };
      });
      const plan = assignor.assign(decoded, counts);
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 0,
          assignment: Object.fromEntries(plan.get(m.memberId) ?? new Map<string, number[]>()),
          userData: Buffer.alloc(0),
        }),
      }));
    },
  });
}

/** A kafkajs consumer in our GroupConsumer shape. */
export class KafkajsGroupConsumer implements GroupConsumer {
  readonly #consumer: Consumer;
  readonly #options: GroupConsumerOptions;
  #generation = 0;

  constructor(kafka: Kafka, options: GroupConsumerOptions) {
    this.#options = options;
    this.#consumer = kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [toKafkajsAssigner(options.assignor)],
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
      readUncommitted: options.readUncommitted ?? false,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
      allowAutoTopicCreation: false,
      // The runtime decides what a crash means; kafkajs must not silently restart under it.
      retry: { retries: 5, restartOnFailure: async () => false },
    });
  }

  async run(handlers: GroupConsumerHandlers): Promise<void> {
    const consumer = this.#consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const partitions = new Map<string, number[]>();
      for (const [topic, list] of Object.entries(event.payload.memberAssignment)) partitions.set(topic, [...list]);
      handlers.onAssigned({ generation: ++this.#generation, memberId: event.payload.memberId, partitions });
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) handlers.onCrash(event.payload.error);
    });
    consumer.on(consumer.events.START_BATCH_PROCESS, (event) => {
      // kafkajs resolves marker-only batches without calling eachBatch; the committed position
      // must still move past them, or a transactional input never shows lag 0.
      const p = event.payload;
      if (p.batchSize === 0 && p.firstOffset !== null) handlers.onSkipped(p.topic, p.partition, Number(p.lastOffset) + 1);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.#options.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: true,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat, isStale }) => {
        const records = batch.messages.map((m) => toConsumedRecord(batch.topic, batch.partition, m));
        await handlers.onBatch({ topic: batch.topic, partition: batch.partition, records, highWatermark: Number(batch.highWatermark), nextOffset: Number(batch.lastOffset()) + 1 }, { heartbeat, isStale });
      },
    });
  }

  pause(topic: string, partitions: number[]): void {
    this.#consumer.pause([{ topic, partitions }]);
  }

  resume(topic: string, partitions: number[]): void {
    this.#consumer.resume([{ topic, partitions }]);
  }

  seek(topic: string, partition: number, offset: number): void {
    this.#consumer.seek({ topic, partition, offset: String(offset) });
  }

  async commitOffsets(offsets: readonly PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.#consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
  }

  async close(): Promise<void> {
    // disconnect stops the runner (waiting for the batch in flight) and sends LeaveGroup.
    await this.#consumer.disconnect();
  }
}
