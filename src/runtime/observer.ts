// Optional callbacks the runtime makes as it works, for metrics: what the app plugs in to see
// records flow and stores restore without the runtime knowing about Prometheus.
import type { OutgoingRecord } from './client/api.ts';

/** Observes the runtime; every method is optional and must be cheap (called on the hot path). */
export interface RuntimeObserver {
  /** `count` records of a (physical) topic were handed to a task. */
  consumed?(topic: string, count: number): void;
  /** A task produced a record (outputs and dead letters; changelog records at commit). */
  produced?(record: OutgoingRecord): void;
  /** Restore progress of one store partition: records restored so far and still to read. */
  restoreProgress?(store: string, partition: number, restored: number, remaining: number): void;
  /**
   * A partition's position was gone from the log and fetching went on at `to` (see
   * GroupConsumerHandlers.onOffsetReset): `to - from` records, when positive, were deleted
   * before they were processed (retention shorter than the lag, DeleteRecords).
   */
  offsetReset?(topic: string, partition: number, from: number, to: number): void;
  /** A commit round finished (every task's transaction, or the produce + offset commit). */
  committed?(seconds: number): void;
}

/** Per-task state as readiness sees it. */
export type TaskState = 'restoring' | 'running';
