// The writer's control flow with a recording SqlRunner: DDL once, client-side dedup and chunking,
// txn markers (skip of a replayed batch), and error classification: each statement is tried once;
// conflicts and transient errors of idempotent statements are retriable (the sinks' one retry
// loop retries the whole upsert), other errors permanent.
import { describe, expect, it } from 'vitest';
import { CLIENT_BALANCES_TABLE, INVOICES_TABLE } from '../../../src/invoice/tables.ts';
import type { DeltaRow, DeltaTableSpec } from '../../../src/sinks/delta/index.ts';
import { pickWinners } from '../../../src/sinks/core/row-per-key.ts';
import { chunk } from '../../../src/sinks/databricks/batch.ts';
import { retrying, SinkFatalError, SinkWriteError } from '../../../src/sinks/core/index.ts';
import { classifyError, DatabricksStatementError } from '../../../src/sinks/databricks/errors.ts';
import type { Statement } from '../../../src/sinks/databricks/sql.ts';
import { DatabricksWriter, type ResultRow, type SqlRunner } from '../../../src/sinks/databricks/writer.ts';

const spec: DeltaTableSpec = {
  name: 't', keyColumns: ['id'], versionColumn: 'version',
  columns: [{ name: 'id', type: 'string', nullable: false }, { name: 'v', type: 'string', nullable: true }, { name: 'version', type: 'long', nullable: false }],
};

class FakeRunner implements SqlRunner {
  readonly log: Statement[] = [];
  offsets = new Map<string, number>();
  failures: unknown[] = [];
  async run(stmt: Statement): Promise<ResultRow[]> {
    this.log.push(stmt);
    const f = this.failures.shift();
    if (f !== undefined) throw f;
    if (stmt.sql.startsWith('SELECT `version` FROM')) {
      const v = this.offsets.get(`${stmt.params.table_name}|${stmt.params.app_id}`);
      return v === undefined ? [] : [{ version: v }];
    }
    if (stmt.sql.includes('`_sink_offsets` AS t')) {
      const v = Number(stmt.params.version);
      const key = `${stmt.params.table_name}|${stmt.params.app_id}`;
      const old = this.offsets.get(key);
      if (old === undefined || v > old) this.offsets.set(key, v);
      return [{ num_affected_rows: 1, num_updated_rows: 0, num_deleted_rows: 0, num_inserted_rows: 1 }];
    }
    if (stmt.sql.startsWith('MERGE')) return [{ num_affected_rows: 2, num_updated_rows: 1, num_deleted_rows: 0, num_inserted_rows: 1 }];
    return [];
  }
  async close(): Promise<void> {}
}

const fast = { initialDelayMs: 1, maxDelayMs: 1, timeoutMs: 10_000 };

describe('batch preparation', () => {
  it('dedups per mode', () => {
    const rows: DeltaRow[] = [{ id: 'a', v: '1', version: 1 }, { id: 'a', v: '3', version: 3 }, { id: 'a', v: '2', version: 2 }, { id: 'b', v: 'x', version: 1 }, { id: 'b', v: 'y', version: 1 }];
    expect(pickWinners(spec, rows, 'versioned')).toEqual([{ id: 'a', v: '3', version: 3 }, { id: 'b', v: 'y', version: 1 }]);
    expect(pickWinners(spec, rows, 'latest')).toEqual([{ id: 'a', v: '2', version: 2 }, { id: 'b', v: 'y', version: 1 }]);
    expect(pickWinners(spec, rows, 'insert-only')).toEqual([{ id: 'a', v: '1', version: 1 }, { id: 'b', v: 'x', version: 1 }]);
    const bal: DeltaRow[] = [{ client_id: 'c', currency: 'EUR', n: 1 }, { client_id: 'c', currency: 'USD', n: 2 }, { client_id: 'c', currency: 'EUR', n: 3 }];
    expect(pickWinners(CLIENT_BALANCES_TABLE, bal, 'latest')).toEqual([{ client_id: 'c', currency: 'EUR', n: 3 }, { client_id: 'c', currency: 'USD', n: 2 }]);
  });

  it('chunks', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(() => chunk([1], 0)).toThrow();
  });
});

describe('DatabricksWriter', () => {
  it('creates _sink_offsets and the table once, then MERGEs deduplicated chunks and records the txn', async () => {
    const runner = new FakeRunner();
    const writer = new DatabricksWriter(runner, { target: { catalog: 'finance', schema: 'ar' }, maxRowsPerStatement: 2, createSchema: true });
    const t = await writer.table(spec);
    await writer.table(spec);
    expect(runner.log.map(s => s.sql.split('\n')[0])).toEqual([
      'CREATE SCHEMA IF NOT EXISTS `finance`.`ar`',
      'CREATE TABLE IF NOT EXISTS `finance`.`ar`.`_sink_offsets` (',
      'CREATE TABLE IF NOT EXISTS `finance`.`ar`.`t` (',
    ]);
    runner.log.length = 0;
    const rows: DeltaRow[] = [{ id: 'a', v: null, version: 1 }, { id: 'b', v: null, version: 1 }, { id: 'a', v: 'x', version: 2 }, { id: 'c', v: null, version: 1 }];
    const r = await t.upsert(rows, { txn: { appId: 'app', version: 7 } });
    expect(runner.log.map(s => s.sql.split('\n')[0])).toEqual([
      'SELECT `version` FROM `finance`.`ar`.`_sink_offsets` WHERE `table_name` = :table_name AND `app_id` = :app_id',
      'MERGE INTO `finance`.`ar`.`t` AS t',
      'MERGE INTO `finance`.`ar`.`t` AS t',
      'MERGE INTO `finance`.`ar`.`_sink_offsets` AS t',
    ]);
    expect(runner.log[1]?.params).toEqual({ p0: 'a', p1: 'x', p2: '2', p3: 'b', p4: '1' }); // a@2 won the dedup
    expect(r).toEqual({ inserted: 2, updated: 2, skipped: 0, txnSkipped: false, statements: 2 });
    expect(await t.txnVersion('app')).toBe(7);

    runner.log.length = 0;
    const again = await t.upsert(rows, { txn: { appId: 'app', version: 7 } });
    expect(again).toMatchObject({ txnSkipped: true, skipped: 4, statements: 0 });
    expect(runner.log).toHaveLength(1);

    // The same source partition feeding another table is tracked apart: not skipped.
    const other = await writer.table({ ...spec, name: 'u' });
    expect(await other.txnVersion('app')).toBeUndefined();
    expect(await other.upsert(rows, { txn: { appId: 'app', version: 7 } })).toMatchObject({ txnSkipped: false });
  });

  it('uses the invoice modes by default (invoice_events insert-only, balances latest)', async () => {
    const writer = new DatabricksWriter(new FakeRunner(), { target: { catalog: 'finance', schema: 'ar' } });
    expect((await writer.table(INVOICES_TABLE)).mode).toBe('versioned');
    expect((await writer.table(CLIENT_BALANCES_TABLE)).mode).toBe('latest');
    expect((await writer.table({ ...spec, name: 'invoice_events' })).mode).toBe('insert-only');
  });

  it('tries each statement once and classifies the failure (retriable only: conflict, transient)', async () => {
    const runner = new FakeRunner();
    const writer = new DatabricksWriter(runner, { target: { catalog: 'c', schema: 's' } });
    const t = await writer.table(spec);
    const fail = async (error: unknown): Promise<DatabricksStatementError> => {
      runner.log.length = 0;
      runner.failures.push(error);
      const e = await t.upsert([{ id: 'a', v: null, version: 1 }]).catch((x: unknown) => x);
      expect(runner.log.filter(st => st.sql.startsWith('MERGE'))).toHaveLength(1); // no retry inside
      expect(e).toBeInstanceOf(DatabricksStatementError);
      return e as DatabricksStatementError;
    };
    const conflict = await fail(new Error('[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of the table by a concurrent update.'));
    expect([conflict.retriable, conflict.reason]).toEqual([true, 'concurrent-modification']);
    const dropped = await fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect([dropped.retriable, dropped.reason]).toEqual([true, 'transient']);
    const syntax = await fail(new Error('[PARSE_SYNTAX_ERROR] Syntax error at or near'));
    expect([syntax.retriable, syntax.reason]).toEqual([false, null]);
    expect(syntax.message).toMatch(/permanent, not retriable.*PARSE_SYNTAX_ERROR/);
  });

  it('under the one retry loop: a conflict and a dropped connection are retried, a permission error is not', async () => {
    const runner = new FakeRunner();
    const writer = new DatabricksWriter(runner, { target: { catalog: 'c', schema: 's' } });
    const t = await writer.table(spec);
    runner.log.length = 0;
    runner.failures.push(
      new Error('[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of the table by a concurrent update.'),
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    );
    const r = await retrying('upsert', () => t.upsert([{ id: 'a', v: null, version: 1 }]), fast);
    expect(r.statements).toBe(1);
    expect(runner.log.filter(st => st.sql.startsWith('MERGE'))).toHaveLength(3);

    runner.log.length = 0;
    runner.failures.push(new Error('PERMISSION_DENIED: User does not have MODIFY on table c.s.t'));
    const e = await retrying('upsert', () => t.upsert([{ id: 'a', v: null, version: 1 }]), fast).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SinkFatalError);
    expect((e as SinkFatalError).attempts).toBe(1);
    expect((e as Error).message).toMatch(/^upsert: failed with a permanent error \(not retried\): statement failed \(permanent, not retriable\): PERMISSION_DENIED/);
    expect(runner.log).toHaveLength(1);
  });

  it('a batch that cannot become SQL, or a spec that cannot, is permanent and sends nothing', async () => {
    const runner = new FakeRunner();
    const writer = new DatabricksWriter(runner, { target: { catalog: 'c', schema: 's' } });
    const t = await writer.table(spec);
    runner.log.length = 0;
    const e = await t.upsert([{ id: 'a', v: null, version: 1.5 }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SinkWriteError);
    expect((e as SinkWriteError).retriable).toBe(false);
    expect((e as Error).message).toMatch(/^t: batch rejected: column version/);
    expect(runner.log).toHaveLength(0);
    const bad = await writer.table({ ...spec, name: 'bad', keyColumns: ['nope'] }).catch((x: unknown) => x);
    expect((bad as SinkWriteError).retriable).toBe(false);
  });
});

describe('error classification', () => {
  it('classifies errors', () => {
    expect(classifyError(new Error('io.delta.exceptions.ConcurrentDeleteReadException: This transaction attempted to read'))).toBe('concurrent-modification');
    expect(classifyError(new Error('[DELTA_METADATA_CHANGED] MetadataChangedException'))).toBe('concurrent-modification');
    expect(classifyError(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }))).toBe('transient');
    expect(classifyError(Object.assign(new Error('retries exhausted'), { name: 'RetryError' }))).toBe('transient');
    expect(classifyError(new Error('[TABLE_OR_VIEW_NOT_FOUND] The table cannot be found'))).toBeNull();
    expect(classifyError(new Error('PERMISSION_DENIED: User does not have MODIFY'))).toBeNull();
  });

  it('never marks a statement that is not idempotent retriable', async () => {
    const runner = new FakeRunner();
    const writer = new DatabricksWriter(runner, { target: { catalog: 'c', schema: 's' } });
    runner.failures.push(new Error('ECONNRESET'));
    const e = await writer.execute({ sql: 'INSERT INTO x VALUES (1)', params: {} }, false).catch((x: unknown) => x);
    expect(runner.log).toHaveLength(1);
    expect((e as DatabricksStatementError).retriable).toBe(false);
    expect((e as DatabricksStatementError).reason).toBe('transient');
    expect((e as Error).message).toMatch(/not idempotent/);
  });
});
