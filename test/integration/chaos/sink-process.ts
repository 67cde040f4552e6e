// The Delta sink stage in a child process (test/integration/sink/run-sink.ts: startSink from the
// app's config, as `invoice-stream sink` runs it), for tests that SIGKILL and restart it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../../../src/invoice/tables.ts';
import { DeltaTable } from '../../../src/sinks/delta/index.ts';
import { deltaTableWriter, type TableWriter } from '../../../src/connect/index.ts';

const RUNNER = resolve(import.meta.dirname, '../sink/run-sink.ts');

/** The last lines of a log file, for failure messages. */
export function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** One sink process at a time: started, SIGKILLed, restarted and stopped by the test. */
export class SinkProcess {
  readonly #config: Record<string, unknown>;
  readonly #log: string;
  #child: ChildProcess | undefined;
  #commits = 0;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  kills = 0;

  /** `config`: the app's configuration with a `sink`; `log`: where its output goes. */
  constructor(config: Record<string, unknown>, log: string) {
    this.#config = config;
    this.#log = log;
  }

  /** Starts an incarnation with stage `options` (default: the stage's); `env` adds to the runner's (e.g. SINK_WRITE_DELAY_MS). */
  start(options: Record<string, number> = {}, env: Record<string, string> = {}): void {
    const child = spawn(process.execPath, [RUNNER], {
      env: { ...process.env, SINK_CONFIG: JSON.stringify(this.#config), SINK_OPTIONS: JSON.stringify(options), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(this.#log, { flags: 'a' });
    child.stderr?.pipe(log);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      log.write(`${line}\n`);
      if (line.startsWith('{"event":"commit"')) this.#commits++;
    });
    child.once('exit', (code, signal) => {
      // Still current: nobody here killed or stopped it.
      if (this.#child === child) this.#exit = { code, signal };
    });
    this.#child = child;
    this.#commits = 0;
  }

  /** An error when the sink exited without being told to. */
  failed(): Error | undefined {
    if (!this.#exit) return undefined;
    return new Error(`the sink exited on its own (code ${this.#exit.code}, signal ${this.#exit.signal}): ${logTail(this.#log)}`);
  }

  /** Waits until the current incarnation has made `n` table commits. */
  async commits(n: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#commits < n) {
      const error = this.failed();
      if (error) throw error;
      if (Date.now() > deadline) throw new Error(`the sink made ${this.#commits} table commits in ${timeoutMs} ms, expected ${n}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** SIGKILL: no flush, no leave-group. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.kills++;
  }

  /** SIGTERM: the sink commits what it holds and leaves the group; its exit code. */
  async stop(): Promise<number | null> {
    const child = this.#child;
    if (!child) return null;
    this.#child = undefined;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return exited;
  }

  /** Waits until every table's txn of each partition (`table → appId → last data offset`) has reached that offset. */
  async waitForTxns(dir: string, last: ReadonlyMap<string, ReadonlyMap<string, number>>, timeoutMs: number): Promise<void> {
    const writers = new Map<string, TableWriter>();
    for (const spec of [INVOICES_TABLE, INVOICE_EVENTS_TABLE, CLIENT_BALANCES_TABLE]) writers.set(spec.name, deltaTableWriter(await DeltaTable.open(join(dir, spec.name), spec)));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const error = this.failed();
      if (error) throw error;
      const behind: string[] = [];
      for (const [table, writer] of writers) {
        for (const [appId, offset] of last.get(table) ?? []) {
          const txn = (await writer.txnVersion(appId)) ?? -1;
          if (txn < offset) behind.push(`${appId} at ${txn} of ${offset}`);
        }
      }
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`the sink did not catch up in ${timeoutMs} ms: ${behind.join('; ')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
