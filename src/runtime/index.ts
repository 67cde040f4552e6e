// The Kafka runtime's public surface: what the app imports to run a topology against Kafka.
export { KafkaStreams, closeOnSignals, type StreamsState } from './kafka-streams.ts';
export type { RuntimeConfig, ProcessingGuarantee, RuntimeLogger } from './config.ts';
export { defaultCommitIntervalMs } from './config.ts';
export type { KafkaClient, KafkaConnection, GroupMember } from './client/api.ts';
export { createKafkaClient } from './client/select.ts';
export { partitionForKey } from './client/partitioner.ts';
export { PlatformaticClient } from './client/platformatic/client.ts';
export type { RuntimeObserver, TaskState } from './observer.ts';
export { decodeSubscription, type MemberSubscription } from './assignor/copartition-assignor.ts';
export type { ThreadMetrics } from './stream/stream-thread.ts';
export { releaseThreadLocks, type StateOwner } from './state/task-directory.ts';
export type { TaskProgress } from './stream/stall-watch.ts';
export { FatalRuntimeError } from './errors.ts';
