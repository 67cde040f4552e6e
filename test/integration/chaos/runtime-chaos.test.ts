// In the manner of Kafka Streams' streams_eos_test: a driver produces a keyed workload whose
// exact aggregates are known, two exactly_once instances run, one is SIGKILLed again and again
// and restarted, and a read_committed verifier finds every input exactly once in the echo output
// and every aggregate exact. Short by default (CI); CHAOS_LONG=1 for >= 20 kills and 1M records.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKafkaClient } from '../../../src/runtime/index.ts';
import type { RuntimeAdmin } from '../../../src/runtime/client/api.ts';
import { testStack } from '../../stack/env.ts';
import { InstanceCluster } from './cluster.ts';
import { eosTopics } from './eos-topology.ts';
import { createTopics, produceWorkload, verify, waitForLag0, waitForProgress } from './workload.ts';

const LONG = process.env.CHAOS_LONG === '1';
const RECORDS = Number(process.env.CHAOS_RECORDS ?? (LONG ? 1_000_000 : 30_000));
const KILLS = Number(process.env.CHAOS_KILLS ?? (LONG ? 22 : 3));
const KEYS = 100;
const RATE = Number(process.env.CHAOS_RATE ?? (LONG ? 8_000 : 1_500));

let admin: RuntimeAdmin;
let brokers: string[];
let root: string;

beforeAll(async () => {
  brokers = testStack().kafkaBrokers;
  admin = await createKafkaClient({ brokers, clientId: 'chaos-admin' }).admin();
  root = mkdtempSync(join(tmpdir(), 'rt-chaos-'));
});

afterAll(async () => {
  await admin?.close();
  if (root && !process.env.CHAOS_KEEP) rmSync(root, { recursive: true, force: true });
});

it(`exactly_once survives ${KILLS} SIGKILLs with ${RECORDS} records: nothing lost, nothing duplicated`, { timeout: LONG ? 3_600_000 : 240_000 }, async () => {
  const app = `rt-chaos-${Date.now()}`;
  const topics = eosTopics(app);
  await createTopics(admin, topics, 4);
  const cluster = InstanceCluster.under(root, brokers, app);
  cluster.start('a');
  cluster.start('b');
  const driver = produceWorkload(brokers, topics.data, 0, RECORDS, KEYS, { batch: 500, ratePerSec: RATE });
  // Each kill lands while the group is processing: wait for committed progress after the last
  // restart (a rebalance with a dead member lasts a session timeout), then a random moment more.
  let progressed = 0;
  for (let k = 0; k < KILLS; k++) {
    if (await waitForProgress(admin, app, topics.data, Math.min(500, RATE / 2), 30_000)) progressed++;
    await sleep(Math.random() * 1_500);
    const victim = k % 3 === 2 ? 'b' : 'a';
    await cluster.kill(victim);
    // Every other time, stay down past the session timeout: the survivor takes the victim's tasks
    // (restore, fencing its zombie transactions) and hands some back on the restart (revocation).
    await sleep(k % 2 === 1 ? 8_000 : 500 + Math.random() * 1_500);
    cluster.start(victim);
  }
  await driver;
  // Kills after the input ended find nothing to process; most must have hit a running group.
  expect(progressed).toBeGreaterThanOrEqual(Math.ceil(KILLS / 2));
  await waitForLag0(admin, app, [topics.data, `${app}-by-group-repartition`], LONG ? 1_200_000 : 150_000);
  await cluster.stopAll();
  const verdict = await verify(brokers, admin, topics, RECORDS, KEYS);
  console.log(JSON.stringify({ chaos: LONG ? 'long' : 'short', kills: cluster.kills, killsDuringProgress: progressed, records: RECORDS, lost: verdict.missing, duplicated: verdict.duplicated, wrongSums: verdict.wrongSums.length, wrongCounts: verdict.wrongCounts.length, logs: join(root, 'logs') }));
  expect(cluster.kills).toBe(KILLS);
  expect(verdict).toMatchObject({ missing: 0, duplicated: 0, wrongSums: [], wrongCounts: [] });
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
