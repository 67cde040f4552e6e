// ADAPTER (until the runtime's GroupConsumer has `seek`): the runtime client's kafkajs group
// consumer plus `seek`, which the sink needs to start each partition where its table's txn says.
// Built on the `Kafka` instance of the runtime's KafkajsClient (its kafkajs fixes, e.g. the
// read_committed filter, are applied by importing that client), with the runtime's assignor bridge
// and record conversion, so only the consumer wiring is repeated here.
import type { Consumer } from 'kafkajs';
import type { GroupConsumer, GroupConsumerHandlers, GroupConsumerOptions, PartitionOffset } from '../../runtime/client/api.ts';
import type { KafkajsClient } from '../../runtime/client/kafkajs/client.ts';
import { toKafkajsAssigner } from '../../runtime/client/kafkajs/consumer.ts';
import { toConsumedRecord } from '../../runtime/client/kafkajs/convert.ts';

/** A group consumer that can move a partition's fetch position. */
export interface SeekableGroupConsumer extends GroupConsumer {
  /** The next fetch of `partition` starts at `offset` (applied before that fetch, even while paused). */
  seek(topic: string, partition: number, offset: number): void;
}

/** kafkajs consumer in the runtime's GroupConsumer shape, with seek. */
export class KafkajsSeekableConsumer implements SeekableGroupConsumer {
  readonly #consumer: Consumer;
  readonly #options: GroupConsumerOptions;
  #generation = 0;

  constructor(client: KafkajsClient, options: GroupConsumerOptions) {
    this.#options = options;
    this.#consumer = client.kafka.consumer({
      groupId: options.groupId,
      partitionAssigners: [toKafkajsAssigner(options.assignor)],
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: options.heartbeatIntervalMs ?? 3_000,
      readUncommitted: options.readUncommitted ?? false,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
      allowAutoTopicCreation: false,
      retry: { retries: 5, restartOnFailure: async () => false },
    });
  }

  async run(handlers: GroupConsumerHandlers): Promise<void> {
    const consumer = this.#consumer;
    // GROUP_JOIN is emitted after the new assignment is in place and before the first fetch, so
    // the handler can pause the partitions until their start offsets are known.
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const partitions = new Map<string, number[]>();
      for (const [topic, list] of Object.entries(event.payload.memberAssignment)) partitions.set(topic, [...list]);
      handlers.onAssigned({ generation: ++this.#generation, memberId: event.payload.memberId, partitions });
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) handlers.onCrash(event.payload.error);
    });
    consumer.on(consumer.events.START_BATCH_PROCESS, (event) => {
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

  seek(topic: string, partition: number, offset: number): void {
    this.#consumer.seek({ topic, partition, offset: String(offset) });
  }

  pause(topic: string, partitions: number[]): void {
    this.#consumer.pause([{ topic, partitions }]);
  }

  resume(topic: string, partitions: number[]): void {
    this.#consumer.resume([{ topic, partitions }]);
  }

  async commitOffsets(offsets: readonly PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.#consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })));
  }

  async close(): Promise<void> {
    await this.#consumer.disconnect();
  }
}
