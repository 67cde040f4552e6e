// Input deleted under the group: records the log drops (time retention on old timestamps,
// DeleteRecords) past the group's committed offset. The partition goes on at the log start, the
// loss is logged and reported, and the rest is processed. Before, the consumer asked for the gone
// offset forever: the task stalled with records waiting and the instance looked idle.
// Also here: a repartition topic an older version created with time retention (the way its records
// were deleted unread) gets infinite retention when the application starts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { KafkaStreams, createKafkaClient } from '../../src/runtime/index.ts';
import { testStack } from '../stack/env.ts';
import { eosTopics, eosTopology } from './chaos/eos-topology.ts';
import { topicConfigIndependently } from './support/live-outputs.ts';
import { committedTotal, createTopics, produceWorkload, waitForLag0 } from './chaos/workload.ts';

const PARTITIONS = 2;
const DELETED_PER_PARTITION = 20;

it('a partition whose unread records were deleted goes on at the log start and says how many were lost', { timeout: 120_000 }, async () => {
  const brokers = testStack().kafkaBrokers;
  const app = `rt-deleted-${Date.now()}`;
  const topics = eosTopics(app);
  const client = createKafkaClient({ brokers, clientId: app });
  const admin = await client.admin();
  await createTopics(admin, topics, PARTITIONS);
  const repartition = `${app}-by-group-repartition`;
  await admin.createTopics([{ name: repartition, partitions: PARTITIONS, configs: { 'retention.ms': '86400000' } }]);
  const stateDir = mkdtempSync(join(tmpdir(), 'rt-deleted-'));
  const consumed = [topics.data, `${app}-by-group-repartition`];
  const start = (observed: { warnings: Array<Record<string, unknown>>; resets: number[][] }): KafkaStreams =>
    new KafkaStreams(eosTopology(app, topics), {
      applicationId: app, client, guarantee: 'exactly_once', stateDir, deadLetterTopic: topics.dlq,
      log: (level, message, fields) => {
        if (level === 'warn' && message.startsWith('input records deleted')) observed.warnings.push(fields ?? {});
      },
      observer: { offsetReset: (_topic, partition, from, to) => observed.resets.push([partition, from, to]) },
    });
  try {
    // A first run commits the first records.
    await produceWorkload(brokers, topics.data, 0, 200, 10);
    const first = start({ warnings: [], resets: [] });
    await first.start();
    await waitForLag0(admin, app, consumed, 60_000);
    await first.close();
    // Read by a client that is not the one under test (librdkafka).
    expect((await topicConfigIndependently(brokers, repartition))['retention.ms']).toBe('-1');
    const committed = await admin.committedOffsets(app, topics.data);

    // While the group is down, more arrive and the first of them are deleted unread.
    await produceWorkload(brokers, topics.data, 200, 600, 10);
    const deleteTo = [...committed].map(([partition, offset]) => ({ topic: topics.data, partition, offset: offset + DELETED_PER_PARTITION }));
    await admin.deleteRecords?.(deleteTo);
    for (const { partition, offset } of deleteTo) expect((await admin.offsetRange(topics.data, partition)).low).toBe(offset);

    const observed = { warnings: [] as Array<Record<string, unknown>>, resets: [] as number[][] };
    const second = start(observed);
    await second.start();
    try {
      await waitForLag0(admin, app, consumed, 60_000);
    } finally {
      await second.close();
    }
    const ends = await admin.endOffsets(topics.data);
    expect(await committedTotal(admin, app, topics.data)).toBe([...ends.values()].reduce((a, b) => a + b, 0));
    expect(observed.resets.sort()).toEqual(deleteTo.map(({ partition, offset }) => [partition, offset - DELETED_PER_PARTITION, offset]).sort());
    expect(observed.warnings.map((w) => w.lost)).toEqual(deleteTo.map(() => DELETED_PER_PARTITION));
  } finally {
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
});
