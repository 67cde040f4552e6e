// The state cleaner runs while the instance does (stateCleanupIntervalMs), not only at start: a task
// directory that became unusable meanwhile (its checkpoint past the 12 h bound) goes, one with a
// usable checkpoint stays, and the running tasks' directories are never touched.
import { existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { KafkaStreams, createKafkaClient } from '../../src/runtime/index.ts';
import { CHECKPOINT_MAX_AGE_MS, TaskDirectory } from '../../src/runtime/state/task-directory.ts';
import { testStack } from '../stack/env.ts';
import { eosTopics, eosTopology } from './chaos/eos-topology.ts';
import { createTopics, produceWorkload, verify, waitForLag0 } from './chaos/workload.ts';

it('removes task directories that became unusable while running, and only those', { timeout: 120_000 }, async () => {
  const brokers = testStack().kafkaBrokers;
  const app = `rt-cleaner-${Date.now()}`;
  const topics = eosTopics(app);
  const client = createKafkaClient({ brokers, clientId: app });
  const admin = await client.admin();
  await createTopics(admin, topics, 2);
  const stateDir = mkdtempSync(join(tmpdir(), 'rt-cleaner-'));
  const removed: unknown[] = [];
  const streams = new KafkaStreams(eosTopology(app, topics, { persistentStores: true }), {
    applicationId: app, client, guarantee: 'exactly_once', stateDir, deadLetterTopic: topics.dlq, stateCleanupIntervalMs: 200,
    log: (_level, message, fields) => {
      if (message.startsWith('state dir: removed')) removed.push(fields?.tasks);
    },
  });
  await streams.start();
  try {
    await produceWorkload(brokers, topics.data, 0, 300, 10);
    await waitForLag0(admin, app, [topics.data, `${app}-by-group-repartition`], 60_000);
    // Left by tasks that moved to other instances: one checkpoint still usable, one past the bound.
    const kept = new TaskDirectory(stateDir, app, '1_8');
    await kept.writeCheckpoint(new Map([[`${app}-cnt-changelog:8`, 5]]));
    const stale = new TaskDirectory(stateDir, app, '1_7');
    await stale.writeCheckpoint(new Map([[`${app}-cnt-changelog:7`, 5]]));
    const long = (Date.now() - CHECKPOINT_MAX_AGE_MS - 60_000) / 1000;
    utimesSync(join(stale.path, '.checkpoint'), long, long);
    const deadline = Date.now() + 10_000;
    while (existsSync(stale.path) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(stale.path)).toBe(false);
    expect(removed).toContainEqual(['1_7']);
    expect(existsSync(kept.path)).toBe(true);
    // The running tasks kept their state and go on processing.
    for (const task of ['0_0', '0_1', '1_0', '1_1']) expect([task, existsSync(join(stateDir, app, task))]).toEqual([task, true]);
    await produceWorkload(brokers, topics.data, 300, 600, 10);
    await waitForLag0(admin, app, [topics.data, `${app}-by-group-repartition`], 60_000);
  } finally {
    await streams.close();
  }
  expect(await verify(brokers, admin, topics, 600, 10)).toMatchObject({ missing: 0, duplicated: 0, wrongSums: [], wrongCounts: [] });
  await admin.close();
  rmSync(stateDir, { recursive: true, force: true });
});
