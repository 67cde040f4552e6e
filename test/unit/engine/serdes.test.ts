import type avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { zigzagVarintHex } from '../support/avro-long.ts';
import { z } from 'zod';
import { DeserializationError } from '../../../src/engine/serdes/api.ts';
import { avroSerde, schemaIdOf } from '../../../src/engine/serdes/avro.ts';
import { InMemorySchemaRegistry } from '../../../src/engine/serdes/schema-registry.ts';
import { ByteReader } from '../../../src/engine/serdes/byte-reader.ts';
import { ByteWriter } from '../../../src/engine/serdes/byte-writer.ts';
import { bytesSerde, stringSerde } from '../../../src/engine/serdes/string.ts';
import { zodJsonResultDeserializer, zodJsonSerde } from '../../../src/engine/serdes/zod-json.ts';
import { StreamsBuilder } from '../../../src/engine/dsl/streams-builder.ts';
import { TopologyTestDriver } from '../../../src/engine/testing/topology-test-driver.ts';
import { failOnDeserializationError } from '../../../src/engine/processor/internals/deserialization.ts';

const Event = z.object({ id: z.string(), amount: z.string().regex(/^\d+\.\d{2}$/) });

describe('string and bytes serdes', () => {
  it('round-trip and keep null', () => {
    const s = stringSerde();
    expect(s.deserialize('t', s.serialize('t', 'héllo'))).toBe('héllo');
    expect(s.serialize('t', null)).toBeNull();
    const b = bytesSerde();
    expect(b.deserialize('t', Buffer.from([1]))).toEqual(Buffer.from([1]));
  });
});

describe('zod JSON serde', () => {
  const serde = zodJsonSerde(Event);
  it('returns the typed value', () => {
    expect(serde.deserialize('t', Buffer.from('{"id":"e1","amount":"4.50","extra":1}'))).toEqual({ id: 'e1', amount: '4.50' });
  });
  it('rejects invalid JSON and schema violations with the original bytes', () => {
    const bad = Buffer.from('{oops');
    const e1 = (() => {
      try {
        serde.deserialize('t', bad);
      } catch (e) {
        return e;
      }
    })() as DeserializationError;
    expect(e1).toBeInstanceOf(DeserializationError);
    expect(e1.reason).toBe('invalid_json');
    expect(e1.bytes).toBe(bad);
    const result = zodJsonResultDeserializer(Event).deserialize('t', Buffer.from('{"id":"e1","amount":4.5}'));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.reason).toBe('schema_violation');
      expect(result.error.message).toContain('amount');
      expect(result.error.bytes?.toString()).toBe('{"id":"e1","amount":4.5}');
    }
  });
});

describe('Avro serde (Confluent wire format)', () => {
  const v1: avro.Schema = { type: 'record', name: 'Ev', fields: [{ name: 'id', type: 'string' }] };
  const v2: avro.Schema = { type: 'record', name: 'Ev', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'int', default: 7 }] };

  it('frames with magic byte and schema id, and round-trips', async () => {
    const registry = new InMemorySchemaRegistry();
    const serde = await avroSerde<{ id: string }>(registry, 'ev-value', v1);
    const bytes = serde.serialize('t', { id: 'x' }) as Buffer;
    expect(bytes[0]).toBe(0);
    expect(schemaIdOf(bytes)).toBe(1);
    expect(serde.deserialize('t', bytes)).toEqual({ id: 'x' });
  });

  it('registers the schema as written, logical types included', async () => {
    const registry = new InMemorySchemaRegistry();
    const schema: avro.Schema = {
      type: 'record', name: 'Paid', fields: [
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 38, scale: 4 } },
      ],
    };
    const serde = await avroSerde<{ at: number; amount: Buffer }>(registry, 'paid-value', schema);
    const framed = serde.serialize('paid', { at: 1, amount: Buffer.from([1]) });
    const registered = JSON.parse(await registry.getSchema(schemaIdOf(framed as Buffer) as number)) as typeof schema;
    expect(registered).toEqual(schema);
  });

  it('reads old writer schemas through the reader schema once prepared', async () => {
    const registry = new InMemorySchemaRegistry();
    const oldBytes = (await avroSerde<{ id: string }>(registry, 'ev-value', v1)).serialize('t', { id: 'old' }) as Buffer;
    const reader = await avroSerde<{ id: string; n: number }>(registry, 'ev-value', v2);
    expect(() => reader.deserialize('t', oldBytes)).toThrow(/not prepared/);
    await reader.prepare(oldBytes);
    expect(reader.deserialize('t', oldBytes)).toEqual({ id: 'old', n: 7 });
  });

  it('reports unknown ids and unframed bytes as deserialization errors', async () => {
    const serde = await avroSerde(new InMemorySchemaRegistry(), 's', v1);
    const unknown = Buffer.from([0, 0, 0, 0, 99, 2, 0x61]);
    await serde.prepare(unknown);
    expect(() => serde.deserialize('t', unknown)).toThrow(expect.objectContaining({ reason: 'unknown_schema' }));
    expect(() => serde.deserialize('t', Buffer.from('{}'))).toThrow(expect.objectContaining({ reason: 'not_avro' }));
  });
});

describe('deserialization exception handling', () => {
  function topology() {
    const b = new StreamsBuilder({ applicationId: 'app' });
    b.stream('in', { valueDeserializer: zodJsonSerde(Event) }).mapValues((v) => v.id).to('out');
    return b.build();
  }

  it('dead-letters the original bytes with the contract headers and continues', () => {
    const driver = new TopologyTestDriver(topology());
    const input = driver.createInputTopic<null, Buffer>('in');
    input.pipeRecord({ key: null, value: Buffer.from('not json'), timestamp: 5, offset: 17 });
    input.pipeRecord({ key: null, value: Buffer.from('{"id":"ok","amount":"1.00"}'), timestamp: 6 });
    const dlq = driver.createOutputTopic<null, Buffer>('dlq').readRecordsToList();
    expect(dlq).toHaveLength(1);
    expect(dlq[0]?.value.toString()).toBe('not json');
    expect(dlq[0]?.headers).toMatchObject({
      'dlq.reason': 'invalid_json',
      'dlq.source.topic': 'in',
      'dlq.source.partition': '0',
      'dlq.source.offset': '17',
    });
    expect(String(dlq[0]?.headers?.['dlq.error'])).toMatch(/JSON/);
    expect(driver.createOutputTopic('out').readValuesToList()).toEqual(['ok']);
  });

  it('can fail instead', () => {
    const driver = new TopologyTestDriver(topology(), { onDeserializationError: failOnDeserializationError });
    expect(() => driver.createInputTopic<null, Buffer>('in').pipeInput(null, Buffer.from('x'))).toThrow(DeserializationError);
  });
});

describe('Avro longs past ±2^52 (timestamp-micros of years 0001-9999)', () => {
  const schema = {
    type: 'record', name: 'Stamped',
    fields: [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } }, { name: 'maybe', type: ['null', 'long'] }, { name: 'many', type: { type: 'array', items: 'long' } }],
  } as unknown as avro.Schema;
  const varint = zigzagVarintHex;

  it.each([
    ['0001-01-01T00:00:00Z', -62135596800000000],
    ['1827-04-15T00:00:00Z, below -2^52', -(2 ** 52) - 4096],
    ['9999-12-31T23:59:59Z', 253402300799000000],
    ['the epoch', 0],
  ])('%s: exact bytes, read back the same, through the serde the live pipeline uses', async (_what, micros) => {
    const serde = await avroSerde<{ at: number; maybe: number | null; many: number[] }>(new InMemorySchemaRegistry(), 's-value', schema);
    const negated = micros === 0 ? 0 : -micros; // not -0, which reads back as 0
    const value = { at: micros, maybe: micros, many: [micros, negated] };
    const bytes = serde.serialize('t', value) as Buffer;
    const body = bytes.subarray(5).toString('hex');
    expect(body).toBe(varint(BigInt(micros)) + '02' + varint(BigInt(micros)) + '04' + varint(BigInt(micros)) + varint(BigInt(negated)) + '00');
    await serde.prepare(bytes);
    expect(serde.deserialize('t', bytes)).toEqual(value);
  });

  it('refuses a long that is not an integer (the serializer does not round)', async () => {
    const serde = await avroSerde<{ at: number; maybe: null; many: number[] }>(new InMemorySchemaRegistry(), 's-value', schema);
    expect(() => serde.serialize('t', { at: 1.5, maybe: null, many: [] })).toThrow(/invalid/);
  });
});

describe('ByteReader reads what ByteWriter writes', () => {
  it('zigzag varints below ±2^52, strings ASCII and not, and says what it was reading when cut short', () => {
    const numbers = [0, -1, 1, 63, -64, 64, 2 ** 31, -(2 ** 31) - 1, 2 ** 52 - 1, -(2 ** 52) + 1];
    const strings = ['', 'inv_000123', 'é€😀'.repeat(30), 'x'.repeat(200)];
    const w = new ByteWriter(16);
    for (const n of numbers) w.zigzag(n);
    for (const s of strings) w.string(s);
    const bytes = Buffer.from(w.view());
    const r = new ByteReader('test format');
    r.reset(bytes);
    expect(numbers.map(() => r.zigzag())).toEqual(numbers);
    expect(strings.map(() => r.string())).toEqual(strings);
    expect(r.pos).toBe(bytes.length);
    r.reset(bytes.subarray(0, bytes.length - 1), bytes.length - 202); // the last string: 2 bytes of length, 200 of text
    expect(() => r.string()).toThrow('test format: truncated');
    r.reset(Buffer.alloc(11, 0xff));
    expect(() => r.zigzag()).toThrow('test format: varint longer than 10 bytes');
  });
});
