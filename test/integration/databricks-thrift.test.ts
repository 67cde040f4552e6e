// Driver wiring of the Databricks writer: the REAL @databricks/sql client (DBSQLClient, Thrift over
// HTTPS, TBinaryProtocol) talks over a real socket to a local endpoint built from the driver's own
// generated TCLIService (test/unit/databricks/thrift-warehouse.ts). The endpoint records what
// arrives: the DDL and MERGE text and named parameters must be exactly what sql.ts generates; under
// the sinks' one retry loop (as the sink stage runs it) a dropped connection and a Delta conflict are
// retried; a non-retryable error, and any failure of a statement not marked idempotent, surface
// after one attempt.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { INVOICES_TABLE } from '../../src/invoice/tables.ts';
import type { DeltaRow } from '../../src/sinks/delta/index.ts';
import { DriverSqlRunner } from '../../src/sinks/databricks/client.ts';
import { retrying, SinkFatalError, type RetryPolicy } from '../../src/sinks/core/index.ts';
import { DatabricksStatementError } from '../../src/sinks/databricks/errors.ts';
import { batchJson, createTableSql, mergeSql, offsetMergeSql, offsetSelectSql, OFFSETS_TABLE_SPEC } from '../../src/sinks/databricks/sql.ts';
import { DatabricksWriter } from '../../src/sinks/databricks/writer.ts';
import { ThriftWarehouse, type Outcome, type ReceivedStatement } from '../unit/databricks/thrift-warehouse.ts';

const TARGET = { catalog: 'finance', schema: 'ar' };
const METRICS = [
  { name: 'num_affected_rows', type: 'BIGINT' }, { name: 'num_updated_rows', type: 'BIGINT' },
  { name: 'num_deleted_rows', type: 'BIGINT' }, { name: 'num_inserted_rows', type: 'BIGINT' },
] as const;

function invoice(n: number, version: number): DeltaRow {
  return {
    invoice_id: `inv_${n}`, order_id: `ord_${n}`, client_id: 'c1', currency: 'EUR', invoice_total: '4750.00', amount_paid: '0',
    outstanding: '4750.00', status: 'open', issue_date: '2024-03-01', due_date: '2024-03-31', paid_at: null, days_to_pay: null,
    sent_at: null, viewed_at: null, disputed: false, version, updated_at: '2024-03-01T00:00:00.123456Z',
  };
}

let wh: ThriftWarehouse;
const offsets = new Map<string, number>();
/** Outcomes to use instead of the normal answer, for the next statements matching a prefix. */
const injected: { prefix: string; outcome: Outcome }[] = [];

/** A warehouse that "executes" just enough: MERGE metrics, the offsets table. */
function answer(s: ReceivedStatement): Outcome {
  const i = injected.findIndex(x => s.sql.startsWith(x.prefix));
  if (i >= 0) return injected.splice(i, 1)[0]!.outcome;
  if (s.sql.startsWith('SELECT `version` FROM')) {
    const v = offsets.get(`${s.params.table_name}|${s.params.app_id}`);
    return { kind: 'ok', columns: [{ name: 'version', type: 'BIGINT' }], rows: v === undefined ? [] : [[v]] };
  }
  if (s.sql.startsWith('MERGE INTO `finance`.`ar`.`_sink_offsets`')) {
    const v = Number(s.params.version);
    const key = `${s.params.table_name}|${s.params.app_id}`;
    if ((offsets.get(key) ?? -1) < v) offsets.set(key, v);
    return { kind: 'ok', columns: [...METRICS], rows: [[1, 0, 0, 1]] };
  }
  if (s.sql.startsWith('MERGE')) return { kind: 'ok', columns: [...METRICS], rows: [[3, 1, 0, 2]] };
  return { kind: 'ok' }; // DDL: no result set
}

function writer(): DatabricksWriter {
  const runner = new DriverSqlRunner(
    { host: 'localhost', httpPath: wh.httpPath, auth: { token: 'dapi-local-test' } },
    { port: wh.port, customCaCert: wh.caCert, telemetryEnabled: false },
  );
  return new DatabricksWriter(runner, { target: TARGET });
}

const POLICY: RetryPolicy = { initialDelayMs: 20, maxDelayMs: 100, timeoutMs: 30_000, maxAttempts: 4 };

describe('Databricks writer through the real driver and a local Thrift endpoint', () => {
  beforeAll(async () => {
    wh = await ThriftWarehouse.start(answer);
  });
  afterAll(async () => {
    await wh?.close();
  });
  beforeEach(() => {
    wh.statements.length = 0;
    injected.length = 0;
  });

  it('sends the generated DDL and MERGE with their named parameters, and records the txn marker', async () => {
    const w = writer();
    const t = await w.table(INVOICES_TABLE);
    const rows = [invoice(1, 1), invoice(2, 1), invoice(1, 2)];
    const result = await t.upsert(rows, { txn: { appId: 'sink.invoices.0', version: 41 } });
    await w.close();

    const merge = mergeSql(TARGET, INVOICES_TABLE, [invoice(1, 2), invoice(2, 1)], 'versioned');
    expect(wh.statements.map(s => ({ sql: s.sql, params: s.params }))).toEqual([
      { sql: createTableSql(TARGET, OFFSETS_TABLE_SPEC), params: {} },
      { sql: createTableSql(TARGET, INVOICES_TABLE), params: {} },
      offsetSelectSql(TARGET, 'invoices', 'sink.invoices.0'),
      merge, // the batch deduplicated client-side (inv_1 at version 2), one parameter per value
      offsetMergeSql(TARGET, 'invoices', 'sink.invoices.0', 41),
    ]);
    expect(Object.keys(merge.params)).toHaveLength(26); // 2 rows x 17 columns, minus 4 NULLs each (inlined as NULL)
    expect(new Set(wh.statements.flatMap(s => Object.values(s.types)))).toEqual(new Set(['STRING']));
    expect(result).toEqual({ inserted: 2, updated: 1, skipped: 0, txnSkipped: false, statements: 1 });
    expect([...wh.authorizations]).toEqual(['Bearer dapi-local-test']);
    expect(wh.sessionConfigs.at(-1)).toMatchObject({ STATEMENT_TIMEOUT: '900' });
    expect(wh.calls).toEqual(expect.arrayContaining(['OpenSession', 'ExecuteStatement', 'GetOperationStatus', 'GetResultSetMetadata', 'FetchResults', 'CloseOperation', 'CloseSession']));
    expect(wh.openSessions).toBe(0);
  });

  it('skips a replayed batch by its txn marker, and sends a batch above 256 parameters as ONE JSON parameter', async () => {
    const w = writer();
    const t = await w.table(INVOICES_TABLE);
    wh.statements.length = 0;
    expect(await t.upsert([invoice(9, 9)], { txn: { appId: 'sink.invoices.0', version: 41 } })).toMatchObject({ txnSkipped: true, statements: 0 });
    expect(wh.statements).toHaveLength(1); // only the marker lookup

    wh.statements.length = 0;
    const big = Array.from({ length: 300 }, (_, i) => invoice(i, 1));
    await t.upsert(big);
    await w.close();
    expect(wh.statements).toHaveLength(1);
    expect(wh.statements[0]?.params).toEqual({ rows: batchJson(INVOICES_TABLE, big) });
    expect(wh.statements[0]?.sql).toBe(mergeSql(TARGET, INVOICES_TABLE, big, 'versioned').sql);
    expect(wh.statements[0]?.sql).toContain("from_json(:rows, 'ARRAY<STRUCT<");
  });

  it('retries a dropped connection and a Delta conflict (same statement, fresh session), then succeeds', async () => {
    const w = writer();
    const t = await w.table(INVOICES_TABLE);
    injected.push(
      { prefix: 'MERGE INTO `finance`.`ar`.`invoices`', outcome: { kind: 'drop' } },
      { prefix: 'MERGE INTO `finance`.`ar`.`invoices`', outcome: { kind: 'error', message: '[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of the table by a concurrent update. Please try the operation again.', sqlState: '2D521' } },
    );
    wh.statements.length = 0;
    const result = await retrying('upsert', () => t.upsert([invoice(5, 3)]), POLICY);
    await w.close();
    const merges = wh.statements.filter(s => s.sql.startsWith('MERGE'));
    expect(merges).toHaveLength(3);
    expect(new Set(merges.map(m => JSON.stringify(m)))).toHaveProperty('size', 1);
    expect(result.statements).toBe(1);
    expect(injected).toHaveLength(0);
  });

  it('surfaces a non-retryable error after one attempt', async () => {
    const w = writer();
    const t = await w.table(INVOICES_TABLE);
    injected.push({ prefix: 'MERGE', outcome: { kind: 'error', message: '[INSUFFICIENT_PERMISSIONS] User does not have MODIFY on Table finance.ar.invoices.', sqlState: '42501' } });
    wh.statements.length = 0;
    const error = await retrying('upsert', () => t.upsert([invoice(6, 1)]), POLICY).catch((e: unknown) => e);
    await w.close();
    expect(error).toBeInstanceOf(SinkFatalError);
    expect((error as SinkFatalError).attempts).toBe(1);
    expect((error as Error).cause).toBeInstanceOf(DatabricksStatementError);
    expect((error as Error).message).toMatch(/permanent error \(not retried\).*INSUFFICIENT_PERMISSIONS/);
    expect(wh.statements.filter(s => s.sql.startsWith('MERGE'))).toHaveLength(1);
  });

  it('never retries a statement that is not idempotent, even on a dropped connection', async () => {
    const w = writer();
    injected.push({ prefix: 'INSERT', outcome: { kind: 'drop' } });
    const error = await retrying('insert', () => w.execute({ sql: 'INSERT INTO `finance`.`ar`.`audit` VALUES (:x)', params: { x: '1' } }, false), POLICY)
      .catch((e: unknown) => e);
    await w.close();
    expect(error).toBeInstanceOf(SinkFatalError);
    expect((error as Error).cause).toBeInstanceOf(DatabricksStatementError);
    expect((error as Error).message).toMatch(/not idempotent/);
    expect(wh.statements.filter(s => s.sql.startsWith('INSERT'))).toHaveLength(1);
  });

  it('gives up on a persistent transient failure after maxAttempts', async () => {
    const w = writer();
    const t = await w.table(INVOICES_TABLE);
    for (let i = 0; i < 4; i++) injected.push({ prefix: 'MERGE', outcome: { kind: 'error', message: '[DELTA_CONCURRENT_DELETE_READ] ConcurrentDeleteReadException' } });
    const error = await retrying('upsert', () => t.upsert([invoice(7, 1)]), POLICY).catch((e: unknown) => e);
    await w.close();
    expect((error as SinkFatalError).attempts).toBe(4);
    expect(((error as Error).cause as DatabricksStatementError).retriable).toBe(true);
  });
});
