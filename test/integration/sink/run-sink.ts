// Child-process runner of the sink stage for the fault tests: config from SINK_CONFIG (JSON, the
// app's config shape), stage options from SINK_OPTIONS, an optional delay before each table commit
// (SINK_WRITE_DELAY_MS, widens the window a SIGKILL lands in). Prints one JSON line per table
// commit on stdout; SIGTERM stops it cleanly.
import { parseConfig } from '../../../src/app/config.ts';
import { startSink } from '../../../src/app/sink-command.ts';

const config = parseConfig(JSON.parse(process.env.SINK_CONFIG ?? '{}'));
const delay = Number(process.env.SINK_WRITE_DELAY_MS ?? 0);
let commits = 0;
const sink = await startSink(config, {
  options: JSON.parse(process.env.SINK_OPTIONS ?? '{}') as Record<string, number>,
  log: (level, message) => {
    if (level !== 'debug') process.stderr.write(`[sink ${level}] ${message}\n`);
  },
  onFatal: (error) => {
    process.stderr.write(`[sink fatal] ${error.message}\n`);
    process.exit(2);
  },
  wrapWriter: (table, writer) => ({
    txnVersion: (appId) => writer.txnVersion(appId),
    upsert: async (rows, options) => {
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      const result = await writer.upsert(rows, options);
      process.stdout.write(`${JSON.stringify({ event: 'commit', n: ++commits, table, rows: rows.length, ...options.txn, txnSkipped: result.txnSkipped })}\n`);
      return result;
    },
  }),
});
process.stdout.write(`${JSON.stringify({ event: 'started' })}\n`);
process.once('SIGTERM', () => {
  sink.stop().then(() => {
    process.stdout.write(`${JSON.stringify({ event: 'stopped', stats: sink.stage.stats })}\n`);
    process.exit(0);
  }, (error: unknown) => {
    process.stderr.write(`[sink] stop failed: ${(error as Error).message}\n`);
    process.exit(2);
  });
});
