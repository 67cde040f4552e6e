// The messages between the main thread and its stream threads (worker_threads) when an instance
// runs `numStreamThreads` > 1. Plain data only: everything crosses by structured clone.
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { Config } from '../config.ts';
import type { ProbeResult } from '../http/probes.ts';
import type { StorePlacement } from '../queries/host.ts';

/** What a stream thread is started with (its `workerData`). */
export interface ThreadData {
  config: Config;
  /** 0-based index of the thread in its instance: suffix of its instance ids, its task-directory locks' owner. */
  index: number;
  /** The instance's run (random per process start): with `index`, who holds a task directory of the shared state dir. */
  stateRun: string;
  /** The instance's advertised query endpoint: every thread of a pod advertises the same. */
  applicationServer: string;
  version: string;
  sampleIntervalMs?: number;
  /** Send log lines to the main thread (which has a logger given by the caller) instead of logging here. */
  forwardLogs: boolean;
}

/** A request from the main thread; the thread answers with a Reply of the same id. */
export type Request =
  | { id: number; op: 'metrics' }
  | { id: number; op: 'get'; store: string; partition: number; key: string }
  | { id: number; op: 'range'; store: string; partition: number; from: string; to: string }
  | { id: number; op: 'owed'; partition: number }
  | { id: number; op: 'owner'; subtopology: number; partition: number }
  | { id: number; op: 'close' }
  /** Every thread is ready to join the group: join now (answered at once). */
  | { id: number; op: 'join' };

/** The operations a thread answers. */
export type Op = Request['op'];

/** The answer to a request: its value, or why it failed. */
export interface Reply {
  type: 'reply';
  id: number;
  value?: unknown;
  error?: string;
}

/** A thread's probes and store placement, sent every second (a stale one means its event loop is stuck). */
export interface Status {
  type: 'status';
  health: ProbeResult;
  readiness: ProbeResult;
  /** Store name → placement, once the thread's streams started (every thread has the same layout). */
  placement?: Record<string, StorePlacement>;
}

/** Everything a stream thread posts to the main thread. */
export type ThreadMessage =
  | Reply
  | Status
  /** Checks done and internal topics created: waiting for `join`. */
  | { type: 'ready_to_join' }
  /** Started; `threadId` is worker_threads' (0: the main thread). */
  | { type: 'started'; threadId: number }
  | { type: 'start_failed'; error: string }
  | { type: 'fatal'; error: string }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> };

/** One registry's metrics as prom-client serialises them for aggregation. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** A thread's instance id and static member id: the instance's with `-<index>`, so each is stable across restarts. */
export function threadIds(instanceId: string, groupInstanceId: string | undefined, index: number): { instanceId: string; groupInstanceId: string | undefined } {
  return { instanceId: `${instanceId}-${index}`, groupInstanceId: groupInstanceId === undefined ? undefined : `${groupInstanceId}-${index}` };
}
