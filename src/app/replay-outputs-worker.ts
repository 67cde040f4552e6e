// The replay's Delta writer thread: owns the three tables a replay creates and appends what the
// processing thread sends (typed event batches, whose arrays are transferred; the keyed tables'
// final rows). Parquet encoding, compression and file writes then run beside the topology.
// Protocol (src/app/replay-outputs.ts): { id, table, batch | rows, txn, codec } → { id, error? }.
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { DeltaTable, type AppendOptions, type DeltaRow, type TypedBatch } from '../sinks/delta/index.ts';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../invoice/tables.ts';

/** A request to the writer thread. */
export interface AppendRequest {
  id: number;
  table: 'invoices' | 'events' | 'balances';
  batch?: TypedBatch;
  rows?: DeltaRow[];
  options: AppendOptions;
}

const port = parentPort;
if (!port) throw new Error('replay-outputs-worker runs as a worker thread');
const dir = (workerData as { dir: string }).dir;
const delta = (name: string): string => join(dir, 'delta', name);
const opening = Promise.all([
  DeltaTable.open(delta(INVOICES_TABLE.name), INVOICES_TABLE),
  DeltaTable.open(delta(INVOICE_EVENTS_TABLE.name), INVOICE_EVENTS_TABLE),
  DeltaTable.open(delta(CLIENT_BALANCES_TABLE.name), CLIENT_BALANCES_TABLE),
]).then(([invoices, events, balances]) => ({ invoices, events, balances }));

port.on('message', (m: AppendRequest) => {
  // Called in arrival order; each table serializes its commits, so batches commit in order.
  opening
    .then(tables => tables[m.table].append(m.batch ?? m.rows ?? [], m.options))
    .then(() => port.postMessage({ id: m.id }), (e: unknown) => port.postMessage({ id: m.id, error: e instanceof Error ? e.stack ?? e.message : String(e) }));
});
