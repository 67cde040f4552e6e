// Avro in the Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary.
// Deserialization is synchronous (the Processor API is), so writer schemas are fetched ahead:
// the Kafka runtime calls `prepare(bytes)` for each polled record before processing the batch.
import avro from 'avsc';
import { DeserializationError, type Serde } from './api.ts';
import { SchemaNotFoundError, type SchemaRegistry } from './schema-registry.ts';

const MAGIC = 0;

/** An Avro serde bound to a registry; `prepare` must have seen each writer id before `deserialize`. */
export interface AvroSerde<T> extends Serde<T> {
  /** Fetches the writer schema of framed bytes if not cached yet; rejects only if the registry is unreachable. */
  prepare(data: Buffer | null): Promise<void>;
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
  const readerType = avro.Type.forSchema(schema);
  // Register the schema exactly as written: avsc's `Type#schema()` drops logical types it has no
  // implementation for (decimal, timestamp-micros, date), and the registry must govern those.
  const id = await registry.register(subject, JSON.stringify(schema));
  const resolvers = new Map<number, avro.Resolver | null>([[id, null]]);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return {
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
        const writerType = avro.Type.forSchema(JSON.parse(await registry.getSchema(writerId)) as avro.Schema);
        resolvers.set(writerId, readerType.createResolver(writerType));
      } catch (error) {
        // An id the registry does not know is bad input (dead-lettered as `unknown_schema`);
        // an unreachable registry is not: the caller retries.
        if (!(error instanceof SchemaNotFoundError)) throw error;
      }
    },
  };
}
