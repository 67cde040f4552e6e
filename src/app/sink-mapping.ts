// The invoice pipeline's outputs as table rows, for the sink stage: the same mapping the replay
// does in memory (replay-outputs.ts), from the wire formats the live pipeline writes. Invoice
// events: Confluent-framed Avro, decoded with the writer schema from the registry resolved to the
// project's reader schema (schemas/invoice-event.avsc), logical types back to the table spelling;
// table changelogs: JSON rows as the tables want them.
import avro from 'avsc';
import { SchemaNotFoundError, schemaIdOf, type SchemaRegistry } from '../engine/index.ts';
import { decimalText, INVOICE_EVENT_SCHEMA, invoiceEventType } from '../invoice/avro.ts';
import { formatDate, formatTimestamp } from '../values/time.ts';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../invoice/tables.ts';
import type { ConsumedRecord } from '../runtime/client/api.ts';
import type { DeltaRow } from '../sinks/delta/index.ts';
import type { RowMapper, SinkRoute } from '../connect/index.ts';
import { pipelineTopics } from '../../topologies/invoice-pipeline.ts';

/** Event types the pipeline routes by (docs/contract.md "Output: invoice events"). */
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

type FieldSchema = string | FieldSchema[] | { type: FieldSchema; logicalType?: string; scale?: number };

// A reader-schema field value → the table's spelling (decimal text, RFC 3339 µs, YYYY-MM-DD).
// Driven by the READER schema (the project's own, with its logical types): records written under
// any older registered version are resolved to it first, so one mapping serves every version.
function cell(value: unknown, schema: FieldSchema): DeltaRow[string] {
  if (value === null || value === undefined) return null;
  if (Array.isArray(schema)) {
    const branches = schema.filter((s) => s !== 'null');
    return branches.length === 1 ? cell(value, branches[0] as FieldSchema) : (value as DeltaRow[string]);
  }
  if (typeof schema === 'object') {
    if (schema.logicalType === 'decimal' && Buffer.isBuffer(value)) return decimalText(value, schema.scale ?? 0);
    if (schema.logicalType === 'timestamp-micros' && typeof value === 'number') return formatTimestamp(value);
    if (schema.logicalType === 'timestamp-millis' && typeof value === 'number') return formatTimestamp(value * 1000);
    if (schema.logicalType === 'date' && typeof value === 'number') return formatDate(value);
    return cell(value, schema.type);
  }
  return Buffer.isBuffer(value) ? value.toString('utf8') : (value as DeltaRow[string]);
}

const EVENT_FIELDS = (INVOICE_EVENT_SCHEMA as unknown as { fields: Array<{ name: string; type: FieldSchema }> }).fields;

/** Framed Avro invoice events → invoice_events rows (any registered writer schema, read as the current one). */
export function avroEventMapper(registry: SchemaRegistry): RowMapper {
  const resolvers = new Map<number, avro.Resolver>();
  return {
    async prepare(records) {
      for (const r of records) {
        const id = r.value ? schemaIdOf(r.value) : undefined;
        if (id === undefined || resolvers.has(id)) continue;
        try {
          const writer = avro.Type.forSchema(JSON.parse(await registry.getSchema(id)) as avro.Schema);
          resolvers.set(id, invoiceEventType.createResolver(writer));
        } catch (error) {
          // Unknown id: toRow says so (fatal). Unreachable registry: the stage retries prepare.
          if (!(error instanceof SchemaNotFoundError)) throw error;
        }
      }
    },
    toRow(record) {
      if (record.value === null) return null;
      const id = schemaIdOf(record.value);
      if (id === undefined) throw new Error('value is not Confluent-framed Avro');
      const resolver = resolvers.get(id);
      if (!resolver) throw new Error(`schema id ${id} is not in the registry`);
      const decoded = invoiceEventType.fromBuffer(record.value.subarray(5), resolver) as Record<string, unknown>;
      const row: DeltaRow = {};
      for (const f of EVENT_FIELDS) row[f.name] = cell(decoded[f.name], f.type);
      return row;
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
