// What the live conformance tests share around a scenario folder: its input lines, the summary
// an instance's metrics give, and the replay of the same files (the emission order to compare).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METRIC_NAMES } from '../../../src/app/metrics.ts';
import { replayInvoices } from '../../../src/app/replay.ts';
import { readReplayOutput, type Actual } from '../../unit/conformance/compare.ts';
import type { InputName } from './live-pipeline.ts';

/** The lines of each input file of a scenario folder. */
export function scenarioLines(dir: string): Record<InputName, string[]> {
  const lines = (file: string): string[] => {
    const all = readFileSync(join(dir, file), 'utf8').split('\n');
    if (all[all.length - 1] === '') all.pop();
    return all;
  };
  return { orders: lines('orders.jsonl'), payments: lines('payments.jsonl'), activity: lines('activity.jsonl') };
}

/** The value of the sample of `name` whose labels include `labels`, from a Prometheus text exposition. */
export function metricSample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    if (!Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) continue;
    return Number(m[3]);
  }
  return undefined;
}

/** The run summary as the instance's accounting metrics tell it (expected.json's `summary`). */
export function summaryFromMetrics(text: string): Actual['summary'] {
  const n = METRIC_NAMES;
  return {
    read: metricSample(text, n.accountingRead) ?? -1,
    applied: metricSample(text, n.accountingOutcome, { outcome: 'applied' }) ?? 0,
    duplicate: metricSample(text, n.accountingOutcome, { outcome: 'duplicate' }) ?? 0,
    dead_lettered: metricSample(text, n.accountingOutcome, { outcome: 'dead_lettered' }) ?? 0,
    held: metricSample(text, n.heldPayments) ?? -1,
  };
}

/** The replay of a scenario folder's files into `out`, read back. */
export async function replayScenario(dir: string, out: string): Promise<Actual> {
  await replayInvoices({ orders: join(dir, 'orders.jsonl'), payments: join(dir, 'payments.jsonl'), activity: join(dir, 'activity.jsonl'), out, progress: false });
  return readReplayOutput(out);
}
