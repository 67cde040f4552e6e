// The `invoice-stream` command: `replay` (JSONL files → outputs, no broker), `describe` (the
// topology), `run` (live against Kafka, or `--embedded`: the bundled sample, no broker), `delta`
// (maintenance of Delta tables: turning deletion vectors on, OPTIMIZE, VACUUM). With no
// arguments it runs the embedded demo. Bad arguments, unreadable files and replay paths that would
// touch the user's files (replay-paths.ts): one line, exit code 2.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { DEFAULT_MAX_VALUE_BYTES } from '../invoice/json.ts';
import { parseDate, parseTimestamp, MICROS_PER_DAY } from '../values/time.ts';
import { buildInvoicePipeline } from '../../topologies/invoice-pipeline.ts';
import { replayInvoices } from './replay.ts';
import { ReplayPathError } from './replay-paths.ts';
import { SMALL_FILE_ROWS } from '../sinks/delta/stats.ts';

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE = `usage:
  invoice-stream                      run the pipeline on the bundled sample and print a report
  invoice-stream replay --orders F --payments F --activity F --out DIR [--as-of TIMESTAMP] [--state-dir DIR] [--overwrite] [--progress] [--max-line-bytes N]
  invoice-stream run [--config FILE]  live: the pipeline on Kafka (config from FILE and INVOICE_STREAM_* env)
  invoice-stream run --embedded       same as no arguments
  invoice-stream sink [--config FILE] [--max-batch-rows N] [--max-batch-ms N]
                                      live: the Delta sink stage (invoice topics → Delta / Databricks tables)
  invoice-stream describe             print the topology
  invoice-stream delta enable-deletion-vectors DIR...
                                      upgrade local Delta tables made copy-on-write to merge-on-read
                                      (reader 3 / writer 7: readers must support deletion vectors)
  invoice-stream delta optimize DIR... [--deleted-fraction=F] [--min-file-rows=N]
                                      rewrite files with many deleted rows (default F 0.2) and small
                                      files (default N ${SMALL_FILE_ROWS}) into fewer (OPTIMIZE, dataChange false)
  invoice-stream delta vacuum DIR... [--retention-hours=H] [--dry-run] [--no-retention-check]
                                      delete data and DV files the table no longer references, older
                                      than the retention (default: the table's, 168 h); DIR: a path,
                                      file:///path or s3://bucket/prefix`;

/** `--as-of`: an RFC 3339 timestamp, or a date (its 00:00Z); epoch µs. */
export function parseAsOf(text: string): number {
  const ts = parseTimestamp(text);
  if (ts !== undefined) return ts;
  const day = parseDate(text);
  if (day !== undefined) return day * MICROS_PER_DAY;
  throw new UsageError(`--as-of: not an RFC 3339 timestamp or YYYY-MM-DD date: ${text}`);
}

/** `--max-line-bytes`: a whole number of bytes, at least the 1 MiB value limit. */
export function parseMaxLineBytes(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < DEFAULT_MAX_VALUE_BYTES) throw new UsageError(`--max-line-bytes: a whole number of bytes >= ${DEFAULT_MAX_VALUE_BYTES}: ${text}`);
  return n;
}

function parse(args: string[], options: ParseArgsOptionsConfig) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

async function replayCommand(args: string[]): Promise<void> {
  const { values } = parse(args, {
    orders: { type: 'string' }, payments: { type: 'string' }, activity: { type: 'string' }, out: { type: 'string' },
    'as-of': { type: 'string' }, 'state-dir': { type: 'string' }, progress: { type: 'boolean' }, overwrite: { type: 'boolean' }, 'max-line-bytes': { type: 'string' },
  });
  const need = (name: 'orders' | 'payments' | 'activity' | 'out'): string => {
    const v = values[name];
    if (typeof v !== 'string' || v === '') throw new UsageError(`replay: --${name} is required`);
    return v;
  };
  const [orders, payments, activity, out] = [need('orders'), need('payments'), need('activity'), need('out')];
  const asOf = typeof values['as-of'] === 'string' ? parseAsOf(values['as-of']) : undefined;
  const maxLineBytes = typeof values['max-line-bytes'] === 'string' ? parseMaxLineBytes(values['max-line-bytes']) : undefined;
  const stateDir = typeof values['state-dir'] === 'string' ? values['state-dir'] : undefined;
  let result;
  try {
    result = await replayInvoices({
      orders, payments, activity, out, asOfMicros: asOf, stateDir, overwrite: values.overwrite === true, maxLineBytes, progress: values.progress === true ? true : undefined,
      notice: (line) => process.stderr.write(`replay: ${line}\n`),
    });
  } catch (err) {
    if (err instanceof ReplayPathError) throw new UsageError(err.message);
    throw err;
  }
  const s = result.summary;
  process.stderr.write(
    `replay: ${result.records} records in ${result.elapsedMs} ms (${result.recordsPerSecond}/s): ` +
      `applied ${s.applied}, duplicate ${s.duplicate}, dead_lettered ${s.dead_lettered}, held ${s.held} → ${out}\n`,
  );
}

// Live: the configuration (--config FILE and INVOICE_STREAM_* env, see src/app/config.ts) → the
// live pipeline on the Kafka runtime, until SIGTERM/SIGINT.
async function runLive(args: string[]): Promise<void> {
  const { loadConfig, ConfigError } = await import('./config.ts');
  let config;
  try {
    config = loadConfig({ argv: args });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message.split('\n').join('; '));
    throw new UsageError((err as Error).message);
  }
  if (!config.schemaRegistry.url) throw new UsageError('run: schemaRegistry.url is required (invoice events are Avro)');
  const { startInstance } = await import('./observe/instance.ts');
  // The instance with its HTTP servers (queries; /metrics, /healthz, /readyz), see docs/operations.md.
  let live;
  try {
    live = await startInstance(config);
  } catch (err) {
    // No query token and no explicit http.auth none: a usage error, before anything started.
    if (err instanceof ConfigError) throw new UsageError(err.message.split('\n').join('; '));
    throw err;
  }
  process.stderr.write(`invoice-stream: running ${config.applicationId} (${config.processingGuarantee}, ${config.numStreamThreads} stream thread${config.numStreamThreads === 1 ? '' : 's'}) on ${config.brokers.join(',')}, queries ${live.applicationServer}, ops port ${live.opsServer.port}\n`);
  // SIGTERM/SIGINT: close the instance within its bound, then the HTTP servers, then exit.
  let closing = false;
  const onSignal = (): void => {
    if (closing) return;
    closing = true;
    void live.close().then((ok) => process.exit(ok && !live.fatalError ? 0 : 1));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/** The `delta` subcommands and their options. */
const DELTA_OPTIONS: Record<string, ParseArgsOptionsConfig> = {
  'enable-deletion-vectors': {},
  optimize: { 'deleted-fraction': { type: 'string' }, 'min-file-rows': { type: 'string' } },
  vacuum: { 'retention-hours': { type: 'string' }, 'dry-run': { type: 'boolean' }, 'no-retention-check': { type: 'boolean' } },
};

/** A `--name=value` number in [min, max]. */
function numberOption(values: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'string' && /^\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`--${name}: a number from ${min} to ${max}: ${String(v)}`);
  return n;
}

/** `delta SUBCOMMAND DIR... [options]`: one line per table; a table that fails stops the command. */
async function deltaCommand(args: string[]): Promise<void> {
  const [sub, ...rest] = args;
  const options = sub !== undefined && Object.hasOwn(DELTA_OPTIONS, sub) ? DELTA_OPTIONS[sub] : undefined;
  if (options === undefined) throw new UsageError(`delta: unknown subcommand ${sub ?? '(none)'} (try: delta ${Object.keys(DELTA_OPTIONS).join(' | ')} DIR...)`);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`delta ${sub}: ${(err as Error).message.split('\n')[0] ?? 'bad arguments'}`);
  }
  const { values, positionals: dirs } = parsed;
  if (dirs.length === 0 || dirs.some(d => d.startsWith('-'))) throw new UsageError(`delta ${sub}: one or more table directories`);
  const delta = await import('../sinks/delta/index.ts');
  if (sub === 'enable-deletion-vectors') {
    for (const dir of dirs) {
      const version = await delta.enableDeletionVectors(dir);
      process.stdout.write(version === null ? `${dir}: deletion vectors already enabled\n` : `${dir}: deletion vectors enabled at version ${version}\n`);
    }
  } else if (sub === 'optimize') {
    const deletedFraction = numberOption(values, 'deleted-fraction', 0.000001, 1);
    const minFileRows = numberOption(values, 'min-file-rows', 0, 1e9);
    for (const dir of dirs) {
      const r = await delta.optimize(dir, { deletedFraction, minFileRows });
      process.stdout.write(r.version !== null
        ? `${dir}: optimized at version ${r.version}: ${r.filesRemoved} files (${r.deletionVectorsRemoved} with deletion vectors) rewritten into ${r.filesAdded}, ${r.rowsWritten} rows\n`
        : r.conflict ? `${dir}: another writer changed the files being rewritten; nothing committed (run again)\n` : `${dir}: nothing to optimize\n`);
    }
  } else {
    const hours = numberOption(values, 'retention-hours', 0, 1e6);
    for (const dir of dirs) {
      const r = await delta.vacuum(dir, { retentionMs: hours === undefined ? undefined : hours * 3_600_000, dryRun: values['dry-run'] === true, enforceRetention: values['no-retention-check'] !== true });
      if (r.dryRun) for (const f of r.files) process.stdout.write(`${dir}: would delete ${f}\n`);
      process.stdout.write(`${dir}: ${r.dryRun ? 'would delete' : 'deleted'} ${r.files.length} files unreferenced since version ${r.version} and older than ${r.retentionMs / 3_600_000} h\n`);
    }
  }
}

async function embeddedCommand(): Promise<void> {
  const { runEmbedded } = await import('./report.ts');
  await runEmbedded(process.stdout);
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case undefined:
        await embeddedCommand();
        return 0;
      case 'replay':
        await replayCommand(rest);
        return 0;
      case 'describe':
        parse(rest, {});
        process.stdout.write(`${buildInvoicePipeline().topology.describe()}\n`);
        return 0;
      case 'run': {
        const { values } = parse(rest, { embedded: { type: 'boolean' }, config: { type: 'string' } });
        if (values.embedded) await embeddedCommand();
        else await runLive(rest);
        return 0;
      }
      case 'sink': {
        const { sinkCommand } = await import('./sink-command.ts');
        await sinkCommand(rest);
        return 0;
      }
      case 'delta':
        await deltaCommand(rest);
        return 0;
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command: ${command} (try --help)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`invoice-stream: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`invoice-stream: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

// Run when executed (directly, or through bin/invoice-stream.js), not when imported by tests.
const entry = process.argv[1] ?? '';
if (/(?:cli\.[jt]s|invoice-stream(?:\.js)?)$/.test(entry)) process.exitCode = await main(process.argv.slice(2));
