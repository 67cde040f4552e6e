// The receivables aging without a store scan per request. A partition's invoices are summed once
// into what is owed per currency and due day; the aging at any as-of date is then a fold over that
// summary (a few entries per day of due dates), with the embedded report's rules (report.ts).
//
// A summary is kept per store instance and reused until the store has been both written and
// flushed since it was taken. The runtime flushes every store of a task at each commit, so a quiet
// store is never scanned again and a busy one at most once per commit interval per partition; the
// report may miss writes made since the last commit (at most one commit interval: 100 ms under
// exactly_once, 30 s under at_least_once). Stores are told apart by identity: a task that moves
// away and back gets a new store, hence a fresh scan.
import type { KeyValueStore, MeteredKeyValueStore } from '../../engine/index.ts';
import { scaleOf, toInvoiceRow, type InvoiceState } from '../../invoice/invoice.ts';
import { formatUnscaled, parseUnscaled } from '../../values/decimal.ts';
import { parseDate } from '../../values/time.ts';
import { AGING_BUCKETS, agingBucket } from '../report.ts';

/** The receivables aging per currency: bucket → outstanding (decimal text). */
export type Aging = Record<string, Record<string, string>>;

/** What is owed (minor units, > 0, not voided) per currency per due day (days since epoch). */
export type OwedByDueDay = Map<string, Map<number, bigint>>;

/** Sums invoice states into what is owed per currency and due day (the report's rules: not voided, outstanding > 0). */
export function owedByDueDay(states: Iterable<InvoiceState>, into: OwedByDueDay = new Map()): OwedByDueDay {
  for (const state of states) {
    const row = toInvoiceRow(state);
    if (row.status === 'voided') continue;
    const outstanding = parseUnscaled(row.outstanding, scaleOf(row.currency));
    if (outstanding <= 0n) continue;
    const dueDay = parseDate(row.due_date) as number;
    let perDay = into.get(row.currency);
    if (!perDay) into.set(row.currency, (perDay = new Map()));
    perDay.set(dueDay, (perDay.get(dueDay) ?? 0n) + outstanding);
  }
  return into;
}

/** The aging at `asOfDay` (days since epoch) over summaries, currencies in order, every bucket present. */
export function agingAt(summaries: Iterable<OwedByDueDay>, asOfDay: number): Aging {
  const owed = new Map<string, Map<string, bigint>>();
  for (const summary of summaries) {
    for (const [currency, perDay] of summary) {
      let buckets = owed.get(currency);
      if (!buckets) owed.set(currency, (buckets = new Map()));
      for (const [dueDay, amount] of perDay) {
        const bucket = agingBucket(asOfDay - dueDay);
        buckets.set(bucket, (buckets.get(bucket) ?? 0n) + amount);
      }
    }
  }
  const aging: Aging = {};
  for (const [currency, buckets] of [...owed].sort(([a], [b]) => a.localeCompare(b))) {
    const scale = scaleOf(currency);
    aging[currency] = Object.fromEntries(AGING_BUCKETS.map((b) => [b, formatUnscaled(buckets.get(b) ?? 0n, scale)]));
  }
  return aging;
}

function* values<V>(entries: Iterable<[string, V]>): Iterable<V> {
  for (const [, value] of entries) yield value;
}

interface Taken {
  writes: number;
  flushes: number;
  summary: OwedByDueDay;
}

const taken = new WeakMap<object, Taken>();

/** The store's write and flush counts, when it is metered (every store the engine builds is). */
function countsOf(store: object): { writes: number; flushes: number } | undefined {
  const metrics = (store as Partial<Pick<MeteredKeyValueStore<unknown>, 'metrics'>>).metrics;
  return metrics ? { writes: metrics.puts + metrics.deletes, flushes: metrics.flushes } : undefined;
}

/** The summary of one partition's invoices store: from the last scan, or a new scan when the store was written and flushed since. */
export function owedInStore(store: KeyValueStore<InvoiceState>): OwedByDueDay {
  const counts = countsOf(store);
  const last = taken.get(store);
  if (counts && last && (last.writes === counts.writes || last.flushes === counts.flushes)) return last.summary;
  // The scan is synchronous: nothing writes the store between the counts and the summary.
  const summary = owedByDueDay(values(store.range()));
  if (counts) taken.set(store, { ...counts, summary });
  return summary;
}
