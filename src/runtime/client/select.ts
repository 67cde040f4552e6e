// Which Kafka client library the runtime runs on: one switch, read once per client.
import type { KafkaClient, KafkaConnection } from './api.ts';
import { KafkajsClient } from './kafkajs/client.ts';
import { PlatformaticClient } from './platformatic/client.ts';

/** The client libraries behind the runtime's KafkaClient seam. */
export type KafkaClientLibrary = 'platformatic' | 'kafkajs';

/** The library `INVOICE_STREAM_KAFKA_CLIENT` names, else the default. */
export function clientLibrary(env: NodeJS.ProcessEnv = process.env): KafkaClientLibrary {
  const named = env.INVOICE_STREAM_KAFKA_CLIENT;
  if (named === undefined || named === '') return DEFAULT_LIBRARY;
  if (named === 'platformatic' || named === 'kafkajs') return named;
  throw new Error(`INVOICE_STREAM_KAFKA_CLIENT=${named}: expected platformatic or kafkajs`);
}

const DEFAULT_LIBRARY: KafkaClientLibrary = 'kafkajs';

/** A KafkaClient on the chosen library (default: the environment's choice). */
export function createKafkaClient(connection: KafkaConnection, library: KafkaClientLibrary = clientLibrary()): KafkaClient {
  return library === 'platformatic' ? new PlatformaticClient(connection) : new KafkajsClient(connection);
}
