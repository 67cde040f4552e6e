// The stage's control flow with a scripted consumer and writer (no broker): positioning from the
// table's txn on assignment, records below it dropped, batches by size in offset order with their
// txn, back-pressure (pause while a full batch waits, resume when the queue empties), lag offsets,
// and the one retry loop over a real Databricks writer (each stage attempt = one MERGE).
import { describe, expect, it } from 'vitest';
import type { BatchControl, ConsumedRecord, GroupConsumerHandlers, PartitionOffset } from '../../../src/runtime/client/api.ts';
import type { DeltaRow } from '../../../src/sinks/delta/index.ts';
import type { Statement } from '../../../src/sinks/databricks/sql.ts';
import { DatabricksWriter, type ResultRow, type SqlRunner } from '../../../src/sinks/databricks/writer.ts';
import { DeltaSinkStage, type SeekableGroupConsumer, type SinkBatchObserver, type TableWriter, type Txn } from '../../../src/connect/index.ts';
import { INVOICES_TABLE } from '../../../src/invoice/tables.ts';

class ScriptedConsumer implements SeekableGroupConsumer {
  handlers: GroupConsumerHandlers | undefined;
  readonly log: string[] = [];
  readonly commits: PartitionOffset[] = [];
  async run(handlers: GroupConsumerHandlers): Promise<void> {
    this.handlers = handlers;
  }
  seek(topic: string, partition: number, offset: number): void {
    this.log.push(`seek ${topic}:${partition}@${offset}`);
  }
  pause(topic: string, partitions: number[]): void {
    this.log.push(`pause ${topic}:${partitions.join(',')}`);
  }
  resume(topic: string, partitions: number[]): void {
    this.log.push(`resume ${topic}:${partitions.join(',')}`);
  }
  async commitOffsets(offsets: readonly PartitionOffset[]): Promise<void> {
    this.commits.push(...offsets);
  }
  async close(): Promise<void> {}
}

class ScriptedWriter implements TableWriter {
  readonly txns = new Map<string, number>();
  readonly upserts: Array<{ rows: DeltaRow[]; txn: Txn }> = [];
  gate: Promise<void> = Promise.resolve();
  async txnVersion(appId: string): Promise<number | undefined> {
    return this.txns.get(appId);
  }
  async upsert(rows: DeltaRow[], options: { txn: Txn }): Promise<{ txnSkipped: boolean }> {
    await this.gate;
    this.upserts.push({ rows, txn: options.txn });
    this.txns.set(options.txn.appId, options.txn.version);
    return { txnSkipped: false };
  }
}

const control: BatchControl = { heartbeat: async () => undefined, isStale: () => false };
const record = (offset: number, id: string, version: number): ConsumedRecord => ({
  topic: 'rows', partition: 0, offset, key: Buffer.from(id), value: Buffer.from(JSON.stringify({ invoice_id: id, version })), timestamp: 0, headers: {},
});
const tick = () => new Promise((r) => setTimeout(r, 5));

/** A started stage over one partition of `rows` (→ invoices), assigned and positioned. */
async function start(writer: TableWriter, observer?: SinkBatchObserver, onFatal?: (e: Error) => void) {
  const consumer = new ScriptedConsumer();
  const stage = new DeltaSinkStage({
    groupId: 'g', consumer, admin: { offsetRange: async () => ({ low: 7, high: 100 }) },
    routes: [{ topics: ['rows'], table: INVOICES_TABLE, mapper: { toRow: (r) => JSON.parse(String(r.value)) as DeltaRow } }],
    writers: new Map([['invoices', writer]]),
    options: { maxBatchRows: 2, maxBatchMs: 60_000, retryInitialDelayMs: 1, retryMaxDelayMs: 1 },
    ...(observer ? { observer } : {}),
    ...(onFatal ? { onFatal } : {}),
  });
  await stage.start();
  const handlers = consumer.handlers as GroupConsumerHandlers;
  handlers.onAssigned({ generation: 1, memberId: 'm', partitions: new Map([['rows', [0]]]) });
  await tick();
  return { consumer, stage, handlers };
}

async function setup(txn?: number, observer?: SinkBatchObserver, writer = new ScriptedWriter()) {
  if (txn !== undefined) writer.txns.set('g-rows-0', txn);
  return { ...(await start(writer, observer)), writer };
}

describe('DeltaSinkStage', () => {
  it('pauses new partitions, seeks to txn + 1, resumes; drops what the table already has', async () => {
    const { consumer, writer, stage, handlers } = await setup(10);
    expect(consumer.log).toEqual(['pause rows:0', 'seek rows:0@11', 'resume rows:0']);
    await handlers.onBatch({ topic: 'rows', partition: 0, records: [record(9, 'a', 1), record(10, 'a', 2), record(11, 'b', 1), record(12, 'c', 1)], highWatermark: 14, nextOffset: 14 }, control);
    await stage.stop();
    // 9 and 10 were in the table; 11+12 fill one batch (size 2); lag offset skips the marker at 13.
    expect(writer.upserts).toEqual([{ rows: [{ invoice_id: 'b', version: 1 }, { invoice_id: 'c', version: 1 }], txn: { appId: 'g-rows-0', version: 12 } }]);
    expect(consumer.commits).toEqual([{ topic: 'rows', partition: 0, offset: 14 }]);
    expect(stage.stats.records).toBe(2);
  });

  it('starts at the log start when the table has no txn for the partition', async () => {
    const { consumer, stage } = await setup();
    expect(consumer.log).toContain('seek rows:0@7');
    await stage.stop();
  });

  it('back-pressure: a full batch waiting behind a slow commit pauses the partition until the queue drains', async () => {
    const { consumer, writer, stage, handlers } = await setup(-1);
    let open = () => undefined as void;
    writer.gate = new Promise<void>((r) => { open = r; });
    consumer.log.length = 0;
    await handlers.onBatch({ topic: 'rows', partition: 0, records: [0, 1, 2, 3, 4, 5].map((o) => record(o, `k${o}`, 1)), highWatermark: 6, nextOffset: 6 }, control);
    expect(consumer.log).toEqual(['pause rows:0']); // 3 batches: one in flight, two waiting
    open();
    await tick();
    expect(writer.upserts.map((u) => u.txn.version)).toEqual([1, 3, 5]);
    expect(consumer.log).toEqual(['pause rows:0', 'resume rows:0']);
    expect(stage.stats.pauses).toBe(1);
    await stage.stop();
  });

  it('reports each written batch (table, rows) and each failed attempt to the observer', async () => {
    const seen: string[] = [];
    const observer: SinkBatchObserver = {
      batchWritten: (table, rows, seconds) => seen.push(`written ${table} ${rows} ${seconds >= 0}`),
      batchFailed: (table) => seen.push(`failed ${table}`),
    };
    const writer = new ScriptedWriter();
    let failures = 2;
    const upsert = writer.upsert.bind(writer);
    writer.upsert = async (rows, options) => {
      if (failures-- > 0) throw new Error('target down');
      return upsert(rows, options);
    };
    const { stage, handlers } = await setup(-1, observer, writer);
    await handlers.onBatch({ topic: 'rows', partition: 0, records: [record(0, 'a', 1), record(1, 'b', 1)], highWatermark: 2, nextOffset: 2 }, control);
    await stage.stop();
    expect(seen).toEqual(['failed invoices', 'failed invoices', 'written invoices 2 true']);
    expect(writer.upserts).toHaveLength(1);
  });

  describe('over a real Databricks writer: the stage\'s loop is the only retry', () => {
    const invoice = (id: string): DeltaRow => ({
      invoice_id: id, order_id: 'o', client_id: 'c', currency: 'EUR', invoice_total: '1', amount_paid: '0', outstanding: '1', status: 'open',
      issue_date: '2024-03-01', due_date: '2024-03-31', paid_at: null, days_to_pay: null, sent_at: null, viewed_at: null, disputed: false,
      version: 1, updated_at: '2024-03-01T00:00:00Z',
    });
    const rec = (offset: number, id: string): ConsumedRecord => ({ ...record(offset, id, 1), value: Buffer.from(JSON.stringify(invoice(id))) });

    /** A warehouse whose MERGEs into invoices fail with `failures` first. */
    function warehouse(failures: Error[]): { runner: SqlRunner; merges: Statement[] } {
      const merges: Statement[] = [];
      const runner: SqlRunner = {
        run: async (stmt): Promise<ResultRow[]> => {
          if (!stmt.sql.startsWith('MERGE INTO `c`.`s`.`invoices`')) return [];
          merges.push(stmt);
          const f = failures.shift();
          if (f) throw f;
          return [{ num_inserted_rows: 2, num_updated_rows: 0 }];
        },
        close: async () => undefined,
      };
      return { runner, merges };
    }

    it('a permanent error (permission) is fatal at once: one MERGE, a clear message', async () => {
      const { runner, merges } = warehouse([new Error('[INSUFFICIENT_PERMISSIONS] User does not have MODIFY on Table c.s.invoices.')]);
      const table = await new DatabricksWriter(runner, { target: { catalog: 'c', schema: 's' } }).table(INVOICES_TABLE);
      let fatal: Error | undefined;
      const { stage, handlers } = await start(table, undefined, (e) => { fatal = e; });
      await handlers.onBatch({ topic: 'rows', partition: 0, records: [rec(7, 'a'), rec(8, 'b')], highWatermark: 9, nextOffset: 9 }, control);
      for (let i = 0; i < 20 && !fatal; i++) await tick();
      await stage.stop();
      expect(merges).toHaveLength(1);
      expect(stage.stats.retries).toBe(0);
      expect(fatal?.message).toBe('sink: commit of rows:0 offsets up to 8 into invoices: failed with a permanent error (not retried): '
        + 'statement failed (permanent, not retriable): [INSUFFICIENT_PERMISSIONS] User does not have MODIFY on Table c.s.invoices.');
    });

    it('a conflict is retried by the stage, one MERGE per attempt, then the batch lands', async () => {
      const conflict = () => new Error('[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added by a concurrent update.');
      const { runner, merges } = warehouse([conflict(), conflict()]);
      const table = await new DatabricksWriter(runner, { target: { catalog: 'c', schema: 's' } }).table(INVOICES_TABLE);
      const { stage, handlers } = await start(table);
      await handlers.onBatch({ topic: 'rows', partition: 0, records: [rec(7, 'a'), rec(8, 'b')], highWatermark: 9, nextOffset: 9 }, control);
      for (let i = 0; i < 20 && stage.stats.commits === 0; i++) await tick();
      await stage.stop();
      expect(merges).toHaveLength(3);
      expect(stage.stats.retries).toBe(2);
      expect(stage.stats.commits).toBe(1);
    });
  });
});
