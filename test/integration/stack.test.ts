// Proves the test stack is real: topics, a consumer group, transactions (committed vs aborted as
// seen by read_committed and read_uncommitted consumers) and the Schema Registry's Confluent
// wire format and compatibility check. Kafka is driven through the runtime's own client
// (src/runtime/client/api.ts); read_committed is also checked with librdkafka, independent of it.
import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient } from '../../src/runtime/client/select.ts';
import type { ConsumedRecord, GroupConsumer, KafkaClient, OutgoingRecord, RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { roundRobinAssignor } from '../../src/connect/assignor.ts';
import { testStack } from '../stack/env.ts';
import { readCommittedIndependently } from './support/live-outputs.ts';

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

let client: KafkaClient;
let admin: RuntimeAdmin;

/** Values in order of first appearance (redeliveries dropped). */
function distinct(values: string[]): string[] {
  return [...new Set(values)];
}
const consumers: GroupConsumer[] = [];

/** Produces with the idempotent producer (acks=all); a key picks the partition (murmur2). */
async function produce(topic: string, records: Array<{ key: string; value: Buffer | string }>): Promise<void> {
  const producer = await client.producer();
  try {
    await producer.send(records.map((r): OutgoingRecord => ({ topic, key: Buffer.from(r.key), value: Buffer.from(r.value) })));
  } finally {
    await producer.close();
  }
}

/**
 * Consumes `topic` from the beginning in a fresh group until `done` holds or the time runs out,
 * committing each batch. Returns the group id with what was read.
 */
async function consumeUntil(
  topic: string,
  done: (values: string[]) => boolean,
  options: { readUncommitted?: boolean } = {},
): Promise<{ groupId: string; values: string[]; records: ConsumedRecord[] }> {
  const groupId = `stack-test-${randomUUID()}`;
  const consumer = client.groupConsumer({ groupId, topics: [topic], assignor: roundRobinAssignor, readUncommitted: options.readUncommitted ?? false, maxWaitTimeMs: 100 });
  consumers.push(consumer);
  const records: ConsumedRecord[] = [];
  const values: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out consuming ${topic}; got ${JSON.stringify(values)}`)), 60_000);
      const fail = (error: unknown): void => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      };
      consumer
        .run({
          onAssigned: () => undefined,
          onSkipped: () => undefined,
          onCrash: fail,
          onBatch: async (batch) => {
            for (const record of batch.records) {
              records.push(record);
              values.push(record.value?.toString('utf8') ?? '');
            }
            await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: batch.nextOffset }]);
            if (done(values)) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(fail);
    });
  } finally {
    await consumer.close();
  }
  return { groupId, values, records };
}

describe('test stack', () => {
  beforeAll(async () => {
    const { kafkaBrokers } = testStack();
    client = createKafkaClient({ brokers: kafkaBrokers, clientId: 'stack-test' });
    admin = await client.admin();
    await admin.createTopics([plainTopic, txTopic, avroTopic].map((name) => ({ name, partitions: 2, replicationFactor: 1 })));
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.close().catch(() => undefined)));
    if (admin === undefined) return;
    await admin.deleteTopics([plainTopic, txTopic, avroTopic]).catch(() => undefined);
    await admin.close();
  });

  it('created the topics with the requested partitions', async () => {
    expect((await admin.partitionCounts([plainTopic])).get(plainTopic)).toBe(2);
    // Topics are looked up by name (a Metadata request for them alone): a missing one is absent,
    // creating an existing one again changes nothing, deleting a missing one is no error.
    const missing = `${plainTopic}-never-created`;
    expect([...(await admin.partitionCounts([plainTopic, missing])).keys()]).toEqual([plainTopic]);
    await admin.createTopics([{ name: plainTopic, partitions: 5 }]);
    expect((await admin.partitionCounts([plainTopic])).get(plainTopic)).toBe(2);
    await admin.deleteTopics([missing]);
  });

  it('produces and consumes through a consumer group', async () => {
    await produce(plainTopic, ['a', 'b', 'c'].map((value) => ({ key: `k-${value}`, value })));
    // A consumer group delivers at least once: a rebalance on a busy machine may hand a record
    // over twice, so compare the distinct values.
    const { groupId, values, records } = await consumeUntil(plainTopic, (seen) => new Set(seen).size >= 3);
    expect(distinct(values).sort()).toEqual(['a', 'b', 'c']);
    expect(distinct(records.map((r) => r.key?.toString() ?? '')).sort()).toEqual(['k-a', 'k-b', 'k-c']);
    // The group committed what it read (OffsetCommit, OffsetFetch).
    expect([...(await admin.committedOffsets(groupId, plainTopic)).values()].reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('hides an aborted transaction from read_committed consumers only', async () => {
    const producer = client.transactionalProducer(`stack-test-tx-${run}`);
    await producer.init();
    await producer.begin();
    await producer.send([{ topic: txTopic, key: Buffer.from('k'), value: Buffer.from('committed') }]);
    await producer.commit();
    await producer.begin();
    await producer.send([{ topic: txTopic, key: Buffer.from('k'), value: Buffer.from('aborted') }]);
    await producer.abort();
    await producer.close();
    // A non-transactional marker after the abort, on the same partition (same key): once a
    // consumer sees it, everything before it has been decided.
    await produce(txTopic, [{ key: 'k', value: 'end' }]);

    const readCommitted = await consumeUntil(txTopic, (seen) => seen.includes('end'));
    expect(distinct(readCommitted.values)).toEqual(['committed', 'end']);
    const readUncommitted = await consumeUntil(txTopic, (seen) => seen.includes('end'), { readUncommitted: true });
    expect(distinct(readUncommitted.values)).toEqual(['committed', 'aborted', 'end']);
    // The same, read_committed, by a client that is not the project's (librdkafka).
    const independent = (await readCommittedIndependently(testStack().kafkaBrokers, [txTopic])).get(txTopic) ?? [];
    expect(independent.map((r) => r.value?.toString('utf8'))).toEqual(['committed', 'end']);
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

    await produce(avroTopic, [{ key: payload.invoice_id, value: encoded }]);
    const { records } = await consumeUntil(avroTopic, (seen) => seen.length >= 1);
    const value = records[0]?.value;
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
