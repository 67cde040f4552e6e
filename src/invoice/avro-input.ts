// Confluent-framed Avro input values (magic byte 0, 4-byte schema id, Avro body), accepted on the
// input topics when a Schema Registry is configured. Decoding is synchronous (validation is), so
// writer schemas are fetched ahead by `prepare`; the decoded record is turned into the JSON shape
// the JSON inputs have (decimals as text, timestamps RFC 3339, dates YYYY-MM-DD) and validated
// the same way.
import avro from 'avsc';
import { avroType, type SchemaRegistry } from '../engine/index.ts';
import { decimalText } from './avro.ts';
import { formatDate, formatTimestamp } from '../values/time.ts';

/** The result of decoding one framed value. */
export type AvroDecoded = { ok: true; value: unknown } | { ok: false; error: string };

type AvroSchemaNode = string | AvroSchemaNode[] | { type: AvroSchemaNode; logicalType?: string; scale?: number; fields?: Array<{ name: string; type: AvroSchemaNode }>; items?: AvroSchemaNode };

/** Whether a value is Confluent-framed (starts with the magic byte 0; JSON never does). */
export function isFramed(value: Uint8Array): boolean {
  return value.length > 0 && value[0] === 0;
}

/** Decodes framed Avro input values with writer schemas from a registry. */
export class AvroInputDecoder {
  readonly #registry: SchemaRegistry;
  readonly #types = new Map<number, { type: avro.Type; schema: AvroSchemaNode } | null>();

  constructor(registry: SchemaRegistry) {
    this.#registry = registry;
  }

  /** Fetches the writer schema of a framed value if not known yet (an unknown id is remembered as bad). */
  async prepare(value: Uint8Array | null): Promise<void> {
    if (!value || !isFramed(value) || value.length < 5) return;
    const id = Buffer.from(value.buffer, value.byteOffset, value.byteLength).readUInt32BE(1);
    if (this.#types.has(id)) return;
    try {
      const schema = JSON.parse(await this.#registry.getSchema(id)) as AvroSchemaNode;
      this.#types.set(id, { type: avroType(schema as avro.Schema), schema });
    } catch (error) {
      if ((error as Error).name !== 'SchemaNotFoundError') throw error;
      this.#types.set(id, null);
    }
  }

  /** Decodes a framed value into the JSON input shape, or says why its framing is bad. */
  decode(value: Uint8Array): AvroDecoded {
    if (value.length < 5) return { ok: false, error: 'framed value shorter than 5 bytes' };
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const id = bytes.readUInt32BE(1);
    const writer = this.#types.get(id);
    if (!writer) return { ok: false, error: `unknown schema id ${id}` };
    try {
      return { ok: true, value: toJsonShape(writer.type.fromBuffer(bytes.subarray(5)), writer.schema) };
    } catch (error) {
      return { ok: false, error: `invalid Avro body: ${(error as Error).message}` };
    }
  }
}

// Walks the value along its writer schema, turning logical types into their JSON spelling.
function toJsonShape(value: unknown, schema: AvroSchemaNode): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(schema)) {
    const branches = schema.filter((s) => s !== 'null');
    return branches.length === 1 ? toJsonShape(value, branches[0] as AvroSchemaNode) : value;
  }
  if (typeof schema === 'string') return Buffer.isBuffer(value) ? value.toString('utf8') : value;
  if (schema.logicalType === 'decimal' && Buffer.isBuffer(value)) return decimalText(value, schema.scale ?? 0);
  if (schema.logicalType === 'timestamp-micros' && typeof value === 'number') return formatTimestamp(value);
  if (schema.logicalType === 'timestamp-millis' && typeof value === 'number') return formatTimestamp(value * 1000);
  if (schema.logicalType === 'date' && typeof value === 'number') return formatDate(value);
  if (schema.fields && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const field of schema.fields) out[field.name] = toJsonShape((value as Record<string, unknown>)[field.name], field.type);
    return out;
  }
  if (schema.items !== undefined && Array.isArray(value)) return value.map((v) => toJsonShape(v, schema.items as AvroSchemaNode));
  if (typeof schema.type !== 'string' || ['record', 'array', 'map', 'enum', 'fixed'].includes(schema.type)) return value;
  return toJsonShape(value, schema.type);
}
