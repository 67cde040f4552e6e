// The Databricks writer's SQL executed by real Spark with Delta Lake (pyspark + delta-spark, see
// test/python/spark_merge.py): the exact DDL and MERGE text of src/sinks/databricks/sql.ts, with its
// named parameters bound by Spark, over several batches (inserts, updates, a stale version that must
// not win, duplicate keys within a batch, batches above the 256-parameter limit, exact money). The
// tables Spark ends with must equal the rows a plain model of the upsert rules expects.
// Needs the venv of scripts/python-tools.sh and Java 17; one local[1] Spark session for the file.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../../src/invoice/tables.ts';
import type { DeltaRow, DeltaTableSpec } from '../../src/sinks/delta/index.ts';
import {
  createSchemaSql, createTableSql, mergeSql, offsetMergeSql, offsetSelectSql, OFFSETS_TABLE_SPEC, qualifiedName, sourceForm,
  type DatabricksTarget, type MergeMode, type Statement,
} from '../../src/sinks/databricks/sql.ts';
import { DatabricksWriter, type SqlRunner } from '../../src/sinks/databricks/writer.ts';
import { classifyError } from '../../src/sinks/databricks/errors.ts';
import { retrying } from '../../src/sinks/core/index.ts';
import { SMALL_SCENARIO } from '../fixtures/conformance.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const PYTHON = join(ROOT, '.toolchain/py/bin/python');
const SCRIPT = join(ROOT, 'test/python/spark_merge.py');
const SPARK_TIMEOUT = 600_000;
const PREFIX = '@@spark_merge ';
const SMALL = join(SMALL_SCENARIO, 'expected.json');
// spark_catalog is Spark's built-in catalog (Delta's DeltaCatalog here): a real three-part name,
// so the generated text runs unchanged; production uses finance.ar.
const TARGET: DatabricksTarget = { catalog: 'spark_catalog', schema: 'ar_it' };

interface Result { ok: boolean; rows?: DeltaRow[]; error?: string }
interface Reply extends Result { results?: Result[]; ready?: boolean; spark?: string; delta?: string }

/** One long-lived Spark process; requests are answered in order, one JSON line each. */
class Spark {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #waiting: { res: (r: Reply) => void; rej: (e: Error) => void }[] = [];
  #exited: Error | null = null;
  readonly #stderr: string[] = [];
  ready: Promise<Reply>;

  constructor(warehouse: string) {
    this.#proc = spawn(PYTHON, [SCRIPT], {
      env: { ...process.env, SPARK_WAREHOUSE_DIR: warehouse, PYSPARK_PYTHON: PYTHON },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#proc.stderr.on('data', (d: Buffer) => { this.#stderr.push(d.toString()); if (this.#stderr.length > 200) this.#stderr.shift(); });
    this.ready = new Promise((res, rej) => this.#waiting.push({ res, rej }));
    // A dead Spark fails every pending and later request instead of hanging the test.
    this.#proc.on('exit', code => {
      this.#exited = new Error(`spark_merge.py exited ${code}: ${this.#stderr.join('').slice(-3000)}`);
      for (const w of this.#waiting.splice(0)) w.rej(this.#exited);
    });
    createInterface({ input: this.#proc.stdout }).on('line', line => {
      // Only prefixed lines are replies: the JVM (Ivy, log4j) writes to the same stdout.
      if (!line.startsWith(PREFIX)) return;
      this.#waiting.shift()?.res(JSON.parse(line.slice(PREFIX.length)) as Reply);
    });
  }

  async #send(body: object): Promise<Reply> {
    if (this.#exited) throw this.#exited;
    const reply = await new Promise<Reply>((res, rej) => {
      this.#waiting.push({ res, rej });
      this.#proc.stdin.write(`${JSON.stringify(body)}\n`);
    });
    if (!reply.ok) throw new Error(reply.error);
    return reply;
  }

  async request(body: object): Promise<DeltaRow[]> {
    return (await this.#send(body)).rows ?? [];
  }

  /** Runs the statements at the same time (threads of the Spark driver); one result each. */
  async concurrent(stmts: Statement[]): Promise<Result[]> {
    return (await this.#send({ concurrent: stmts.map(s => ({ sql: s.sql, args: s.params })) })).results ?? [];
  }

  sql(stmt: Statement | string): Promise<DeltaRow[]> {
    return this.request(typeof stmt === 'string' ? { sql: stmt } : { sql: stmt.sql, args: stmt.params });
  }

  table(spec: DeltaTableSpec, target: DatabricksTarget = TARGET): Promise<DeltaRow[]> {
    return this.request({ table: `${target.catalog}.${target.schema}.${spec.name}`, order_by: spec.keyColumns });
  }

  close(): void {
    this.#proc.stdin.end();
  }
}

// --- a plain model of the upsert rules, and value normalisation to Spark's output ------------------

function keyOf(spec: DeltaTableSpec, row: DeltaRow): string {
  return JSON.stringify(spec.keyColumns.map(k => row[k]));
}

/** What the table holds after a batch, by the rules of the README (not by the SQL). */
function applyModel(state: Map<string, DeltaRow>, spec: DeltaTableSpec, rows: DeltaRow[], mode: MergeMode): { inserted: number; updated: number } {
  const winners = new Map<string, DeltaRow>();
  for (const row of rows) {
    const k = keyOf(spec, row);
    const prev = winners.get(k);
    const v = spec.versionColumn;
    if (prev === undefined || mode === 'latest' || (mode === 'versioned' && v !== undefined && (row[v] as number) >= (prev[v] as number))) winners.set(k, row);
  }
  let inserted = 0;
  let updated = 0;
  for (const [k, row] of winners) {
    const old = state.get(k);
    const n = normalise(spec, row);
    if (old === undefined) { state.set(k, n); inserted++; continue; }
    const v = spec.versionColumn;
    const replace = mode === 'versioned' ? (row[v ?? ''] as number) > (old[v ?? ''] as number)
      : mode === 'latest' ? JSON.stringify(old) !== JSON.stringify(n) : false;
    if (replace) { state.set(k, n); updated++; }
  }
  return { inserted, updated };
}

/** A cell as Spark prints it: DECIMAL(p,s) with s digits, timestamps in UTC with microseconds. */
function normalise(spec: DeltaTableSpec, row: DeltaRow): DeltaRow {
  const out: DeltaRow = {};
  for (const c of spec.columns) {
    const v = row[c.name] ?? null;
    const dec = /^decimal\(\d+,(\d+)\)$/.exec(c.type);
    if (v !== null && dec) {
      const scale = Number(dec[1]);
      const [i, f = ''] = String(v).replace(/^\+/, '').split('.');
      out[c.name] = scale ? `${i}.${f.padEnd(scale, '0')}` : `${i}`;
    } else if (v !== null && c.type === 'timestamp') {
      const iso = new Date(String(v)).toISOString(); // milliseconds, Z
      const micros = /\.(\d+)/.exec(String(v))?.[1]?.padEnd(6, '0').slice(0, 6) ?? '000000';
      out[c.name] = `${iso.slice(0, 19)}.${micros}Z`;
    } else {
      out[c.name] = v;
    }
  }
  return out;
}

function sortedRows(spec: DeltaTableSpec, state: Map<string, DeltaRow>): DeltaRow[] {
  return [...state.values()].sort((a, b) => {
    for (const k of spec.keyColumns) {
      const x = String(a[k]);
      const y = String(b[k]);
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  });
}

// --- rows -----------------------------------------------------------------------------------------

function invoice(n: number, version: number, over: Partial<DeltaRow> = {}): DeltaRow {
  const total = `${1000 + n}.${String(n % 100).padStart(2, '0')}`;
  return {
    invoice_id: `inv_${String(n).padStart(4, '0')}`, order_id: `ord_${n}`, client_id: `c_${n % 7}`, currency: n % 5 === 0 ? 'JPY' : 'EUR',
    invoice_total: total, amount_paid: version > 1 ? '10.5' : '0', outstanding: total, status: version > 1 ? 'partially_paid' : 'open',
    issue_date: '2024-03-01', due_date: '2024-03-31', paid_at: null, days_to_pay: null,
    sent_at: version > 1 ? '2024-03-02T10:11:12.345678Z' : null, viewed_at: null, disputed: false,
    version, updated_at: `2024-03-0${Math.min(version, 9)}T00:00:00Z`, ...over,
  };
}

function event(n: number, over: Partial<DeltaRow> = {}): DeltaRow {
  return {
    event_id: `ev_${String(n).padStart(4, '0')}`, event_type: 'invoice.created', timestamp: '2024-03-01T09:00:00.000001Z',
    invoice_id: `inv_${n}`, order_id: `ord_${n}`, client_id: 'c_1', currency: 'BHD', amount: `${n}.125`, payment_method: null,
    invoice_total: `${n}.125`, amount_paid: '0', outstanding: `${n}.125`, status: 'open', issue_date: '2024-03-01', due_date: '2024-03-31',
    days_to_pay: null, days_overdue: null, version: 1, ...over,
  };
}

function balance(client: string, currency: string, outstanding: string, over: Partial<DeltaRow> = {}): DeltaRow {
  return {
    client_id: client, currency, invoiced_total: outstanding, paid_total: '0', outstanding, open_invoices: 1, overdue_invoices: 0,
    updated_at: '2024-03-01T00:00:00Z', ...over,
  };
}

// --------------------------------------------------------------------------------------------------

let spark: Spark;
let warehouse: string;

describe('Databricks writer SQL on Spark + Delta', () => {
  const models = new Map<string, Map<string, DeltaRow>>();
  const modes: Record<string, MergeMode> = { invoices: 'versioned', invoice_events: 'insert-only', client_balances: 'latest' };

  beforeAll(async () => {
    // Fail, never skip: Spark is a test tool the CI installs (scripts/python-tools.sh).
    if (!existsSync(PYTHON)) throw new Error(`no Python test venv at ${PYTHON}: run bash scripts/python-tools.sh`);
    warehouse = await mkdtemp(join(tmpdir(), 'dbx-spark-'));
    spark = new Spark(warehouse);
    const hello = await spark.ready;
    console.log(`[spark] ${hello.spark} delta ${hello.delta}`);
    for (const spec of [INVOICES_TABLE, INVOICE_EVENTS_TABLE, CLIENT_BALANCES_TABLE]) models.set(spec.name, new Map());
  }, SPARK_TIMEOUT);

  afterAll(async () => {
    spark?.close();
    if (warehouse) await rm(warehouse, { recursive: true, force: true });
  });

  /** Runs the generated MERGE on Spark and the model; checks Spark's row counts and table. */
  async function merge(spec: DeltaTableSpec, rows: DeltaRow[], form?: 'values' | 'json'): Promise<void> {
    const mode = modes[spec.name] ?? 'versioned';
    const stmt = mergeSql(TARGET, spec, rows, mode);
    if (form) expect(sourceForm(spec, rows)).toBe(form);
    if (form === 'json') expect(Object.keys(stmt.params)).toEqual(['rows']);
    const [metrics] = await spark.sql(stmt);
    const expected = applyModel(models.get(spec.name)!, spec, rows, mode);
    expect({ inserted: metrics?.num_inserted_rows, updated: metrics?.num_updated_rows }).toEqual(expected);
    expect(await spark.table(spec)).toEqual(sortedRows(spec, models.get(spec.name)!));
  }

  it('creates the schema and the tables with the exact DDL (CLUSTER BY keys, deletion vectors), twice', async () => {
    await spark.sql(createSchemaSql(TARGET));
    for (let i = 0; i < 2; i++) {
      for (const spec of [INVOICES_TABLE, INVOICE_EVENTS_TABLE, CLIENT_BALANCES_TABLE, OFFSETS_TABLE_SPEC]) await spark.sql(createTableSql(TARGET, spec));
    }
    const [detail] = await spark.sql(`DESCRIBE DETAIL ${qualifiedName(TARGET, 'client_balances')}`);
    expect(detail?.clusteringColumns).toEqual(['client_id', 'currency']);
    expect(detail?.properties).toMatchObject({ 'delta.enableDeletionVectors': 'true' });
    expect(detail?.minReaderVersion).toBe(3);
    const cols = await spark.sql(`DESCRIBE TABLE ${qualifiedName(TARGET, 'invoices')}`);
    const types = Object.fromEntries(cols.filter(c => !String(c.col_name).startsWith('#')).map(c => [c.col_name, c.data_type]));
    expect(types).toMatchObject({ invoice_total: 'decimal(38,4)', issue_date: 'date', paid_at: 'timestamp', version: 'bigint', days_to_pay: 'int', disputed: 'boolean' });
  });

  it('invoices: inserts, then updates guarded by version (stale loses, in-batch duplicates keep the highest)', async () => {
    await merge(INVOICES_TABLE, [invoice(1, 1), invoice(2, 1), invoice(3, 1, { invoice_total: '-0.0001', outstanding: '99999999999999999999999999999999.9999' })], 'values');
    await merge(INVOICES_TABLE, [
      invoice(1, 2),
      invoice(2, 1, { status: 'stale-equal-version' }), // equal version: not newer, ignored
      invoice(3, 3, { status: 'v3' }), invoice(3, 5, { status: 'v5' }), invoice(3, 4, { status: 'v4' }), // v5 wins in the batch
      invoice(4, 1, { status: 'first' }), invoice(4, 1, { status: 'last' }), // same version twice: the later row
    ], 'values');
    await merge(INVOICES_TABLE, [invoice(3, 2, { status: 'stale' }), invoice(1, 1, { status: 'stale' })], 'values');
  });

  it('invoices: a batch above 256 parameters goes as one JSON parameter and merges the same way', async () => {
    const rows: DeltaRow[] = [];
    for (let n = 1; n <= 300; n++) rows.push(invoice(n, n % 3 === 0 ? 1 : 6, { days_to_pay: n % 4 === 0 ? n : null, paid_at: n % 4 === 0 ? '2024-04-01T12:00:00.5Z' : null }));
    rows.push(invoice(7, 7, { status: 'dup-highest' }), invoice(8, 2, { status: 'dup-lower' }));
    await merge(INVOICES_TABLE, rows, 'json');
  });

  it('invoice_events: insert only, an event id already stored is never rewritten', async () => {
    await merge(INVOICE_EVENTS_TABLE, [event(1), event(2, { payment_method: 'card', days_to_pay: 3 })], 'values');
    const big: DeltaRow[] = [];
    for (let n = 1; n <= 40; n++) big.push(event(n, n === 2 ? { status: 'rewritten?' } : {}));
    big.push(event(41), event(41));
    await merge(INVOICE_EVENTS_TABLE, big, 'json');
  });

  it('client_balances: latest row wins, unchanged rows are not rewritten', async () => {
    await merge(CLIENT_BALANCES_TABLE, [balance('c1', 'EUR', '10.00'), balance('c1', 'USD', '5'), balance('c2', 'EUR', '0.0001')], 'values');
    await merge(CLIENT_BALANCES_TABLE, [
      balance('c1', 'EUR', '10.00'), // same content: not an update
      balance('c1', 'USD', '7.5'), balance('c1', 'USD', '8.25', { open_invoices: 2 }), // the later row of the batch wins
      balance('c3', 'JPY', '1200'),
    ], 'values');
  });

  it('replaying the same batches changes nothing', async () => {
    const batch = [invoice(1, 2), invoice(3, 5, { status: 'v5' })];
    const [m] = await spark.sql(mergeSql(TARGET, INVOICES_TABLE, batch, 'versioned'));
    expect(m).toMatchObject({ num_inserted_rows: 0, num_updated_rows: 0 });
    const [e] = await spark.sql(mergeSql(TARGET, INVOICE_EVENTS_TABLE, [event(1), event(2)], 'insert-only'));
    expect(e).toMatchObject({ num_inserted_rows: 0, num_updated_rows: 0 });
    expect(await spark.table(INVOICES_TABLE)).toEqual(sortedRows(INVOICES_TABLE, models.get('invoices')!));
  });

  it('records batch markers in _sink_offsets, never moving back', async () => {
    await spark.sql(offsetMergeSql(TARGET, 'invoices', 'sink/invoices/0', 5));
    await spark.sql(offsetMergeSql(TARGET, 'invoices', 'sink/invoices/0', 3));
    await spark.sql(offsetMergeSql(TARGET, 'invoices', 'sink/invoices/1', 1));
    await spark.sql(offsetMergeSql(TARGET, 'invoice_events', 'sink/invoices/0', 2));
    expect(await spark.sql(offsetSelectSql(TARGET, 'invoices', 'sink/invoices/0'))).toEqual([{ version: 5 }]);
    expect(await spark.sql(offsetSelectSql(TARGET, 'invoices', 'sink/invoices/1'))).toEqual([{ version: 1 }]);
    expect(await spark.sql(offsetSelectSql(TARGET, 'invoice_events', 'sink/invoices/0'))).toEqual([{ version: 2 }]);
    expect(await spark.sql(offsetSelectSql(TARGET, 'invoices', 'nope'))).toEqual([]);
  });

  it('the whole writer (client-side dedup, chunks, txn markers in _sink_offsets) runs on Spark', async () => {
    const target: DatabricksTarget = { catalog: 'spark_catalog', schema: 'ar_writer' };
    const runner: SqlRunner = { run: stmt => spark.sql(stmt), close: async () => undefined };
    const writer = new DatabricksWriter(runner, { target, createSchema: true, maxRowsPerStatement: 40 });
    const table = await writer.table(INVOICES_TABLE);
    const model = new Map<string, DeltaRow>();
    const batch1 = Array.from({ length: 70 }, (_, i) => invoice(i, 1));
    batch1.push(invoice(3, 2, { status: 'dup-v2' }), invoice(3, 1, { status: 'dup-v1' }));
    const r1 = await table.upsert(batch1, { txn: { appId: 'writer-it', version: 1 } });
    const m1 = applyModel(model, INVOICES_TABLE, batch1, 'versioned');
    expect(r1).toEqual({ ...m1, skipped: batch1.length - m1.inserted - m1.updated, txnSkipped: false, statements: 2 });
    const batch2 = [invoice(1, 5), invoice(2, 1, { status: 'stale' }), invoice(99, 1)];
    const r2 = await table.upsert(batch2, { txn: { appId: 'writer-it', version: 2 } });
    expect(r2).toMatchObject(applyModel(model, INVOICES_TABLE, batch2, 'versioned'));
    expect(await table.upsert(batch2, { txn: { appId: 'writer-it', version: 2 } })).toMatchObject({ txnSkipped: true, statements: 0 });
    expect(await table.txnVersion('writer-it')).toBe(2);
    expect(await spark.table(INVOICES_TABLE, target)).toEqual(sortedRows(INVOICES_TABLE, model));
  });

  it('a real Delta conflict between concurrent MERGEs is classified retryable, and the retried MERGE lands', async () => {
    const target: DatabricksTarget = { catalog: 'spark_catalog', schema: 'ar_conflict' };
    await spark.sql(createSchemaSql(target));
    await spark.sql(createTableSql(target, INVOICES_TABLE));
    await spark.sql(mergeSql(target, INVOICES_TABLE, [invoice(1, 1)]));
    const errors: string[] = [];
    const losers: Statement[] = [];
    const sent: string[] = ['inv_0001'];
    // Both MERGEs read the whole (unpartitioned) table and both append: whichever commits second
    // conflicts (ConcurrentAppendException) unless Spark happened to run them one after the other.
    for (let round = 0; round < 4 && errors.length === 0; round++) {
      const stmts = [mergeSql(target, INVOICES_TABLE, [invoice(100 + 2 * round, 1)]), mergeSql(target, INVOICES_TABLE, [invoice(101 + 2 * round, 1)])];
      sent.push(`inv_0${100 + 2 * round}`, `inv_0${101 + 2 * round}`);
      const results = await spark.concurrent(stmts);
      results.forEach((r, i) => { if (!r.ok) { errors.push(r.error ?? ''); losers.push(stmts[i]!); } });
    }
    console.log(`[spark] conflict: ${errors[0]?.slice(0, 200)}`);
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(classifyError(new Error(e))).toBe('concurrent-modification');
    // Retried as the sink stage would: the writer classifies (one try per call), the one loop retries.
    const writer = new DatabricksWriter({ run: stmt => spark.sql(stmt), close: async () => undefined }, { target });
    for (const stmt of losers) await retrying('merge', () => writer.execute(stmt, true), { initialDelayMs: 10, maxDelayMs: 1_000, timeoutMs: 120_000, maxAttempts: 8 });
    expect((await spark.table(INVOICES_TABLE, target)).map(r => r.invoice_id)).toEqual(sent.sort());
  });

  // The contract's conformance scenario at its real size: every invoice event of expected.json
  // becomes an invoice_events row and a version of its invoices row, sent through the writer in
  // micro-batches of 200 events (with one replayed batch); the balances go as two overlapping
  // halves. Spark's tables must equal expected.json (invoices, client_balances) and hold every
  // event exactly once.
  it('conformance small: micro-batches through the writer end as expected.json', async () => {
    interface Expected { invoices: Record<string, DeltaRow>; events: DeltaRow[]; client_balances: DeltaRow[] }
    const expected = JSON.parse(readFileSync(SMALL, 'utf8')) as Expected;
    const target: DatabricksTarget = { catalog: 'spark_catalog', schema: 'ar_small' };
    const runner: SqlRunner = { run: stmt => spark.sql(stmt), close: async () => undefined };
    const writer = new DatabricksWriter(runner, { target, createSchema: true });
    const [invoices, events, balances] = await Promise.all([writer.table(INVOICES_TABLE), writer.table(INVOICE_EVENTS_TABLE), writer.table(CLIENT_BALANCES_TABLE)]);
    const invoiceRow = (e: DeltaRow): DeltaRow => {
      const final = expected.invoices[String(e.invoice_id)]!;
      // Columns an event does not carry (paid_at, sent_at, ...) take the final value: the last
      // version must come out equal to expected.json, earlier ones just have to lose.
      const row: DeltaRow = { ...final, updated_at: e.timestamp ?? null };
      for (const c of ['invoice_total', 'amount_paid', 'outstanding', 'status', 'issue_date', 'due_date', 'version'] as const) row[c] = e[c] ?? null;
      return row;
    };
    const eventRow = (e: DeltaRow): DeltaRow => ({ ...e, event_id: `${String(e.invoice_id)}/${String(e.version)}` });
    const batches: DeltaRow[][] = [];
    for (let i = 0; i < expected.events.length; i += 200) batches.push(expected.events.slice(i, i + 200));
    const send = async (batch: DeltaRow[]): Promise<void> => {
      await invoices.upsert(batch.map(invoiceRow));
      await events.upsert(batch.map(eventRow));
    };
    for (const [i, batch] of batches.entries()) {
      await send(batch);
      if (i === 5) await send(batches[2]!); // a replayed, older batch: changes nothing
    }
    const halves = [expected.client_balances.slice(0, 60), expected.client_balances.slice(40)];
    for (const half of halves) await balances.upsert(half.map(b => ({ ...b, updated_at: '2026-07-15T03:32:00.934Z' })));

    const lastEvent = new Map(expected.events.map(e => [String(e.invoice_id), e]));
    const wantInvoices = Object.values(expected.invoices).map(inv => normalise(INVOICES_TABLE, { ...inv, updated_at: lastEvent.get(String(inv.invoice_id))?.timestamp ?? null }));
    expect(await spark.table(INVOICES_TABLE, target)).toEqual(sortedRows(INVOICES_TABLE, new Map(wantInvoices.map(r => [String(r.invoice_id), r]))));
    const gotEvents = await spark.table(INVOICE_EVENTS_TABLE, target);
    expect(gotEvents).toHaveLength(expected.events.length);
    expect(gotEvents).toEqual(sortedRows(INVOICE_EVENTS_TABLE, new Map(expected.events.map(e => [`${String(e.invoice_id)}/${String(e.version)}`, normalise(INVOICE_EVENTS_TABLE, eventRow(e))]))));
    const gotBalances = await spark.table(CLIENT_BALANCES_TABLE, target);
    expect(gotBalances).toHaveLength(expected.client_balances.length);
    expect(gotBalances).toEqual(sortedRows(CLIENT_BALANCES_TABLE, new Map(expected.client_balances.map(b => [`${String(b.client_id)}|${String(b.currency)}`, normalise(CLIENT_BALANCES_TABLE, { ...b, updated_at: '2026-07-15T03:32:00.934Z' })]))));
  });
}, SPARK_TIMEOUT);
