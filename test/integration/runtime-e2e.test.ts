// End to end against the real broker, in both guarantees: a keyed sum and a count through a
// repartition topic, bad input dead-lettered, then a second instance restores the stores from
// the changelogs and continues the aggregates exactly.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaStreams, createKafkaClient, type ProcessingGuarantee } from '../../src/runtime/index.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { testStack } from '../stack/env.ts';
import { eosTopics, eosTopology } from './chaos/eos-topology.ts';
import { createTopics, produceRaw, produceWorkload, readCommitted, verify, waitForLag0 } from './chaos/workload.ts';

const KEYS = 50;

describe.each<ProcessingGuarantee>(['at_least_once', 'exactly_once'])('Kafka runtime end to end (%s)', (guarantee) => {
  const run = `rt-e2e-${guarantee === 'exactly_once' ? 'eos' : 'alos'}-${Date.now()}`;
  const topics = eosTopics(run);
  let brokers: string[];
  let admin: RuntimeAdmin;
  let stateDir: string;

  beforeAll(async () => {
    brokers = testStack().kafkaBrokers;
    admin = await createKafkaClient({ brokers, clientId: 'e2e-admin' }).admin();
    await createTopics(admin, topics, 4);
    stateDir = mkdtempSync(join(tmpdir(), 'rt-e2e-'));
  });

  afterAll(async () => {
    await admin?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  const start = async (): Promise<KafkaStreams> => {
    const streams = new KafkaStreams(eosTopology(run, topics), {
      applicationId: run,
      client: createKafkaClient({ brokers, clientId: run }),
      guarantee,
      stateDir,
      deadLetterTopic: topics.dlq,
      sessionTimeoutMs: 10_000,
      // The at_least_once default (30 s) would make the test wait for its commits.
      ...(guarantee === 'at_least_once' ? { commitIntervalMs: 1_000 } : {}),
    });
    await streams.start();
    return streams;
  };

  it('processes, dead-letters bad input, and restores state on a new instance', async () => {
    await produceWorkload(brokers, topics.data, 0, 3_000, KEYS);
    await produceRaw(brokers, topics.data, [{ key: 'k1', value: 'not-a-number' }]);
    const first = await start();
    expect(first.layout?.internalTopics.map((t) => t.name).sort()).toEqual([`${run}-by-group-repartition`, `${run}-cnt-changelog`, `${run}-sum-changelog`]);
    await waitForLag0(admin, run, [topics.data, `${run}-by-group-repartition`], 60_000);
    expect(await first.close()).toBe(true);

    const partial = await verify(brokers, admin, topics, 3_000, KEYS);
    expect(partial).toMatchObject({ missing: 0, duplicated: 0, wrongSums: [], wrongCounts: [] });
    const dlq = await readCommitted(brokers, admin, topics.dlq);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]?.value?.toString()).toBe('not-a-number');
    expect(dlq[0]?.headers['dlq.source.topic']?.toString()).toBe(topics.data);
    expect(dlq[0]?.headers['dlq.reason']?.toString()).toBeTruthy();
    expect(dlq[0]?.headers['dlq.source.offset']).toBeDefined();

    // A new instance, with its state dir wiped: the aggregates must continue from the changelogs.
    rmSync(stateDir, { recursive: true, force: true });
    await produceWorkload(brokers, topics.data, 3_000, 5_000, KEYS);
    const second = await start();
    await waitForLag0(admin, run, [topics.data, `${run}-by-group-repartition`], 60_000);
    expect(second.metrics?.restoredRecords).toBeGreaterThan(0);
    expect(await second.close()).toBe(true);
    const verdict = await verify(brokers, admin, topics, 5_000, KEYS);
    expect(verdict).toMatchObject({ missing: 0, duplicated: 0, wrongSums: [], wrongCounts: [] });
  });
});
