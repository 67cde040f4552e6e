// Client balances (docs/contract.md `client_balances`) as a KTable aggregate: each invoice contributes
// to its (client_id, currency) row; a change of the invoice sends its old and new contribution
// (Kafka Streams' Change<V>: subtract the old, add the new) through a repartition to the aggregate.
import { outstandingMinor, type InvoiceState } from './invoice.ts';
import { formatUnscaled, parseUnscaled } from '../values/decimal.ts';
import { formatTimestamp } from '../values/time.ts';

/** What one invoice adds to its client's balance; money as decimal text at the currency scale. */
export interface Contribution {
  invoiced: string;
  paid: string;
  outstanding: string;
  open: number;
  overdue: number;
}

/** A contribution change, keyed downstream by (client_id, currency). */
export interface ContributionChange {
  clientId: string;
  currency: string;
  scale: number;
  old: Contribution | null;
  new: Contribution;
}

/** The aggregate state and table row of one (client_id, currency). */
export interface ClientBalanceRow {
  client_id: string;
  currency: string;
  invoiced_total: string;
  paid_total: string;
  outstanding: string;
  open_invoices: number;
  overdue_invoices: number;
  updated_at: string;
}

const OPEN_STATUSES: ReadonlySet<string> = new Set(['open', 'partially_paid', 'overdue', 'disputed']);

/** The invoice's contribution: voided invoices count only in `paid_total`. */
export function contributionOf(inv: InvoiceState): Contribution {
  const zero = formatUnscaled(0n, inv.scale);
  const outstanding = outstandingMinor(inv);
  return {
    invoiced: inv.voided ? zero : inv.invoiceTotal,
    paid: inv.amountPaid,
    outstanding: inv.voided || outstanding <= 0n ? zero : formatUnscaled(outstanding, inv.scale),
    open: OPEN_STATUSES.has(inv.status) ? 1 : 0,
    overdue: inv.status === 'overdue' ? 1 : 0,
  };
}

/** Whether two contributions are the same (no change to send). */
export function sameContribution(a: Contribution | null, b: Contribution): boolean {
  return a !== null && a.invoiced === b.invoiced && a.paid === b.paid && a.outstanding === b.outstanding && a.open === b.open && a.overdue === b.overdue;
}

/** The repartition key of a balance row. */
export function balanceKey(clientId: string, currency: string): string {
  return JSON.stringify([clientId, currency]);
}

/** Applies a change to the row (undefined: the first invoice of this client and currency). */
export function applyContribution(row: ClientBalanceRow | undefined, change: ContributionChange, timestampMicros: number): ClientBalanceRow {
  const s = change.scale;
  const zero = formatUnscaled(0n, s);
  const base = row ?? {
    client_id: change.clientId, currency: change.currency, invoiced_total: zero, paid_total: zero,
    outstanding: zero, open_invoices: 0, overdue_invoices: 0, updated_at: '',
  };
  const delta = (field: 'invoiced' | 'paid' | 'outstanding', current: string): string =>
    formatUnscaled(parseUnscaled(current, s) + parseUnscaled(change.new[field], s) - (change.old ? parseUnscaled(change.old[field], s) : 0n), s);
  return {
    client_id: base.client_id,
    currency: base.currency,
    invoiced_total: delta('invoiced', base.invoiced_total),
    paid_total: delta('paid', base.paid_total),
    outstanding: delta('outstanding', base.outstanding),
    open_invoices: base.open_invoices + change.new.open - (change.old?.open ?? 0),
    overdue_invoices: base.overdue_invoices + change.new.overdue - (change.old?.overdue ?? 0),
    updated_at: formatTimestamp(timestampMicros),
  };
}
