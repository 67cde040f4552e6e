// Static membership (KIP-345) across a graceful restart: a member with a group.instance.id that
// stops cleanly and comes back within the session timeout takes its partitions again in the same
// generation (no rebalance), as Java's consumer does; a dynamic member's stop is a rebalance.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { KafkaStreams, createKafkaClient } from '../../src/runtime/index.ts';
import { testStack } from '../stack/env.ts';
import { eosTopics, eosTopology } from './chaos/eos-topology.ts';
import { createTopics, produceWorkload, waitForLag0 } from './chaos/workload.ts';

/** Starts an instance, waits until it caught up, stops it gracefully; returns the generation it was assigned in. */
async function runOnce(app: string, stateDir: string, groupInstanceId: string | undefined): Promise<number> {
  const brokers = testStack().kafkaBrokers;
  const topics = eosTopics(app);
  const client = createKafkaClient({ brokers, clientId: app });
  const admin = await client.admin();
  const generations: number[] = [];
  const streams = new KafkaStreams(eosTopology(app, topics), {
    applicationId: app, client, guarantee: 'exactly_once', stateDir, deadLetterTopic: topics.dlq, instanceId: 'i-0',
    ...(groupInstanceId ? { groupInstanceId } : {}),
    log: (_level, message, fields) => {
      if (message === 'assignment') generations.push(Number(fields?.generation));
    },
  });
  await streams.start();
  try {
    await waitForLag0(admin, app, [topics.data, `${app}-by-group-repartition`], 60_000);
  } finally {
    await streams.close();
    await admin.close();
  }
  expect(generations.length).toBeGreaterThan(0);
  return generations.at(-1) as number;
}

it.each([
  { membership: 'static', groupInstanceId: 'invoice-stream-0', sameGeneration: true },
  { membership: 'dynamic', groupInstanceId: undefined, sameGeneration: false },
])('a $membership member restarted gracefully: same generation = $sameGeneration', { timeout: 120_000 }, async ({ groupInstanceId, sameGeneration }) => {
  const brokers = testStack().kafkaBrokers;
  const app = `rt-static-${groupInstanceId ? 's' : 'd'}-${Date.now()}`;
  const topics = eosTopics(app);
  const admin = await createKafkaClient({ brokers, clientId: app }).admin();
  await createTopics(admin, topics, 2);
  await admin.close();
  const stateDir = mkdtempSync(join(tmpdir(), 'rt-static-'));
  try {
    await produceWorkload(brokers, topics.data, 0, 100, 10);
    const first = await runOnce(app, stateDir, groupInstanceId);
    await produceWorkload(brokers, topics.data, 100, 200, 10);
    const second = await runOnce(app, stateDir, groupInstanceId);
    expect(second === first, `generations ${first} then ${second}`).toBe(sameGeneration);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
});
