// Interactive queries over the invoice pipeline's local state (Kafka Streams' IQ): an invoice by
// id, a client's balances, the receivables aging. A key on a partition this instance does not run
// is answered with its owner's address, from the key's partition (the default partitioner over the
// key bytes, as the repartition topic was written) → task → group member.
import { balanceKey, type ClientBalanceRow } from '../../invoice/balances.ts';
import { knownCurrencies } from '../../invoice/currency.ts';
import { toInvoiceRow, type InvoiceRow, type InvoiceState } from '../../invoice/invoice.ts';
import { STORE } from '../../invoice/stores.ts';
import { formatDate } from '../../values/time.ts';
import { agingAt, type Aging, type OwedByDueDay } from './aging.ts';
import type { QueryHost } from './host.ts';
import { partitionForKey } from '../../runtime/index.ts';

/** A query's answer: found here, not found, owned elsewhere, or not answerable now. */
export type QueryResult<T> =
  | { kind: 'found'; value: T }
  | { kind: 'not_found' }
  | { kind: 'elsewhere'; owner: string; partition: number }
  | { kind: 'unavailable'; reason: string };

export type { Aging } from './aging.ts';

/** `key` of `store` read where its partition's task runs here, or the answer when it does not. */
async function readKey<V>(host: QueryHost, store: string, key: string): Promise<{ value: V | undefined } | QueryResult<never>> {
  const placement = host.placement(store);
  if (!placement || placement.partitions === 0) return { kind: 'unavailable', reason: 'not started' };
  const partition = partitionForKey(key, placement.partitions);
  const local = await host.get<V>(store, partition, key);
  if (local) return local;
  const owner = await host.owner(placement.subtopology, partition);
  if (owner === undefined) return { kind: 'unavailable', reason: `no owner known for partition ${partition} (rebalancing?)` };
  if (owner === host.self) return { kind: 'unavailable', reason: `partition ${partition} is assigned here but still restoring` };
  return { kind: 'elsewhere', owner, partition };
}

/** `GET /invoices/{id}`: the invoice row from the local `invoices` store, or its owner. */
export async function queryInvoice(host: QueryHost, invoiceId: string): Promise<QueryResult<InvoiceRow>> {
  const read = await readKey<InvoiceState>(host, STORE.invoices, invoiceId);
  if ('kind' in read) return read;
  return read.value ? { kind: 'found', value: toInvoiceRow(read.value) } : { kind: 'not_found' };
}

/** A client's balances found here, and the instances that own the partitions that may hold the rest. */
export interface ClientBalances {
  client_id: string;
  balances: ClientBalanceRow[];
  /** True when every partition that may hold one of this client's rows is local. */
  complete: boolean;
  /** Owners (`host:port`) of the other candidate partitions: ask them with the same request. */
  elsewhere: string[];
}

/**
 * `GET /clients/{id}/balances`: balance rows are keyed by (client, currency), so one client's rows
 * may sit on several partitions. The candidates are the partitions of (client, c) for every known
 * currency c: the local ones are scanned, the owners of the others are listed.
 */
export async function queryClientBalances(host: QueryHost, clientId: string): Promise<QueryResult<ClientBalances>> {
  const placement = host.placement(STORE.balances);
  if (!placement || placement.partitions === 0) return { kind: 'unavailable', reason: 'not started' };
  const candidates = new Set(knownCurrencies().map((c) => partitionForKey(balanceKey(clientId, c), placement.partitions)));
  // Keys are JSON [client, currency]: every row of this client starts with the same text.
  const prefix = `${JSON.stringify([clientId]).slice(0, -1)},`;
  const balances: ClientBalanceRow[] = [];
  const elsewhere = new Set<string>();
  let complete = true;
  for (const partition of [...candidates].sort((a, b) => a - b)) {
    const rows = await host.range<ClientBalanceRow>(STORE.balances, partition, prefix, `${prefix}\uffff`);
    if (rows) {
      balances.push(...rows);
      continue;
    }
    complete = false;
    const owner = await host.owner(placement.subtopology, partition);
    if (owner !== undefined && owner !== host.self) elsewhere.add(owner);
  }
  balances.sort((a, b) => a.currency.localeCompare(b.currency));
  if (balances.length === 0 && complete) return { kind: 'not_found' };
  return { kind: 'found', value: { client_id: clientId, balances, complete, elsewhere: [...elsewhere].sort() } };
}

/** The aging over this instance's invoices, and who holds the rest. */
export interface AgingReport {
  as_of: string;
  aging: Aging;
  /** Partitions of the invoices store read here. */
  partitions: number[];
  /** True when every partition is local (a single-instance deployment). */
  complete: boolean;
  /** Owners of the other partitions: sum their answers for the whole book. */
  elsewhere: string[];
}

/** `GET /reports/aging?as_of=YYYY-MM-DD`: aging buckets over the local invoices, as of the last commit at worst (aging.ts). */
export async function queryAging(host: QueryHost, asOfDay: number): Promise<QueryResult<AgingReport>> {
  const placement = host.placement(STORE.invoices);
  if (!placement || placement.partitions === 0) return { kind: 'unavailable', reason: 'not started' };
  const local: number[] = [];
  const owed: OwedByDueDay[] = [];
  const elsewhere = new Set<string>();
  for (let p = 0; p < placement.partitions; p++) {
    const summary = await host.owed(p);
    if (!summary) {
      const owner = await host.owner(placement.subtopology, p);
      if (owner !== undefined && owner !== host.self) elsewhere.add(owner);
      continue;
    }
    local.push(p);
    // Scanned once per commit at most, not per request (aging.ts).
    owed.push(summary);
  }
  const aging = agingAt(owed, asOfDay);
  return { kind: 'found', value: { as_of: formatDate(asOfDay), aging, partitions: local, complete: local.length === placement.partitions, elsewhere: [...elsewhere].sort() } };
}
