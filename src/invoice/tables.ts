// The three Delta tables (docs/contract.md "Output: Delta tables"): columns, keys, version column.
// Money is decimal(38,4): ISO 4217 minor units go up to 4 (CLF, UYW), so every amount fits exactly.
// The shapes are declared here (structurally what src/sinks/delta accepts) so that the domain
// does not depend on a sink.

/** A column type of the tables. */
export type ColumnType = 'string' | 'long' | 'integer' | 'boolean' | 'date' | 'timestamp' | `decimal(${number},${number})`;

/** One column. */
export interface TableColumn {
  name: string;
  type: ColumnType;
  nullable: boolean;
}

/** A table: columns, key columns (one row per key), and the column that orders versions of a row. */
export interface TableSpec {
  name: string;
  columns: TableColumn[];
  keyColumns: string[];
  versionColumn?: string;
}

const MONEY: ColumnType = 'decimal(38,4)';

function col(name: string, type: ColumnType, nullable = false): TableColumn {
  return { name, type, nullable };
}

/** `invoices`: one row per invoice, the latest version. */
export const INVOICES_TABLE: TableSpec = {
  name: 'invoices',
  columns: [
    col('invoice_id', 'string'), col('order_id', 'string'), col('client_id', 'string'), col('currency', 'string'),
    col('invoice_total', MONEY), col('amount_paid', MONEY), col('outstanding', MONEY), col('status', 'string'),
    col('issue_date', 'date'), col('due_date', 'date'), col('paid_at', 'timestamp', true), col('days_to_pay', 'integer', true),
    col('sent_at', 'timestamp', true), col('viewed_at', 'timestamp', true), col('disputed', 'boolean'),
    col('version', 'long'), col('updated_at', 'timestamp'),
  ],
  keyColumns: ['invoice_id'],
  versionColumn: 'version',
};

/** `invoice_events`: every invoice event, each once (key: its deterministic id). */
export const INVOICE_EVENTS_TABLE: TableSpec = {
  name: 'invoice_events',
  columns: [
    col('event_id', 'string'), col('event_type', 'string'), col('timestamp', 'timestamp'), col('invoice_id', 'string'),
    col('order_id', 'string'), col('client_id', 'string'), col('currency', 'string'), col('amount', MONEY, true),
    col('payment_method', 'string', true), col('invoice_total', MONEY), col('amount_paid', MONEY), col('outstanding', MONEY),
    col('status', 'string'), col('issue_date', 'date'), col('due_date', 'date'), col('days_to_pay', 'integer', true),
    col('days_overdue', 'integer', true), col('version', 'long'),
  ],
  keyColumns: ['event_id'],
  versionColumn: 'version',
};

/** `client_balances`: one row per (client_id, currency). */
export const CLIENT_BALANCES_TABLE: TableSpec = {
  name: 'client_balances',
  columns: [
    col('client_id', 'string'), col('currency', 'string'), col('invoiced_total', MONEY), col('paid_total', MONEY),
    col('outstanding', MONEY), col('open_invoices', 'long'), col('overdue_invoices', 'long'), col('updated_at', 'timestamp'),
  ],
  keyColumns: ['client_id', 'currency'],
};

/** All three, in the order the replay writes them. */
export const INVOICE_TABLES: readonly TableSpec[] = [INVOICES_TABLE, INVOICE_EVENTS_TABLE, CLIENT_BALANCES_TABLE];
