// Back-pressure from outside: a paused task's partitions are not fetched until resumed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { KafkaStreams, createKafkaClient } from '../../src/runtime/index.ts';
import { testStack } from '../stack/env.ts';
import { eosTopics, eosTopology } from './chaos/eos-topology.ts';
import { committedTotal, createTopics, produceWorkload, verify, waitForLag0 } from './chaos/workload.ts';

it('pauses and resumes a task', async () => {
  const brokers = testStack().kafkaBrokers;
  const app = `rt-pause-${Date.now()}`;
  const topics = eosTopics(app);
  const client = createKafkaClient({ brokers, clientId: app });
  const admin = await client.admin();
  await createTopics(admin, topics, 2);
  const stateDir = mkdtempSync(join(tmpdir(), 'rt-pause-'));
  const streams = new KafkaStreams(eosTopology(app, topics), { applicationId: app, client, guarantee: 'exactly_once', stateDir, deadLetterTopic: topics.dlq });
  await streams.start();
  try {
    await new Promise((r) => setTimeout(r, 1_000));
    streams.pauseTask('0_0');
    streams.pauseTask('0_1');
    await produceWorkload(brokers, topics.data, 0, 500, 10);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await committedTotal(admin, app, topics.data)).toBe(0);
    streams.resumeTask('0_0');
    streams.resumeTask('0_1');
    await waitForLag0(admin, app, [topics.data, `${app}-by-group-repartition`], 60_000);
  } finally {
    await streams.close();
  }
  expect(await verify(brokers, admin, topics, 500, 10)).toMatchObject({ missing: 0, duplicated: 0, wrongSums: [], wrongCounts: [] });
  await admin.close();
  rmSync(stateDir, { recursive: true, force: true });
});
