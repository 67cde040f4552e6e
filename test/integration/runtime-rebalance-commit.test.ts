// Members joining and leaving a busy group: a member that learns of a rebalance
// commits within the generation that is ending (Kafka Streams' eager revocation), so no commit
// lands after the rejoin with a generation the group has left (ILLEGAL_GENERATION), which closed
// every task dirty and restarted the consumer. Kept partitions go on where they were: the
// read_committed verifier finds every input once and exact aggregates. at_least_once too: its
// commit before the rejoin leaves nothing processed and uncommitted, so no duplicate either.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KafkaStreams, createKafkaClient } from '../../src/runtime/index.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { testStack } from '../stack/env.ts';
import { eosTopics, eosTopology } from './chaos/eos-topology.ts';
import { createTopics, produceWorkload, verify, waitForLag0, waitForProgress } from './chaos/workload.ts';

const RECORDS = 40_000;
const KEYS = 50;
let admin: RuntimeAdmin;
let brokers: string[];
let root: string;

beforeAll(async () => {
  brokers = testStack().kafkaBrokers;
  admin = await createKafkaClient({ brokers, clientId: 'rebalance-commit-admin' }).admin();
  root = mkdtempSync(join(tmpdir(), 'rt-rebalance-'));
});

afterAll(async () => {
  await admin?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

it.each(['exactly_once', 'at_least_once'] as const)('%s: commits before each rejoin: members join and leave a busy group with no task failure, no loss, no duplicate', { timeout: 180_000 }, async (guarantee) => {
  await joinAndLeave(guarantee, false);
});

// The same members as the stream threads of one instance: one state dir, LMDB stores, each task
// directory locked by the member that has it. Every rebalance hands tasks from one member to
// another through the same directory: the new owner waits for the old one's close, then restores
// only what the changelog gained past its checkpoint.
it('exactly_once, members sharing one state dir as stream threads do: tasks change hands through their directory locks, no loss, no duplicate', { timeout: 180_000 }, async () => {
  await joinAndLeave('exactly_once', true);
});

async function joinAndLeave(guarantee: 'exactly_once' | 'at_least_once', sharedStateDir: boolean): Promise<void> {
  const app = `rt-rebalance-${guarantee === 'exactly_once' ? 'eos' : 'alos'}${sharedStateDir ? '-shared' : ''}-${Date.now()}`;
  const topics = eosTopics(app);
  await createTopics(admin, topics, 4);
  const problems: string[] = [];
  const assignments = new Map<string, number>();
  const start = async (id: string): Promise<KafkaStreams> => {
    const streams = new KafkaStreams(eosTopology(app, topics, { persistentStores: sharedStateDir }), {
      applicationId: app, client: createKafkaClient({ brokers, clientId: `${app}-${id}` }), guarantee,
      // at_least_once commits every 30 s by default: progress is watched in seconds here.
      commitIntervalMs: 200,
      // Shared: every member's state cleaner also looks at the directories every 50 ms while tasks
      // change hands (it must never touch one a member holds or is taking).
      ...(sharedStateDir ? { stateDir: join(root, app), stateOwner: { run: app, thread: id.charCodeAt(0) }, stateCleanupIntervalMs: 50 } : { stateDir: join(root, id) }),
      deadLetterTopic: topics.dlq, instanceId: id,
      log: (level, message, fields) => {
        if (message === 'assignment') assignments.set(id, (assignments.get(id) ?? 0) + 1);
        if (level === 'warn' || level === 'error') problems.push(`${id}: ${message} ${JSON.stringify(fields ?? {})}`);
      },
    });
    await streams.start();
    return streams;
  };
  // Input arrives throughout, so every rebalance meets members with commits due and in flight.
  const driver = produceWorkload(brokers, topics.data, 0, RECORDS, KEYS, { batch: 200, ratePerSec: 2_500 });
  const a = await start('a');
  expect(await waitForProgress(admin, app, topics.data, 1_000, 30_000)).toBe(true);
  const b = await start('b');
  expect(await waitForProgress(admin, app, topics.data, 2_000, 30_000)).toBe(true);
  const c = await start('c');
  expect(await waitForProgress(admin, app, topics.data, 2_000, 30_000)).toBe(true);
  await b.close();
  expect(await waitForProgress(admin, app, topics.data, 2_000, 30_000)).toBe(true);
  await driver;
  await waitForLag0(admin, app, [topics.data, `${app}-by-group-repartition`], 120_000);
  await c.close();
  await a.close();
  // a saw rebalances besides its first assignment (b's join, c's join, b's leave: two of them
  // may fold into one when a member joins while the previous rebalance still runs).
  expect(assignments.get('a')).toBeGreaterThanOrEqual(3);
  expect(problems).toEqual([]);
  expect(await verify(brokers, admin, topics, RECORDS, KEYS)).toMatchObject({ missing: 0, duplicated: 0, wrongSums: [], wrongCounts: [] });
}
