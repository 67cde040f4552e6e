// What the integration tests need from the outside world: where the broker and registry are.

/** Where a test run's Kafka broker and Schema Registry live, and who provided them. */
export type TestStack = {
  /** Comma-separated bootstrap servers, as KAFKA_BROKERS takes them. */
  kafkaBrokers: string;
  /** Base URL of the Confluent-compatible REST API (no trailing slash). */
  schemaRegistryUrl: string;
  /** env: given by the caller; testcontainers: started in Docker; local: the JVM stack of scripts/stack.sh. */
  source: 'env' | 'testcontainers' | 'local';
  /** Stops what this run started; absent when the servers outlive the run. */
  stop?: () => Promise<void>;
};
