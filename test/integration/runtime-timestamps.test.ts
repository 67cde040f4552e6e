// The runtime's record batches read back by librdkafka. Record timestamps far from their batch's first, produced in ONE send
// to one partition (so in one record batch) and read back by librdkafka: each must be the
// timestamp given. @platformatic/dynamic-buffer 0.3.1 writes a delta of 2^31 ms or more wrong
// (an overdue at 07-02 in a batch that began 05-24 was stored as 04-15); the runtime's own record
// batch encoder (src/runtime/client/platformatic/record-batch.ts) writes them exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient, partitionForKey, type KafkaClient } from '../../src/runtime/index.ts';
import type { OutgoingRecord, RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { testStack } from '../stack/env.ts';
import { readCommittedIndependently } from './support/live-outputs.ts';

const STAMPS = [
  Date.parse('2026-05-24T01:02:06.894Z'),
  Date.parse('2026-07-02T01:04:15.182Z'), // 39 days on: 2^31 ms is 24.9 days
  Date.parse('2026-03-13T00:40:42.374Z'), // and back, as a task fed by upstream tasks weeks apart
  Date.parse('0001-01-01T10:00:00.000Z'),
  Date.parse('9999-12-31T23:59:59.999Z'),
  0,
];

describe('the runtime\'s producers, read back by librdkafka', () => {
  const run = `timestamps-${Date.now()}`;
  let admin: RuntimeAdmin;
  let client: KafkaClient;

  beforeAll(async () => {
    client = createKafkaClient({ brokers: testStack().kafkaBrokers, clientId: run });
    admin = await client.admin();
    // retention.ms -1: these timestamps are years old, and time retention would delete them.
    await admin.createTopics([
      { name: `${run}-txn`, partitions: 1, configs: { 'retention.ms': '-1' } },
      { name: `${run}-idem`, partitions: 1, configs: { 'retention.ms': '-1' } },
      { name: `${run}-big`, partitions: 3 },
    ]);
  });

  afterAll(async () => {
    await admin?.deleteTopics([`${run}-txn`, `${run}-idem`, `${run}-big`]).catch(() => undefined);
    await admin?.close();
  });

  const records = (topic: string): OutgoingRecord[] => STAMPS.map((timestamp, i) => ({ topic, partition: 0, key: Buffer.from(`k${i}`), value: Buffer.from(String(timestamp)), timestamp }));

  it('stores each as sent, from the transactional and the idempotent producer', async () => {
    const txn = client.transactionalProducer(`${run}-producer`, 60_000);
    await txn.init();
    try {
      await txn.begin();
      await txn.send(records(`${run}-txn`));
      await txn.commit();
    } finally {
      await txn.close();
    }
    const idempotent = await client.producer();
    try {
      await idempotent.send(records(`${run}-idem`));
    } finally {
      await idempotent.close();
    }
    const read = await readCommittedIndependently(testStack().kafkaBrokers, [`${run}-txn`, `${run}-idem`]);
    for (const topic of [`${run}-txn`, `${run}-idem`]) {
      const got = read.get(topic) ?? [];
      expect(got.map((r) => r.value?.toString())).toEqual(STAMPS.map(String));
      expect(got.map((r) => r.timestamp)).toEqual(STAMPS);
    }
  });

  it('sends more than one batch holds to a partition in order, keyed records where Java\'s partitioner puts them, across sends and transactions', async () => {
    const topic = `${run}-big`;
    // 3 MiB to partition 0 in one send: four batches under the 1 MiB message limit, one after the other.
    const big = Array.from({ length: 60 }, (_, i): OutgoingRecord => ({ topic, partition: 0, key: null, value: Buffer.alloc(50 * 1024, i), headers: { n: String(i) } }));
    const keyed = (from: number) => Array.from({ length: 200 }, (_, i): OutgoingRecord => ({ topic, key: Buffer.from(`key-${from + i}`), value: Buffer.from(String(from + i)) }));
    const txn = client.transactionalProducer(`${run}-big-producer`, 60_000);
    await txn.init();
    try {
      await txn.begin();
      await txn.send([...big, ...keyed(0)]);
      await txn.send(keyed(200)); // same transaction: sequences go on
      await txn.commit();
      await txn.begin();
      await txn.send(keyed(400));
      await txn.commit();
    } finally {
      await txn.close();
    }
    const got = (await readCommittedIndependently(testStack().kafkaBrokers, [topic])).get(topic) ?? [];
    const large = got.filter((r) => r.key === null);
    expect(large.map((r) => r.headers.n?.toString())).toEqual(big.map((_, i) => String(i)));
    expect(large.every((r, i) => r.partition === 0 && r.value?.equals(big[i]!.value as Buffer))).toBe(true);
    const small = got.filter((r) => r.key !== null);
    expect(small).toHaveLength(600);
    for (const r of small) expect(r.partition).toBe(partitionForKey(r.key!.toString(), 3));
    for (let p = 0; p < 3; p++) {
      const values = small.filter((r) => r.partition === p).map((r) => Number(r.value?.toString()));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });
});
