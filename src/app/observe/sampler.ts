// Gauges read from the running instance on an interval (they are levels, not events): tasks by
// state, store entries, the invoice clock's lag behind the wall clock, and consumer lag per source
// partition this instance owns (log end minus the group's committed offset, from the admin API).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyValueStore } from '../../engine/index.ts';
import { STORE } from '../../invoice/stores.ts';
import type { KafkaStreams, TaskState } from '../../runtime/index.ts';
import type { RuntimeAdmin } from '../../runtime/client/api.ts';
import type { Metrics } from '../metrics.ts';

/** Options of startSampler. */
export interface SamplerOptions {
  /** Default 5 s (a Prometheus scrape is usually 15–30 s). */
  intervalMs?: number;
  /** An admin client of its own, for lag (the runtime's stays private to it). */
  admin: RuntimeAdmin;
  /** The state directory: persistent stores live in `<stateDir>/<application.id>/<task>/<store>/` (on-disk sizes). */
  stateDir?: string;
  onError?: (error: unknown) => void;
}

/** A running sampler. */
export interface Sampler {
  /** Samples now (tests call it to avoid waiting). */
  sample(): Promise<void>;
  stop(): void;
}

/** Bytes on disk under `path` (allocated blocks: LMDB files are sparse); 0 when absent. */
export async function diskUsage(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.blocks * 512;
  let total = 0;
  for (const entry of await readdir(path)) total += await diskUsage(join(path, entry));
  return total;
}

/** Samples `streams` into `m` until stopped. */
export function startSampler(m: Metrics, streams: KafkaStreams, options: SamplerOptions): Sampler {
  let running: Promise<void> | undefined;
  const sampleOnce = async (): Promise<void> => {
    const states = streams.taskStates() ?? new Map<string, TaskState>();
    const counts = { restoring: 0, running: 0 };
    for (const s of states.values()) counts[s]++;
    m.tasks.set({ state: 'restoring' }, counts.restoring);
    m.tasks.set({ state: 'running' }, counts.running);

    m.storeEntries.reset();
    m.storeSize.reset();
    m.clockLag.reset();
    for (const [task, names] of streams.storeNames()) {
      const partition = task.slice(task.indexOf('_') + 1);
      for (const name of names) {
        const store = streams.store(task, name) as Partial<KeyValueStore<unknown>> | undefined;
        if (typeof store?.approximateSize === 'function') m.storeEntries.set({ store: name, partition }, store.approximateSize());
        if (options.stateDir !== undefined) {
          const bytes = await diskUsage(join(options.stateDir, streams.config.applicationId, task, name));
          if (bytes > 0) m.storeSize.set({ store: name, partition }, bytes);
        }
      }
      // The invoice clock (epoch µs) of the task; an empty task has none yet.
      const clock = (streams.store(task, STORE.clock) as KeyValueStore<number> | undefined)?.get('clock');
      if (typeof clock === 'number' && Number.isFinite(clock)) m.clockLag.set({ task }, (Date.now() - clock / 1000) / 1000);
    }

    m.taskProgressAge.reset();
    m.taskStalled.reset();
    for (const [task, p] of streams.taskProgress()) {
      m.taskProgressAge.set({ task }, p.progressAgeMs / 1000);
      m.taskStalled.set({ task }, p.stalled ? 1 : 0);
    }

    const layout = streams.layout;
    if (!layout) return;
    const owned = new Map<string, number[]>();
    for (const task of states.keys()) {
      const [sub, p] = task.split('_').map(Number) as [number, number];
      for (const topic of layout.subtopologies.find((s) => s.id === sub)?.sourceTopics ?? []) owned.set(topic, [...(owned.get(topic) ?? []), p]);
    }
    const lag: Array<[string, number, number]> = [];
    for (const p of owned.size === 0 ? [] : await options.admin.groupOffsets(streams.config.applicationId, [...owned.keys()])) {
      if (!owned.get(p.topic)?.includes(p.partition)) continue;
      // No commit yet: everything up to the end is still to do (offsets start at the log start,
      // which we do not fetch: lag may overstate until the first commit on a truncated log).
      lag.push([p.topic, p.partition, Math.max(0, p.end - (p.committed ?? 0))]);
    }
    m.consumerLag.reset();
    for (const [topic, partition, value] of lag) m.consumerLag.set({ topic, partition: String(partition) }, value);
  };
  const sample = (): Promise<void> => {
    running ??= sampleOnce().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void sample().catch((e: unknown) => options.onError?.(e)), options.intervalMs ?? 5_000);
  timer.unref();
  return { sample, stop: () => clearInterval(timer) };
}
