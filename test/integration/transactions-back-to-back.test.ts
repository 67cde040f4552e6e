// Back-to-back transactions on one transactional producer, half of them with offsets only (a task
// whose commit carries no output records): AddOffsetsToTxn then comes right after the previous
// EndTxn, and the coordinator may answer CONCURRENT_TRANSACTIONS while it writes that
// transaction's markers. That answer is retriable; unretried, it failed the task and aborted its
// transaction in clean live runs (issue 17). Every transaction must commit.
import { Producer } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient, type KafkaClient } from '../../src/runtime/index.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { testStack } from '../stack/env.ts';

describe('transactional producer: back-to-back commits', () => {
  const run = `txn-b2b-${Date.now()}`;
  let admin: RuntimeAdmin;
  let client: KafkaClient;

  beforeAll(async () => {
    client = createKafkaClient({ brokers: testStack().kafkaBrokers, clientId: run });
    admin = await client.admin();
    await admin.createTopics([{ name: run, partitions: 1 }]);
  });

  afterAll(async () => {
    await admin?.deleteTopics([run]).catch(() => undefined);
    await admin?.close();
  });

  it('commits 150 transactions in a row, records or offsets only, none failing', async () => {
    const producer = client.transactionalProducer(`${run}-producer`, 60_000);
    await producer.init();
    try {
      for (let i = 1; i <= 150; i++) {
        await producer.begin();
        if (i % 2 === 1) await producer.send([{ topic: run, partition: 0, key: null, value: Buffer.from(String(i)) }]);
        // A group with no members: no generation to check (generation -1, no member id).
        await producer.sendOffsets({ groupId: `${run}-group`, generationId: -1, memberId: '' }, [{ topic: run, partition: 0, offset: i }]);
        await producer.commit();
      }
    } finally {
      await producer.close();
    }
    expect((await admin.committedOffsets(`${run}-group`, run)).get(0)).toBe(150);
    // 75 records, each with its transaction's commit marker (offsets-only transactions write none here).
    expect((await admin.offsetRange(run, 0)).high).toBe(75 + 75);
  });

  // An aborted transaction that wrote nothing to a partition still leaves its ABORT marker there
  // (the partition was added to the transaction), with no entry in the broker's aborted list.
  // @platformatic/kafka's own read_committed filter takes, per producer, the first aborted offset
  // to the *last* ABORT marker as one range, so it dropped the committed transaction in between:
  // a chaos run's verifier lost 39,060 committed records that way, and restoration reads the same
  // path. The runtime fetches raw batches and filters them itself (raw-fetch.ts, fetched.ts).
  it('keeps a committed transaction between an aborted one and a marker-only abort of the same producer', async () => {
    const topic = `${run}-markers`;
    await admin.createTopics([{ name: topic, partitions: 2 }]);
    // The client's own producer: the runtime's never adds a partition without writing to it.
    const producer = new Producer({ clientId: `${run}-markers`, bootstrapBrokers: testStack().kafkaBrokers, transactionalId: `${run}-markers`, idempotent: true, producerId: -1n, producerEpoch: -1 });
    const send = (t: Awaited<ReturnType<Producer['beginTransaction']>>, partition: number, value: string) => t.send({ messages: [{ topic, partition, value: Buffer.from(value) }] });
    try {
      let t = await producer.beginTransaction();
      await send(t, 0, 'aborted-1');
      await t.abort();
      t = await producer.beginTransaction();
      await send(t, 0, 'committed-1');
      await t.commit();
      t = await producer.beginTransaction();
      await t.addPartitions(await producer.metadata({ topics: [topic] }), [{ topic, partition: 0, value: Buffer.alloc(0) }]);
      await send(t, 1, 'aborted-2');
      await t.abort();
      t = await producer.beginTransaction();
      await send(t, 0, 'committed-2');
      await t.commit();
    } finally {
      await producer.close();
    }
    const reader = await client.partitionReader();
    const read: string[] = [];
    try {
      await reader.read(topic, 0, 0, (await admin.offsetRange(topic, 0)).high, (records) => {
        for (const r of records) read.push(String(r.value));
      });
    } finally {
      await reader.close();
    }
    expect(read).toEqual(['committed-1', 'committed-2']);
  });
});
