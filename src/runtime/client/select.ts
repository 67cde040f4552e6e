// The runtime's Kafka client: one library behind the KafkaClient seam.
import type { KafkaClient, KafkaConnection } from './api.ts';
import { PlatformaticClient } from './platformatic/client.ts';

/** A KafkaClient for this connection (on @platformatic/kafka). */
export function createKafkaClient(connection: KafkaConnection): KafkaClient {
  return new PlatformaticClient(connection);
}
