// Back-to-back transactions on one transactional producer, half of them with offsets only (a task
// whose commit carries no output records): AddOffsetsToTxn then comes right after the previous
// EndTxn, and the coordinator may answer CONCURRENT_TRANSACTIONS while it writes that
// transaction's markers. That answer is retriable; unretried, it failed the task and aborted its
// transaction in clean live runs (issue 17). Every transaction must commit.
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
});
