// Avro in the Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary.
// Deserialization is synchronous (the Processor API is), so writer schemas are fetched ahead:
// the Kafka runtime calls `prepare(bytes)` for each polled record before processing the batch.
import avro from 'avsc';
import { DeserializationError, type Serde } from './api.ts';
import { SchemaNotFoundError, type SchemaRegistry } from './schema-registry.ts';

const MAGIC = 0;

/** An Avro serde bound to a registry; `prepare` must have seen each writer id before `deserialize`. */
export interface AvroSerde<T> extends Serde<T> {
  /**
   * What every serialized value starts with: the magic byte and the id of the schema registered
   * under the subject. For a hand-written encoder of the same schema that frames its own bytes.
   */
  readonly framing: Buffer;
  /** Fetches the writer schema of framed bytes if not cached yet; rejects only if the registry is unreachable. */
  prepare(data: Buffer | null): Promise<void>;
}

/**
 * Avro `long` for every integer a double holds, not only the safe ones. avsc's own long refuses
 * |n| > 2^53 and, in 5.7.9, drops the sign of -2^53 < n < -2^52: a `timestamp-micros` before
 * 1827-04-16 came out as a date after 2112, and one before 1685 or after 2255 threw in the
 * serializer (the live task failed on the same record forever), while the contract accepts any
 * year 0000-9999. Through 64-bit two's complement instead; one scratch buffer, read at once by avsc.
 */
const SCRATCH = Buffer.alloc(8);
const TWO_63 = 2 ** 63;
const EXACT_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => Number(buf.readBigInt64LE(0)),
  toBuffer: (n: number) => {
    SCRATCH.writeBigInt64LE(BigInt(n), 0);
    return SCRATCH;
  },
  fromJSON: (json: unknown) => Number(json),
  toJSON: (n: number) => n,
  isValid: (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= -TWO_63 && n < TWO_63,
  compare: (a: number, b: number) => (a === b ? 0 : a < b ? -1 : 1),
});

/** An avsc type of `schema` whose longs are exact (every Avro type of the project is built here). */
export function avroType(schema: avro.Schema): avro.Type {
  return avro.Type.forSchema(longsByName(schema) as avro.Schema, { registry: { long: EXACT_LONG } });
}

/**
 * The schema with every `{"type": "long", ...}` written as `"long"`: avsc looks a registry type up
 * by name only. What goes is a logical type avsc does not implement (`timestamp-micros`): it read
 * those as plain longs already, and the registry keeps the schema as written.
 */
function longsByName(type: unknown): unknown {
  if (Array.isArray(type)) return type.map(longsByName); // a union
  if (type === null || typeof type !== 'object') return type; // a name
  const o = type as Record<string, unknown>;
  if (o.type === 'long') return 'long';
  const out: Record<string, unknown> = { ...o };
  if (Array.isArray(o.fields)) out.fields = o.fields.map((f: Record<string, unknown>) => ({ ...f, type: longsByName(f.type) }));
  if (o.items !== undefined) out.items = longsByName(o.items);
  if (o.values !== undefined) out.values = longsByName(o.values);
  return out;
}

/** The schema id of Confluent-framed bytes, or undefined if they are not framed. */
export function schemaIdOf(data: Buffer): number | undefined {
  return data.length >= 5 && data[0] === MAGIC ? data.readUInt32BE(1) : undefined;
}

/**
 * Avro serde: serializes with `schema` (registered under `subject`), deserializes any registered
 * writer schema, resolved to `schema` (the reader schema) so old records read as the new shape.
 */
export async function avroSerde<T>(registry: SchemaRegistry, subject: string, schema: avro.Schema): Promise<AvroSerde<T>> {
  const readerType = avroType(schema);
  // Register the schema exactly as written: avsc's `Type#schema()` drops logical types it has no
  // implementation for (decimal, timestamp-micros, date), and the registry must govern those.
  const id = await registry.register(subject, JSON.stringify(schema));
  const resolvers = new Map<number, avro.Resolver | null>([[id, null]]);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return {
    framing: header,
    serialize: (_topic, data) => (data === null ? null : Buffer.concat([header, readerType.toBuffer(data)])),
    deserialize: (_topic, data) => {
      if (data === null) return null as T;
      const writerId = schemaIdOf(data);
      if (writerId === undefined) throw new DeserializationError('not_avro', 'value is not in the Confluent Avro wire format', data);
      const resolver = resolvers.get(writerId);
      if (resolver === undefined) throw new DeserializationError('unknown_schema', `schema id ${writerId} was not prepared (or is not in the registry)`, data);
      try {
        return readerType.fromBuffer(data.subarray(5), resolver ?? undefined) as T;
      } catch (error) {
        throw new DeserializationError('invalid_avro', error instanceof Error ? error.message : String(error), data, { cause: error });
      }
    },
    prepare: async (data) => {
      const writerId = data ? schemaIdOf(data) : undefined;
      if (writerId === undefined || resolvers.has(writerId)) return;
      try {
        const writerType = avroType(JSON.parse(await registry.getSchema(writerId)) as avro.Schema);
        resolvers.set(writerId, readerType.createResolver(writerType));
      } catch (error) {
        // An id the registry does not know is bad input (dead-lettered as `unknown_schema`);
        // an unreachable registry is not: the caller retries.
        if (!(error instanceof SchemaNotFoundError)) throw error;
      }
    },
  };
}
