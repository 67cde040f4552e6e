// The kafkajs implementation of the runtime's KafkaClient.
import './kafkajs-fixes.ts';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { GroupConsumer, GroupConsumerOptions, KafkaClient, KafkaConnection, PartitionReader, RecordProducer, RuntimeAdmin, TransactionalProducer } from '../api.ts';
import { createAdmin } from './admin.ts';
import { assertKafkajsFixed } from './kafkajs-fixes.ts';
import { KafkajsGroupConsumer } from './consumer.ts';
import { createPartitionReader } from './partition-reader.ts';
import { createRecordProducer, KafkajsTransactionalProducer } from './producer.ts';

/** Connection settings for kafkajs. */
export interface KafkajsClientOptions extends KafkaConnection {
  /** kafkajs's own logging; quiet by default (the runtime logs what matters). */
  logLevel?: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
}

const LEVELS = { nothing: logLevel.NOTHING, error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG } as const;

/** A KafkaClient built on one kafkajs `Kafka` instance. */
export class KafkajsClient implements KafkaClient {
  readonly kafka: Kafka;

  constructor(options: KafkajsClientOptions) {
    assertKafkajsFixed();
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: [...options.brokers],
      logLevel: LEVELS[options.logLevel ?? 'nothing'],
      ...(options.ssl ? { ssl: options.ssl } : {}),
      ...(options.sasl ? { sasl: options.sasl as SASLOptions } : {}),
      retry: { initialRetryTime: 100, retries: 8 },
    });
  }

  admin(): Promise<RuntimeAdmin> {
    return createAdmin(this.kafka);
  }

  groupConsumer(options: GroupConsumerOptions): GroupConsumer {
    return new KafkajsGroupConsumer(this.kafka, options);
  }

  producer(): Promise<RecordProducer> {
    return createRecordProducer(this.kafka);
  }

  transactionalProducer(transactionalId: string, transactionTimeoutMs = 60_000): TransactionalProducer {
    return new KafkajsTransactionalProducer(this.kafka, transactionalId, transactionTimeoutMs);
  }

  partitionReader(): Promise<PartitionReader> {
    return createPartitionReader(this.kafka);
  }
}
