// The invoice pipeline's outputs as table rows, for the sink stage: the same mapping the replay
// does in memory (replay-outputs.ts), from the wire formats the live pipeline writes. Invoice
// events: Confluent-framed Avro (writer schema from the registry, logical types back to the JSON
// spelling by the invoice domain's own decoder); table changelogs: JSON rows as the tables want them.
import type { SchemaRegistry } from '../engine/index.ts';
import { AvroInputDecoder } from '../invoice/avro-input.ts';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../invoice/tables.ts';
import type { ConsumedRecord } from '../runtime/client/api.ts';
import type { DeltaRow } from '../sinks/delta/index.ts';
import type { RowMapper, SinkRoute } from '../sinks/stage/index.ts';
import { pipelineTopics } from '../../topologies/invoice-pipeline.ts';

/** Event types the pipeline routes by (CONTRACT.md "Output: invoice events"). */
export const INVOICE_EVENT_TYPES: readonly string[] = [
  'created', 'sent', 'viewed', 'partially_paid', 'paid', 'overpaid', 'overdue', 'disputed', 'dispute_resolved', 'adjusted', 'voided', 'refunded',
];

/** Where the pipeline writes (as its config says). */
export interface InvoiceSinkTopics {
  prefix?: string;
  routeByType?: boolean;
}

/** JSON row values (the pipeline's jsonSerde); a tombstone maps to no row. */
export const jsonRowMapper: RowMapper = {
  toRow(record: ConsumedRecord): DeltaRow | null {
    if (record.value === null) return null;
    return JSON.parse(record.value.toString('utf8')) as DeltaRow;
  },
};

/** Framed Avro invoice events → invoice_events rows. */
export function avroEventMapper(registry: SchemaRegistry): RowMapper {
  const decoder = new AvroInputDecoder(registry);
  return {
    async prepare(records) {
      for (const r of records) await decoder.prepare(r.value);
    },
    toRow(record) {
      if (record.value === null) return null;
      const decoded = decoder.decode(record.value);
      if (!decoded.ok) throw new Error(decoded.error);
      return decoded.value as DeltaRow;
    },
  };
}

/** The three routes: events (Avro) → invoice_events, invoice rows → invoices, balances → client_balances. */
export function invoiceSinkRoutes(registry: SchemaRegistry, topics: InvoiceSinkTopics = {}): SinkRoute[] {
  const t = pipelineTopics({ prefix: topics.prefix });
  const eventTopics = topics.routeByType ? INVOICE_EVENT_TYPES.map((type) => `${t.invoiceEvents}.${type}`) : [t.invoiceEvents];
  return [
    { topics: eventTopics, table: INVOICE_EVENTS_TABLE, mapper: avroEventMapper(registry) },
    { topics: [t.invoiceRows], table: INVOICES_TABLE, mapper: jsonRowMapper },
    { topics: [t.balanceRows], table: CLIENT_BALANCES_TABLE, mapper: jsonRowMapper },
  ];
}
