// The engine's public surface: what the invoice domain, the sinks and the app may import.
// Everything not re-exported here is internal and may change.
export * from './processor/api.ts';
export * from './state/api.ts';
export * from './serdes/api.ts';
export { Topology, type StoreBuilder, type TopicNameExtractor, type RecordContext, type SinkSerializers } from './topology/topology.ts';
export { Stores, type KeyValueStoreBuilder, type KeyValueStoreSupplier } from './state/stores.ts';
export { compareKeys } from './state/key-order.ts';
export { TopologyTestDriver, type TestDriverOptions } from './testing/topology-test-driver.ts';
export { TestInputTopic, TestOutputTopic, type TestRecord, type PipedRecord } from './testing/test-topics.ts';
export { TopologyRunner, type RunnerOptions } from './runtime/runner.ts';
export type { ConsumedRecord, ProducedRecord, RecordCollector } from './runtime/records.ts';
export { deadLetterHandler, deadLetterHeaders, failOnDeserializationError, DLQ_HEADERS, type DeserializationExceptionHandler, type DeserializationFailure } from './runtime/deserialization.ts';
export { replay, type ReplayInput, type ReplayOptions, type ReplaySummary } from './replay/replay.ts';
