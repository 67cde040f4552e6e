// What an integration test calls to learn where the broker and registry are.
import { inject } from 'vitest';

/** Addresses of the run's broker and registry, as provided by test/stack/global-setup.ts. */
export type TestStackAddresses = { kafkaBrokers: string[]; schemaRegistryUrl: string };

/** Returns the addresses, or throws a clear error (the test fails; it never skips). */
export function testStack(): TestStackAddresses {
  const brokers = inject('kafkaBrokers');
  const schemaRegistryUrl = inject('schemaRegistryUrl');
  if (!brokers || !schemaRegistryUrl) {
    const why = inject('testStackError') || 'the integration global setup did not run';
    throw new Error(
      `no Kafka broker / Schema Registry for this test: ${why}\n` +
        'Set KAFKA_BROKERS and SCHEMA_REGISTRY_URL, start Docker, or run `npm run stack -- up` (needs a JDK 17+ and Maven).',
    );
  }
  return { kafkaBrokers: brokers.split(',').map((b) => b.trim()), schemaRegistryUrl };
}
