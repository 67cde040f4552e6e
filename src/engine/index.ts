// The engine's public surface: what the invoice domain, the sinks and the app may import.
// Everything not re-exported here is internal and may change.
export * from './processor/api.ts';
export * from './state/api.ts';
export * from './serdes/api.ts';
export { Topology, type StoreBuilder, type TopicNameExtractor, type RecordContext, type SinkSerializers, type TimestampExtractor } from './topology/topology.ts';
export { Stores, type KeyValueStoreBuilder, type KeyValueStoreSupplier } from './state/stores.ts';
export { compareKeys } from './state/key-order.ts';
export { TopologyTestDriver, type TestDriverOptions } from './testing/topology-test-driver.ts';
export { TestInputTopic, TestOutputTopic, type TestRecord, type PipedRecord } from './testing/test-topics.ts';
export { TopologyRunner, type RunnerOptions } from './runtime/runner.ts';
export type { ConsumedRecord, ProducedRecord, RecordCollector } from './runtime/records.ts';
export { deadLetterHandler, deadLetterHeaders, failOnDeserializationError, DLQ_HEADERS, type DeserializationExceptionHandler, type DeserializationFailure } from './runtime/deserialization.ts';
export { replay, type ReplayInput, type ReplayOptions, type ReplaySummary } from './replay/replay.ts';
export { StreamsBuilder, type StreamsBuilderOptions } from './dsl/streams-builder.ts';
export { KStream } from './dsl/kstream.ts';
export { KTable } from './dsl/ktable.ts';
export { KGroupedStream } from './dsl/kgrouped.ts';
export { BranchedKStream } from './dsl/branched.ts';
export type { Consumed, Produced, Grouped, Materialized, Named } from './dsl/options.ts';
export { jsonSerde } from './serdes/json.ts';
export type { KeyValueBackend } from './state/backend.ts';
export type { StoreMetrics, MeteredKeyValueStore } from './state/metered-store.ts';
export type { PersistentStoreOptions } from './state/stores.ts';
export { stringSerde, bytesSerde } from './serdes/string.ts';
export { ByteWriter } from './serdes/byte-writer.ts';
export { zodJsonSerde, zodJsonResultDeserializer, parseJson, type Validated } from './serdes/zod-json.ts';
export { avroSerde, schemaIdOf, type AvroSerde } from './serdes/avro.ts';
export { HttpSchemaRegistry, InMemorySchemaRegistry, SchemaNotFoundError, type SchemaRegistry } from './serdes/schema-registry.ts';
