// Public API of the sink stage (Kafka output topics → tables, exactly once per table).
export { DeltaSinkStage, type SinkBatchObserver, type SinkStageConfig, type SinkStageStats, type StageLogger } from './stage.ts';
export type { SeekableGroupConsumer } from './seekable-consumer.ts';
export { roundRobinAssignor } from './assignor.ts';
export { deltaTableWriter } from './writers.ts';
export { PartitionBuffer } from './buffer.ts';
export { DEFAULT_STAGE_OPTIONS, txnAppId, type RowMapper, type SinkRoute, type StageOptions, type TableWriter, type Txn } from './types.ts';
