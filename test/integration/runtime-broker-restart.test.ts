// A broker restart during an exactly_once run. The shared test broker must not be restarted
// under other tests, so this test starts a private single-node broker with the stack script
// (its own state dir and port), restarts it mid-run, and verifies exactly-once results.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKafkaClient } from '../../src/runtime/index.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { InstanceCluster } from './chaos/cluster.ts';
import { eosTopics } from './chaos/eos-topology.ts';
import { createTopics, produceWorkload, verify, waitForLag0, waitForProgress } from './chaos/workload.ts';

const PORT = Number(process.env.RESTART_TEST_KAFKA_PORT ?? 19192);
const STACK = join(import.meta.dirname, '../../scripts/stack.sh');
const RECORDS = 20_000;
const KEYS = 40;
let root: string;
let admin: RuntimeAdmin | undefined;
const brokers = [`127.0.0.1:${PORT}`];

function stack(command: 'up' | 'down'): void {
  execFileSync('bash', [STACK, command, 'kafka'], {
    env: { ...process.env, INVOICE_STREAM_STACK_DIR: join(root, 'stack'), KAFKA_PORT: String(PORT) },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 180_000,
  });
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rt-restart-'));
  try {
    stack('up');
  } catch (error) {
    // Fail, never skip: the test needs the stack script's broker (a JDK and Maven, or its cache).
    throw new Error(`could not start a private broker on ${PORT} with scripts/stack.sh: ${String(error)}`, { cause: error });
  }
}, 200_000);

afterAll(async () => {
  await admin?.close().catch(() => undefined);
  try {
    stack('down');
  } finally {
    if (!process.env.RESTART_KEEP) rmSync(root, { recursive: true, force: true });
    else console.log(`kept ${root}`);
  }
}, 60_000);

it('keeps exactly_once across a broker restart', { timeout: 300_000 }, async () => {
  admin = await createKafkaClient({ brokers, clientId: 'restart-admin' }).admin();
  const app = `rt-restart-${Date.now()}`;
  const topics = eosTopics(app);
  await createTopics(admin, topics, 4);
  const cluster = InstanceCluster.under(root, brokers, app);
  cluster.start('a');
  cluster.start('b');
  // The driver keeps producing through the outage (its idempotent producer retries).
  const driver = produceWorkload(brokers, topics.data, 0, RECORDS, KEYS, { batch: 250, ratePerSec: 1_500, retries: 30 });
  expect(await waitForProgress(admin, app, topics.data, 3_000, 60_000)).toBe(true);
  await admin.close();
  admin = undefined;
  stack('down');
  await new Promise((r) => setTimeout(r, 2_000));
  stack('up');
  admin = await createKafkaClient({ brokers, clientId: 'restart-admin-2' }).admin();
  await driver;
  const lagTopics = [topics.data, `${app}-by-group-repartition`];
  // Both members must recover on their own (issue #4: a replaced consumer stayed in the group
  // holding partitions nothing processed); a stall fails here (RESTART_KEEP=1 keeps the logs).
  await waitForLag0(admin, app, lagTopics, 120_000);
  expect(cluster.running.sort()).toEqual(['a', 'b']);
  await cluster.stopAll();
  const verdict = await verify(brokers, admin, topics, RECORDS, KEYS);
  expect(verdict).toMatchObject({ missing: 0, duplicated: 0, wrongSums: [], wrongCounts: [] });
});
