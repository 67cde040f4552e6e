// /metrics of an instance with several stream threads: the main thread's registry (build info,
// Node's process metrics) and each thread's (records, tasks, stores, lag, its own event loop),
// merged into one exposition with prom-client's AggregatorRegistry. Threads own disjoint tasks and
// partitions, so summing is right for the catalog's counters, histograms and per-task or
// per-partition gauges, and for `invoice_stream_tasks` (the instance's tasks by state). Some
// series are not the threads' to add up:
// - `invoice_stream_build_info` is 1 in every registry: the maximum, 1.
// - `process_*` and `nodejs_version_info` describe the whole process, whichever thread reads them
//   (CPU time, resident memory, file descriptors): the main thread's value, listed first.
// - `nodejs_eventloop_lag_*`: the worst loop, the maximum; heap and GC add up across isolates.
import { AggregatorRegistry, type Aggregator, type Registry } from 'prom-client';
import { METRIC_NAMES } from '../metrics.ts';
import type { MetricsJson } from './protocol.ts';

/** How one metric's series from several threads combine. */
export function threadAggregator(name: string): Aggregator {
  if (name === METRIC_NAMES.buildInfo) return 'max';
  if (name.startsWith('process_') || name === 'nodejs_version_info') return 'first';
  if (name.startsWith('nodejs_eventloop_lag')) return 'max';
  return 'sum';
}

/** One registry of the main thread's metrics (first) and every stream thread's, combined per threadAggregator. */
export function aggregateThreadMetrics(main: MetricsJson, threads: readonly MetricsJson[]): Registry {
  const all = [main, ...threads].map((registry) => registry.map((metric) => ({ ...metric, aggregator: threadAggregator(metric.name) })));
  return AggregatorRegistry.aggregate(all);
}
