// The sink stage against the real broker and registry: the invoice pipeline's outputs (real
// topology, conformance scenario) produced in the live wire formats in transactions (one aborted),
// consumed by the stage into local Delta tables that delta-rs must read as the expected rows, with
// txn versions = the last offsets. Faults: SIGKILL mid-batch and restart (no duplicate, resumes at
// txn + 1), a target that is down for a while (nothing lost, paused and resumed), and one that
// stays down (fatal with a clear message).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/app/config.ts';
import { sinkGroupId, startSink } from '../../src/app/sink-command.ts';
import { createKafkaClient, type KafkaClient } from '../../src/runtime/index.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { DeltaTable, type DeltaRow } from '../../src/sinks/delta/index.ts';
import { deltaTableWriter, txnAppId, type TableWriter } from '../../src/connect/index.ts';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../../src/invoice/tables.ts';
import { testStack } from '../stack/env.ts';
import { canonical, createSinkTopics, dataOffsets, deltaRs, pipelineOutputs, produceTransactional, sinkTopics, wireRecords, type SinkFixture } from './sink/fixture.ts';

const PARTITIONS = 3;
const RUNNER = resolve(import.meta.dirname, 'sink/run-sink.ts');
const KEYS: Record<string, (r: DeltaRow) => string> = {
  invoices: (r) => String(r.invoice_id),
  invoice_events: (r) => String(r.event_id),
  client_balances: (r) => `${String(r.client_id)}/${String(r.currency)}`,
};

interface Run {
  prefix: string;
  applicationId: string;
  dir: string;
  config: Config;
  /** Data offsets per `topic:partition`. */
  offsets: Map<string, number[]>;
  /** topic → table name. */
  tableOf: Map<string, string>;
}

describe('sink stage: Kafka → local Delta tables', () => {
  let fixture: SinkFixture;
  let brokers: string[];
  let registryUrl: string;
  let client: KafkaClient;
  let admin: RuntimeAdmin;
  const dirs: string[] = [];

  beforeAll(async () => {
    ({ kafkaBrokers: brokers, schemaRegistryUrl: registryUrl } = testStack());
    client = createKafkaClient({ brokers, clientId: 'sink-test' });
    admin = await client.admin();
    fixture = await pipelineOutputs();
  });

  afterAll(async () => {
    await admin?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function prepare(name: string): Promise<Run> {
    const prefix = `sink-${name}-${Date.now()}`;
    const dir = mkdtempSync(join(tmpdir(), `sink-${name}-`));
    dirs.push(dir);
    await createSinkTopics(admin, prefix, PARTITIONS);
    const records = await wireRecords(registryUrl, prefix, fixture.outputs);
    const t = sinkTopics(prefix);
    // A transaction that is aborted: a complete-looking event and row the tables must never hold.
    const junk = records.filter((r) => r.topic !== t.balances).slice(0, 2).map((r) => ({ ...r }));
    await produceTransactional(client, `${prefix}-producer`, records, 400, junk);
    const offsets = await dataOffsets(client, admin, [t.events, t.rows, t.balances]);
    const applicationId = `${prefix}-app`;
    const config = parseConfig({ applicationId, brokers, schemaRegistry: { url: registryUrl }, topics: { outputPrefix: prefix }, sink: { kind: 'delta', dir } });
    const tableOf = new Map([[t.events, INVOICE_EVENTS_TABLE.name], [t.rows, INVOICES_TABLE.name], [t.balances, CLIENT_BALANCES_TABLE.name]]);
    return { prefix, applicationId, dir, config, offsets, tableOf };
  }

  function appIds(run: Run, table: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const [tp, offsets] of run.offsets) {
      const [topic, p] = tp.split(':') as [string, string];
      if (run.tableOf.get(topic) === table) out.set(txnAppId(sinkGroupId(run.applicationId), topic, Number(p)), offsets[offsets.length - 1] as number);
    }
    return out;
  }

  // Waits until every partition's txn in its table has reached its last data offset.
  async function waitForTxns(run: Run, timeoutMs = 90_000): Promise<void> {
    const writers = new Map<string, TableWriter>();
    for (const spec of [INVOICES_TABLE, INVOICE_EVENTS_TABLE, CLIENT_BALANCES_TABLE]) writers.set(spec.name, deltaTableWriter(await DeltaTable.open(join(run.dir, spec.name), spec)));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let behind = 0;
      for (const [table, writer] of writers) {
        for (const [appId, last] of appIds(run, table)) if (((await writer.txnVersion(appId)) ?? -1) < last) behind += 1;
      }
      if (behind === 0) return;
      if (Date.now() > deadline) throw new Error(`sink did not catch up in ${timeoutMs} ms (${behind} partitions behind)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  // delta-rs reads each table: rows = expected, event ids unique, txn = last data offset per partition.
  async function verify(run: Run): Promise<void> {
    for (const table of [INVOICES_TABLE.name, INVOICE_EVENTS_TABLE.name, CLIENT_BALANCES_TABLE.name]) {
      const ids = appIds(run, table);
      const view = await deltaRs(join(run.dir, table), [...ids.keys()]);
      const key = KEYS[table] as (r: DeltaRow) => string;
      const expected = fixture.expected[table as keyof SinkFixture['expected']];
      expect(new Set(view.rows.map(key)).size, `${table}: one row per key`).toBe(view.rows.length);
      expect(canonical(view.rows, key), `${table} rows`).toEqual(canonical(expected, key));
      expect(view.txn, `${table} txn versions`).toEqual(Object.fromEntries(ids));
    }
  }

  async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const totalRecords = (run: Run) => [...run.offsets.values()].reduce((n, o) => n + o.length, 0);

  it('writes the expected tables exactly (delta-rs), skipping an aborted transaction', async () => {
    const run = await prepare('e2e');
    const sink = await startSink(run.config, { options: { maxBatchRows: 200, maxBatchMs: 200 } });
    try {
      await waitForTxns(run);
    } finally {
      await sink.stop();
    }
    expect(sink.stage.stats.records).toBe(totalRecords(run));
    expect(fixture.expected.invoice_events.length).toBeGreaterThan(500);
    await verify(run);
    // Kafka offsets follow the table commits (lag metrics): at the end the group has lag 0,
    // transaction markers included.
    for (const topic of run.tableOf.keys()) {
      expect(await admin.committedOffsets(sinkGroupId(run.applicationId), topic)).toEqual(await admin.endOffsets(topic));
    }
  });

  it('SIGKILL mid-batch, restart: resumes at txn + 1, same tables, no duplicate event', async () => {
    const run = await prepare('kill');
    const env = (extra: Record<string, string>) => ({ ...process.env, SINK_CONFIG: JSON.stringify(run.config), SINK_OPTIONS: JSON.stringify({ maxBatchRows: 25, maxBatchMs: 50 }), ...extra });
    const first = spawn(process.execPath, [RUNNER], { env: env({ SINK_WRITE_DELAY_MS: '15' }), stdio: ['ignore', 'pipe', 'inherit'] });
    let commits = 0;
    await new Promise<void>((resolveKill, reject) => {
      first.on('exit', (code) => reject(new Error(`runner exited early (${code})`)));
      createInterface({ input: first.stdout }).on('line', (line) => {
        if ((JSON.parse(line) as { event: string }).event === 'commit' && ++commits === 20) {
          first.removeAllListeners('exit');
          first.kill('SIGKILL'); // other partitions' commits are in flight (the delay widens that window)
          first.on('exit', () => resolveKill());
        }
      });
    });
    // What survived the kill, read by delta-rs: partial, and the restart must go on from exactly there.
    const atKill = new Map<string, number>();
    for (const table of [INVOICES_TABLE.name, INVOICE_EVENTS_TABLE.name, CLIENT_BALANCES_TABLE.name]) {
      const view = await deltaRs(join(run.dir, table), [...appIds(run, table).keys()]);
      for (const [appId, v] of Object.entries(view.txn)) if (v !== null) atKill.set(appId, v);
    }
    const group = sinkGroupId(run.applicationId);
    let remaining = 0;
    for (const [tp, offsets] of run.offsets) {
      const [topic, p] = tp.split(':') as [string, string];
      const txn = atKill.get(txnAppId(group, topic, Number(p))) ?? -1;
      remaining += offsets.filter((o) => o > txn).length;
    }
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThan(totalRecords(run));

    const second = spawn(process.execPath, [RUNNER], { env: env({}), stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    createInterface({ input: second.stdout }).on('line', (l) => lines.push(l));
    const exited = new Promise<number | null>((r) => second.on('exit', r));
    try {
      await waitForTxns(run);
    } finally {
      second.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const stopped = lines.map((l) => JSON.parse(l) as { event: string; stats?: { records: number } }).find((e) => e.event === 'stopped');
    // Started at each partition's txn + 1: it read exactly the records the table did not hold yet.
    expect(stopped?.stats?.records).toBe(remaining);
    await verify(run);
  });

  it('two instances in the group, one leaving mid-stream: partitions move with commits in flight, tables exact', async () => {
    const run = await prepare('rebalance');
    const slow = (_table: string, writer: TableWriter): TableWriter => ({
      txnVersion: (appId) => writer.txnVersion(appId),
      upsert: async (rows, options) => {
        await new Promise((r) => setTimeout(r, 150)); // slow enough that work is left when b joins
        return writer.upsert(rows, options);
      },
    });
    const options = { maxBatchRows: 20, maxBatchMs: 50 };
    const a = await startSink(run.config, { options, wrapWriter: slow });
    let b: Awaited<ReturnType<typeof startSink>> | undefined;
    try {
      await until(() => a.stage.stats.commits >= 10);
      b = await startSink(run.config, { options, wrapWriter: slow }); // joins: the partitions are shared
      await until(() => (b?.stage.stats.commits ?? 0) >= 5);
      await a.stop(); // leaves: b takes every partition from its table txn
      await waitForTxns(run);
    } finally {
      await a.stop();
      await b?.stop();
    }
    expect(a.stage.stats.records + (b?.stage.stats.records ?? 0)).toBeGreaterThanOrEqual(totalRecords(run));
    await verify(run);
  });

  it('target down for a while: pauses, retries with backoff, loses nothing', async () => {
    const run = await prepare('down');
    const downUntil = Date.now() + 4_000;
    let failures = 0;
    const sink = await startSink(run.config, {
      options: { maxBatchRows: 100, maxBatchMs: 100, retryInitialDelayMs: 100, retryMaxDelayMs: 800 },
      wrapWriter: (_table, writer) => ({
        txnVersion: (appId) => writer.txnVersion(appId),
        upsert: (rows, options) => {
          if (Date.now() < downUntil) {
            failures += 1;
            return Promise.reject(new Error('EACCES: table storage unavailable'));
          }
          return writer.upsert(rows, options);
        },
      }),
    });
    try {
      await waitForTxns(run);
    } finally {
      await sink.stop();
    }
    expect(failures).toBeGreaterThan(0);
    expect(sink.stage.stats.retries).toBe(failures);
    expect(sink.stage.stats.pauses).toBeGreaterThan(0);
    expect(sink.stage.stats.records).toBe(totalRecords(run));
    await verify(run);
  });

  it('target down past the retry budget: fatal, with what failed and for how long', async () => {
    const run = await prepare('fatal');
    let fatal: Error | undefined;
    const sink = await startSink(run.config, {
      options: { maxBatchRows: 100, maxBatchMs: 100, retryInitialDelayMs: 50, retryMaxDelayMs: 200, retryTimeoutMs: 1_000 },
      onFatal: (e) => { fatal = e; },
      wrapWriter: (_table, writer) => ({ txnVersion: (appId) => writer.txnVersion(appId), upsert: () => Promise.reject(new Error('target unreachable')) }),
    });
    try {
      await until(() => fatal !== undefined, 20_000);
    } finally {
      await sink.stop();
    }
    expect(fatal?.message).toMatch(/^sink: commit of .+:\d offsets up to \d+ into \w+: still failing after \d+ attempts in \d s: target unreachable$/);
  });
});
