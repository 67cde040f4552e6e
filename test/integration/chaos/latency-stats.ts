// Where an instance's end-to-end latency goes, for the live benches: commit round times (every
// task's transaction), the gap between commit starts, event-loop delay and GC pauses. Printed as
// one JSON line on stderr at exit; SIGUSR2 resets them (the bench sends it when the fixed-rate
// phase starts, so the backlog drain before it does not count).
import { writeSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { RuntimeObserver } from '../../../src/runtime/index.ts';

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);
}

function summary(values: number[]): Record<string, number> {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return { n: sorted.length, p50: round(quantile(sorted, 0.5)), p99: round(quantile(sorted, 0.99)), max: round(sorted[sorted.length - 1] ?? NaN) };
}

/** Installs the collectors; `observer` goes into the runtime config. */
export function latencyStats(instance: string): { observer: RuntimeObserver } {
  let commits: number[] = [];
  let gaps: number[] = [];
  let gcPauses: number[] = [];
  let lastEnd = 0;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) gcPauses.push(entry.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  process.on('SIGUSR2', () => {
    writeSync(2, `${JSON.stringify({ t: new Date().toISOString(), instance, message: 'latency stats reset' })}\n`);
    commits = [];
    gaps = [];
    gcPauses = [];
    loop.reset();
  });
  process.on('exit', () => {
    const line = {
      instance,
      message: 'latency stats',
      commit_ms: summary(commits),
      commit_end_gap_ms: summary(gaps),
      gc_ms: { ...summary(gcPauses), total: Math.round(gcPauses.reduce((a, b) => a + b, 0)) },
      event_loop_delay_ms: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    };
    writeSync(2, `${JSON.stringify(line)}\n`);
  });
  return {
    observer: {
      committed(seconds) {
        const now = performance.now();
        commits.push(seconds * 1000);
        if (lastEnd > 0) gaps.push(now - lastEnd);
        lastEnd = now;
      },
    },
  };
}
