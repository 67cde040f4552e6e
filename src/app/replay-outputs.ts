// The replay's sinks: what the topology produces, written to the output directory. Invoice
// events go to an Avro object container file and the invoice_events Delta table, dead letters
// to dlq.jsonl, table changelogs to the Delta tables (the latest row per key, at each commit).
import { isUtf8 } from 'node:buffer';
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Headers, ProducedRecord } from '../engine/index.ts';
import { Worker } from 'node:worker_threads';
import { compileSpec, DeltaTable, TypedBatchBuilder, type AppendOptions, type DeltaRow, type DeltaTableSpec, type TypedBatch } from '../sinks/delta/index.ts';
import type { AppendRequest } from './replay-outputs-worker.ts';
import { OUTPUT_PATHS } from './replay-paths.ts';
import { InvoiceEventContainer } from '../invoice/avro.ts';
import type { ClientBalanceRow } from '../invoice/balances.ts';
import { ORIGINAL_LENGTH } from '../invoice/dead-letters.ts';
import type { InvoiceEvent, InvoiceRow } from '../invoice/invoice.ts';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../invoice/tables.ts';
import type { PipelineTopics } from '../../topologies/invoice-pipeline.ts';

// Invoice events per Delta commit (one data file: the table's 65,536-row target). Each batch is
// appended as soon as it is full, while the replay goes on: the typed columns stay small and short-
// lived (holding 400k events until a replay commit made a third of the outputs' CPU garbage collection).
const EVENTS_PER_BATCH = Number(process.env.INVOICE_REPLAY_EVENTS_PER_BATCH ?? 65_536);
// Data file compression: zstd writes these tables 4-5x faster than the JavaScript snappy, at about
// half the size (docs/BENCHMARKS.md "Replay outputs"); every Delta reader reads it.
const CODEC = 'ZSTD';
// With '1', the Delta tables are written by a worker thread (replay-outputs-worker.ts). Off by
// default: on this project's shared 2-core machine it measured no wall-clock gain (the second core
// is busy; replay-invoices-memory --orders=125000: 20.9-21.7 s with, 20.2-20.9 s without), only
// where a core is idle can it hide the ~10 % of the replay that Parquet encoding costs.
const USE_WORKER = process.env.INVOICE_REPLAY_OUTPUT_WORKER === '1';

type TableName = AppendRequest['table'];
/** Appends to one of the replay's tables (in this thread or the writer thread). */
type Append = (table: TableName, data: TypedBatch | DeltaRow[], options: AppendOptions) => Promise<void>;

async function inProcess(dir: string): Promise<{ append: Append; close: () => Promise<void> }> {
  const delta = (name: string) => join(dir, 'delta', name);
  const tables: Record<TableName, DeltaTable> = {
    invoices: await DeltaTable.open(delta(INVOICES_TABLE.name), INVOICES_TABLE),
    events: await DeltaTable.open(delta(INVOICE_EVENTS_TABLE.name), INVOICE_EVENTS_TABLE),
    balances: await DeltaTable.open(delta(CLIENT_BALANCES_TABLE.name), CLIENT_BALANCES_TABLE),
  };
  return { append: async (table, data, options) => { await tables[table].append(data, options); }, close: async () => undefined };
}

/**
 * The writer thread: typed batches go over with their arrays transferred (strings are cloned:
 * ~10-20 ms per 65,536 events, against ~200 ms of encoding that leaves this thread). Only ref'd
 * while a request is open, so a replay that fails before close still exits.
 */
function inWorker(dir: string): { append: Append; close: () => Promise<void> } {
  const worker = new Worker(new URL('./replay-outputs-worker.ts', import.meta.url), { workerData: { dir } });
  worker.unref();
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let next = 0;
  let failed: Error | undefined;
  const fail = (e: Error): void => {
    failed ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    worker.unref();
  };
  worker.on('message', (m: { id: number; error?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if (m.error === undefined) p.resolve(); else p.reject(new Error(`replay Delta writer: ${m.error}`));
  });
  worker.on('error', fail);
  worker.on('exit', code => fail(new Error(`replay Delta writer thread exited (${code})`)));
  const append: Append = (table, data, options) => new Promise<void>((resolve, reject) => {
    if (failed) { reject(failed); return; }
    const id = next++;
    if (pending.size === 0) worker.ref();
    pending.set(id, { resolve, reject });
    const request: AppendRequest = Array.isArray(data) ? { id, table, rows: data, options } : { id, table, batch: data, options };
    const transfer: ArrayBuffer[] = [];
    if (!Array.isArray(data)) {
      for (const c of data.columns) {
        if (c.kind !== 'str') transfer.push((c.values as Float64Array).buffer as ArrayBuffer);
        if (c.nulls) transfer.push(c.nulls.buffer as ArrayBuffer);
      }
    }
    worker.postMessage(request, [...new Set(transfer)]);
  });
  return {
    append,
    close: async () => {
      failed ??= new Error('replay outputs closed');
      await worker.terminate();
    },
  };
}

/** One line of dlq.jsonl. */
export interface DlqLine {
  reason: string;
  error: string;
  source: { topic: string; partition: number; offset: number };
  /** The line as text (invalid UTF-8 shows as U+FFFD here). */
  value: string;
  /** The original bytes, base64: present only when they are not valid UTF-8, so `value` could not keep them. */
  value_base64?: string;
  /**
   * Present only when the line was too long to hold (`--max-line-bytes`): its length in bytes;
   * `value` (and `value_base64`) then carry only its first 64 KiB.
   */
  original_length?: number;
}

function header(headers: Headers | undefined, name: string): string {
  const v = headers?.[name];
  return v === undefined ? '' : typeof v === 'string' ? v : v.toString('utf8');
}

function bytesText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

// The contract keeps a dead letter's bytes unchanged; text cannot carry invalid UTF-8.
function originalBytes(value: unknown): string | undefined {
  return Buffer.isBuffer(value) && !isUtf8(value) ? value.toString('base64') : undefined;
}

/** Collects the pipeline's output records and writes the replay's files. */
export class ReplayOutputs {
  readonly #dir: string;
  readonly #topics: PipelineTopics;
  readonly #avro: InvoiceEventContainer;
  readonly #avroFile: WriteStream;
  readonly #dlq: WriteStream;
  readonly #invoices = new Map<string, InvoiceRow>();
  readonly #balances = new Map<string, ClientBalanceRow>();
  #pendingEvents: TypedBatchBuilder | undefined;
  /** The keyed tables are written once, from the maps above, at the final commit. */
  #keyedWritten = false;
  #sink: { append: Append; close: () => Promise<void> } | undefined;
  #eventsPerBatch = EVENTS_PER_BATCH;
  #eventsVersion = 0;
  /** Appends under way (awaited at the next commit, which reports their failure). */
  #writes: Promise<unknown>[] = [];
  /** Counts of records written, by kind. */
  readonly written = { events: 0, deadLetters: 0 };

  private constructor(dir: string, topics: PipelineTopics) {
    this.#dir = dir;
    this.#topics = topics;
    this.#avro = new InvoiceEventContainer(randomBytes(16));
    this.#avroFile = createWriteStream(join(dir, 'invoice-events.avro'));
    this.#avroFile.write(this.#avro.header());
    this.#dlq = createWriteStream(join(dir, 'dlq.jsonl'));
  }

  /** Opens the files and Delta tables in `dir`, an existing directory with none of the outputs yet. */
  static async open(dir: string, topics: PipelineTopics, options: { eventsPerBatch?: number; worker?: boolean } = {}): Promise<ReplayOutputs> {
    // A replay defines its whole output: an earlier replay's tables would skip this run's batches
    // as already-committed txn versions. claimReplayPaths removes them, and only if a replay wrote them.
    for (const name of OUTPUT_PATHS) {
      if (await lstat(join(dir, name)).then(() => true, () => false)) throw new Error(`replay outputs: ${join(dir, name)} is in the way (claimReplayPaths first)`);
    }
    await mkdir(join(dir, 'delta'));
    const outputs = new ReplayOutputs(dir, topics);
    outputs.#eventsPerBatch = options.eventsPerBatch ?? EVENTS_PER_BATCH;
    // The tables are created here (a bad directory fails the open, not a later write).
    await inProcess(dir);
    outputs.#sink = options.worker ?? USE_WORKER ? inWorker(dir) : await inProcess(dir);
    outputs.#pendingEvents = new TypedBatchBuilder(compileSpec(INVOICE_EVENTS_TABLE as DeltaTableSpec), Math.min(outputs.#eventsPerBatch, 1 << 16));
    return outputs;
  }

  /** Takes one produced record (synchronous: the replay calls it inside processing). */
  accept(record: ProducedRecord): void {
    const topics = this.#topics;
    if (record.topic === topics.invoiceRows) {
      const row = record.value as InvoiceRow;
      this.#invoices.set(row.invoice_id, row);
    } else if (record.topic === topics.balanceRows) {
      const row = record.value as ClientBalanceRow;
      this.#balances.set(record.key as string, row);
    } else if (record.topic === topics.dlq) {
      const line: DlqLine = {
        reason: header(record.headers, 'dlq.reason'),
        error: header(record.headers, 'dlq.error'),
        source: {
          topic: header(record.headers, 'dlq.source.topic'),
          partition: Number(header(record.headers, 'dlq.source.partition')),
          offset: Number(header(record.headers, 'dlq.source.offset')),
        },
        value: bytesText(record.value),
      };
      const base64 = originalBytes(record.value);
      if (base64 !== undefined) line.value_base64 = base64;
      const originalLength = header(record.headers, ORIGINAL_LENGTH);
      if (originalLength !== '') line.original_length = Number(originalLength);
      this.#dlq.write(`${JSON.stringify(line)}\n`);
      this.written.deadLetters += 1;
    } else if (record.topic === topics.invoiceEvents || record.topic.startsWith(`${topics.invoiceEvents}.`)) {
      const event = record.value as InvoiceEvent;
      if (this.#avro.write(event)) this.#avroFile.write(this.#avro.block() as Buffer);
      // Validated into typed columns now: no event object is kept until the commit.
      const events = this.#pendingEvents;
      if (events) {
        events.push(event as unknown as DeltaRow);
        if (events.length >= this.#eventsPerBatch) this.#appendEvents();
      }
      this.written.events += 1;
    }
  }

  /** Starts appending the pending events as one commit (the table serializes its commits). */
  #appendEvents(): void {
    const sink = this.#sink;
    const events = this.#pendingEvents;
    if (!sink || !events || events.length === 0) return;
    const txn = { appId: 'replay-invoice-events', version: ++this.#eventsVersion };
    const write = sink.append('events', events.finish(), { txn, codec: CODEC });
    write.catch(() => undefined); // reported by the commit that awaits it
    this.#writes.push(write);
  }

  /**
   * Commit: waits for the invoice events appended since the last commit (at the final one, appends
   * the rest first). The keyed tables get their final rows once, at the end: in a replay nobody
   * reads them midway, and each upsert of rows spread over the whole table rewrites most of its files.
   *
   * All three are blind appends: `open` created the tables empty, every event is produced once
   * (its id is its key) and the keyed tables are written once, from maps holding one row per key,
   * so no row can meet an existing row of its key: nothing to merge.
   */
  async commit(final = false): Promise<void> {
    const sink = this.#sink;
    if (!sink) return;
    if (final) this.#appendEvents();
    const writes = this.#writes;
    this.#writes = [];
    await Promise.all(writes);
    if (!final || this.#keyedWritten) return;
    this.#keyedWritten = true;
    await Promise.all([
      this.#invoices.size ? sink.append('invoices', [...this.#invoices.values()] as unknown as DeltaRow[], { txn: { appId: 'replay-invoices', version: 1 }, codec: CODEC }) : undefined,
      this.#balances.size ? sink.append('balances', [...this.#balances.values()] as unknown as DeltaRow[], { txn: { appId: 'replay-client-balances', version: 1 }, codec: CODEC }) : undefined,
    ]);
  }

  /** Final rows of the two keyed tables (also written as tables/*.json for quick inspection). */
  finalRows(): { invoices: InvoiceRow[]; client_balances: ClientBalanceRow[] } {
    return { invoices: [...this.#invoices.values()], client_balances: [...this.#balances.values()] };
  }

  /** Flushes everything and closes the files; writes summary.json and tables/*.json. */
  async close(summary: object): Promise<void> {
    try {
      await this.commit(true);
    } finally {
      await this.#sink?.close();
    }
    const last = this.#avro.block();
    if (last) this.#avroFile.write(last);
    this.#avroFile.end();
    this.#dlq.end();
    await Promise.all([once(this.#avroFile, 'finish'), once(this.#dlq, 'finish')]);
    await mkdir(join(this.#dir, 'tables'), { recursive: true });
    const rows = this.finalRows();
    await writeFile(join(this.#dir, 'tables', 'invoices.json'), `${JSON.stringify(rows.invoices, null, 1)}\n`);
    await writeFile(join(this.#dir, 'tables', 'client_balances.json'), `${JSON.stringify(rows.client_balances, null, 1)}\n`);
    await writeFile(join(this.#dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
}
