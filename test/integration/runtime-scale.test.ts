// Scaling during a run: one exactly_once instance, then three, then one again (graceful stops),
// while the driver produces; the read_committed verifier finds every input once and exact aggregates.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKafkaClient } from '../../src/runtime/index.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { testStack } from '../stack/env.ts';
import { InstanceCluster } from './chaos/cluster.ts';
import { eosTopics } from './chaos/eos-topology.ts';
import { createTopics, produceWorkload, verify, waitForLag0, waitForProgress } from './chaos/workload.ts';

const RECORDS = 24_000;
const KEYS = 60;
let admin: RuntimeAdmin;
let brokers: string[];
let root: string;

beforeAll(async () => {
  brokers = testStack().kafkaBrokers;
  admin = await createKafkaClient({ brokers, clientId: 'scale-admin' }).admin();
  root = mkdtempSync(join(tmpdir(), 'rt-scale-'));
});

afterAll(async () => {
  await admin?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

it('scales 1 → 3 → 1 instances under exactly_once without loss or duplicates', { timeout: 240_000 }, async () => {
  const app = `rt-scale-${Date.now()}`;
  const topics = eosTopics(app);
  await createTopics(admin, topics, 6);
  const cluster = InstanceCluster.under(root, brokers, app);
  cluster.start('pod-0');
  const driver = produceWorkload(brokers, topics.data, 0, RECORDS, KEYS, { batch: 300, ratePerSec: 1_000 });
  expect(await waitForProgress(admin, app, topics.data, 1_000, 30_000)).toBe(true);
  cluster.start('pod-1');
  cluster.start('pod-2');
  expect(await waitForProgress(admin, app, topics.data, 3_000, 60_000)).toBe(true);
  expect(await cluster.stop('pod-1')).toBe(0);
  expect(await cluster.stop('pod-2')).toBe(0);
  expect(await waitForProgress(admin, app, topics.data, 1_000, 60_000)).toBe(true);
  await driver;
  await waitForLag0(admin, app, [topics.data, `${app}-by-group-repartition`], 120_000);
  await cluster.stopAll();
  const verdict = await verify(brokers, admin, topics, RECORDS, KEYS);
  expect(verdict).toMatchObject({ missing: 0, duplicated: 0, wrongSums: [], wrongCounts: [] });
});
