// `invoice-stream replay`: the invoice pipeline over JSONL files with no broker, through the
// engine's replay runner (the test driver's code path), as docs/contract.md "Replay" says.
import { DEFAULT_MAX_LINE_BYTES, replay, Stores } from '../engine/index.ts';
import type { AccountingCounts } from '../invoice/accounting.ts';
import { occurredAtMillis } from '../invoice/event-time.ts';
import { DEFAULT_MAX_VALUE_BYTES } from '../invoice/json.ts';
import { OccurredAtScanner } from '../invoice/occurred-at-scanner.ts';

// Re-exported for the app's callers (benchmarks); topologies import it from the domain.
export { occurredAtMillis };
import { buildInvoicePipeline } from '../../topologies/invoice-pipeline.ts';
import { ReplayOutputs } from './replay-outputs.ts';
import { claimReplayPaths } from './replay-paths.ts';

/** What a replay reads and where it writes. */
export interface InvoiceReplayOptions {
  orders: string;
  payments: string;
  activity: string;
  out: string;
  /** At the end the clock moves here (epoch µs), so due clock rules fire. */
  asOfMicros?: number;
  /** Keep state on disk (LMDB) in this directory instead of memory; an earlier replay's stores there are removed. */
  stateDir?: string;
  /** Write into an `out` holding files no replay wrote (the replay's own paths there are replaced). */
  overwrite?: boolean;
  progress?: boolean;
  /** Told, before the replay starts, what it removed from `out` and `stateDir` (one line each). */
  notice?: (line: string) => void;
  /** Records between commits (store flushes; Delta micro-batches). Default 500,000. */
  commitEvery?: number;
  /**
   * Longest line held whole (default 16 MiB; at least the 1 MiB value limit). A longer line is
   * read in pieces, never held, and dead-lettered as `oversize` with its first 64 KiB.
   */
  maxLineBytes?: number;
}

/** What a replay reports. */
export interface InvoiceReplayResult {
  summary: AccountingCounts;
  records: number;
  elapsedMs: number;
  recordsPerSecond: number;
}


/**
 * Runs the replay and writes DIR/invoice-events.avro, dlq.jsonl, summary.json, delta/<table>,
 * tables/ and replay-manifest.json. Paths that will not do throw ReplayPathError before any write.
 */
export async function replayInvoices(options: InvoiceReplayOptions): Promise<InvoiceReplayResult> {
  const stateDir = options.stateDir;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  // A cut line must be oversize: one within the value limit has to reach validation whole.
  if (!(maxLineBytes >= DEFAULT_MAX_VALUE_BYTES)) throw new RangeError(`maxLineBytes must be at least ${DEFAULT_MAX_VALUE_BYTES}, got ${maxLineBytes}`);
  const claim = await claimReplayPaths({
    inputs: [{ option: 'orders', path: options.orders }, { option: 'payments', path: options.payments }, { option: 'activity', path: options.activity }],
    out: options.out,
    stateDir,
    overwrite: options.overwrite,
  });
  for (const line of claim.notices) options.notice?.(line);
  const pipeline = buildInvoicePipeline({
    storeSupplier: stateDir ? (name) => Stores.persistentKeyValueStore(name, { dir: stateDir }) : undefined,
    cutLines: true,
  });
  const outputs = await ReplayOutputs.open(options.out, pipeline.topics);
  const result = await replay({
    topology: pipeline.topology,
    applicationId: 'invoice-replay',
    inputs: [
      { topic: pipeline.topics.orders, path: options.orders },
      { topic: pipeline.topics.payments, path: options.payments },
      { topic: pipeline.topics.activity, path: options.activity },
    ],
    timestampOf: pipeline.eventTime.occurredAtMillis,
    maxLineBytes,
    streamingTimestampOf: () => new OccurredAtScanner(),
    asOf: options.asOfMicros === undefined ? undefined : options.asOfMicros / 1000,
    onOutput: (record) => outputs.accept(record),
    onCommit: () => outputs.commit(),
    // A replay cannot resume, so a commit only bounds memory. Each one writes every dirty entry of
    // every store to LMDB, hot keys again each time: at 100k records, flushes were a quarter of
    // the replay's CPU; at 500k a 1M-record replay commits twice and peaks lower (1.5 vs 2.1 GB
    // RSS, LMDB grows less). bench: replay-invoices-state --commit-every=N.
    commitEvery: options.commitEvery ?? 500_000,
    progress: options.progress,
  });
  const summary = { ...pipeline.accounting.counts };
  await outputs.close(summary);
  await claim.finish();
  return { summary, records: result.records, elapsedMs: result.elapsedMs, recordsPerSecond: result.recordsPerSecond };
}
