// Proves the test stack is real: topics, a consumer group, transactions (committed vs aborted as
// seen by read_committed and read_uncommitted consumers) and the Schema Registry's Confluent
// wire format and compatibility check.
import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, Partitioners, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testStack } from '../stack/env.ts';

const run = randomUUID().slice(0, 8);
const plainTopic = `stack-test-plain-${run}`;
const txTopic = `stack-test-tx-${run}`;
const avroTopic = `stack-test-avro-${run}`;

const invoiceV1 = {
  type: 'record',
  name: 'StackProbe',
  namespace: 'invoice_stream.test',
  fields: [
    { name: 'invoice_id', type: 'string' },
    { name: 'amount', type: 'string' },
  ],
};

let kafka: Kafka;

/** Values in order of first appearance (redeliveries dropped). */
function distinct(values: string[]): string[] {
  return [...new Set(values)];
}
const consumers: Consumer[] = [];

/** Consumes `topic` from the beginning in a fresh group until `done` holds or the time runs out. */
async function consumeUntil(
  topic: string,
  done: (values: string[]) => boolean,
  options: { readUncommitted?: boolean } = {},
): Promise<{ values: string[]; messages: KafkaMessage[] }> {
  const consumer = kafka.consumer({ groupId: `stack-test-${randomUUID()}`, readUncommitted: options.readUncommitted ?? false });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const messages: KafkaMessage[] = [];
  const values: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out consuming ${topic}; got ${JSON.stringify(values)}`)), 60_000);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          values.push(message.value?.toString('utf8') ?? '');
          if (done(values)) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { values, messages };
}

describe('test stack', () => {
  beforeAll(async () => {
    const { kafkaBrokers } = testStack();
    kafka = new Kafka({ clientId: 'stack-test', brokers: kafkaBrokers, logLevel: logLevel.WARN });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [plainTopic, txTopic, avroTopic].map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1 })),
    });
    await admin.disconnect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
    if (kafka === undefined) return;
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [plainTopic, txTopic, avroTopic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('created the topics with the requested partitions', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const metadata = await admin.fetchTopicMetadata({ topics: [plainTopic] });
    await admin.disconnect();
    expect(metadata.topics[0]?.partitions).toHaveLength(2);
  });

  it('produces and consumes through a consumer group', async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: plainTopic,
      acks: -1,
      messages: ['a', 'b', 'c'].map((value) => ({ key: `k-${value}`, value })),
    });
    await producer.disconnect();
    // A consumer group delivers at least once: a rebalance on a busy machine may hand a record
    // over twice, so compare the distinct values.
    const { values, messages } = await consumeUntil(plainTopic, (seen) => new Set(seen).size >= 3);
    expect(distinct(values).sort()).toEqual(['a', 'b', 'c']);
    expect(distinct(messages.map((m) => m.key?.toString() ?? '')).sort()).toEqual(['k-a', 'k-b', 'k-c']);
  });

  it('hides an aborted transaction from read_committed consumers only', async () => {
    const producer = kafka.producer({
      transactionalId: `stack-test-tx-${run}`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const committed = await producer.transaction();
    await committed.send({ topic: txTopic, messages: [{ key: 'k', value: 'committed' }] });
    await committed.commit();
    const aborted = await producer.transaction();
    await aborted.send({ topic: txTopic, messages: [{ key: 'k', value: 'aborted' }] });
    await aborted.abort();
    await producer.disconnect();
    // A non-transactional marker after the abort, on the same partition (same key): once a
    // consumer sees it, everything before it has been decided.
    const plain = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await plain.connect();
    await plain.send({ topic: txTopic, acks: -1, messages: [{ key: 'k', value: 'end' }] });
    await plain.disconnect();

    const readCommitted = await consumeUntil(txTopic, (seen) => seen.includes('end'));
    expect(distinct(readCommitted.values)).toEqual(['committed', 'end']);
    const readUncommitted = await consumeUntil(txTopic, (seen) => seen.includes('end'), { readUncommitted: true });
    expect(distinct(readUncommitted.values)).toEqual(['committed', 'aborted', 'end']);
  });

  it('round-trips a Confluent-framed Avro record through the Schema Registry', async () => {
    const { schemaRegistryUrl } = testStack();
    const registry = new SchemaRegistry({ host: schemaRegistryUrl });
    const subject = `${avroTopic}-value`;
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(invoiceV1) }, { subject });
    expect(await registry.getLatestSchemaId(subject)).toBe(id);
    expect(await registry.getSchema(id)).toBeDefined();

    const payload = { invoice_id: 'inv_o-1', amount: '4750.00' };
    const encoded = await registry.encode(id, payload);
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: avroTopic, acks: -1, messages: [{ key: payload.invoice_id, value: encoded }] });
    await producer.disconnect();
    const { messages } = await consumeUntil(avroTopic, (seen) => seen.length >= 1);
    const value = messages[0]?.value;
    if (!value) throw new Error('no record consumed');
    expect(value.readInt32BE(1)).toBe(id);
    // A fresh client has no cache: decoding must fetch the schema by id from the registry.
    expect(await new SchemaRegistry({ host: schemaRegistryUrl }).decode(value)).toEqual(payload);
  });

  it('answers compatibility checks: a new required field is rejected, an optional one accepted', async () => {
    const { schemaRegistryUrl } = testStack();
    const subject = `${avroTopic}-compat-value`;
    const registry = new SchemaRegistry({ host: schemaRegistryUrl });
    await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(invoiceV1) }, { subject });

    const check = async (schema: object): Promise<boolean> => {
      const url = `${schemaRegistryUrl}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest`;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ schema: JSON.stringify(schema) }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { is_compatible: boolean };
      return body.is_compatible;
    };
    const required = { ...invoiceV1, fields: [...invoiceV1.fields, { name: 'currency', type: 'string' }] };
    const optional = { ...invoiceV1, fields: [...invoiceV1.fields, { name: 'currency', type: ['null', 'string'], default: null }] };
    expect(await check(required)).toBe(false);
    expect(await check(optional)).toBe(true);

    const config = await fetch(`${schemaRegistryUrl}/config/${encodeURIComponent(subject)}`);
    expect(config.status).toBe(200);
    expect(((await config.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('BACKWARD');
  });
});
