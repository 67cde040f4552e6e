// The @platformatic/kafka implementation of the runtime's KafkaClient: a maintained, pure
// TypeScript client (no native code), chosen by measurement over kafkajs and librdkafka's
// JavaScript binding (docs/BENCHMARKS.md, "The client").
import type { GroupConsumer, GroupConsumerOptions, KafkaClient, KafkaConnection, PartitionReader, RecordProducer, RuntimeAdmin, TransactionalProducer } from '../api.ts';
import { createAdmin } from './admin.ts';
import { PlatformaticBase } from './connection.ts';
import { PlatformaticGroupConsumer } from './group-consumer.ts';
import { createPartitionReader } from './partition-reader.ts';
import { createRecordProducer, PlatformaticTransactionalProducer } from './producer.ts';

/** A KafkaClient whose every consumer, producer and admin is a @platformatic/kafka client. */
export class PlatformaticClient implements KafkaClient {
  readonly #base: PlatformaticBase;

  constructor(connection: KafkaConnection) {
    this.#base = new PlatformaticBase(connection);
  }

  admin(): Promise<RuntimeAdmin> {
    return Promise.resolve(createAdmin(this.#base));
  }

  groupConsumer(options: GroupConsumerOptions): GroupConsumer {
    return new PlatformaticGroupConsumer(this.#base, options);
  }

  producer(): Promise<RecordProducer> {
    return Promise.resolve(createRecordProducer(this.#base));
  }

  transactionalProducer(transactionalId: string, transactionTimeoutMs = 60_000): TransactionalProducer {
    return new PlatformaticTransactionalProducer(this.#base, transactionalId, transactionTimeoutMs);
  }

  partitionReader(): Promise<PartitionReader> {
    return Promise.resolve(createPartitionReader(this.#base));
  }
}
