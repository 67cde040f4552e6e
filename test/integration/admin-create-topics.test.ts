// The admin's createTopics sends one request per set of configs (src/runtime/client/platformatic/
// admin.ts): each topic must still get its own partition count and its group's configs, and a
// topic another instance created in the meantime must not fail the others. Read back by
// librdkafka's admin client, not the client under test.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient } from '../../src/runtime/client/select.ts';
import type { RuntimeAdmin, TopicSpec } from '../../src/runtime/client/api.ts';
import { testStack } from '../stack/env.ts';
import { topicConfigIndependently } from './support/live-outputs.ts';

const run = `admin-create-${randomUUID().slice(0, 8)}`;
const compacted = { 'cleanup.policy': 'compact', 'max.message.bytes': '2097152' };
const kept = { 'retention.ms': '-1' };
const specs: TopicSpec[] = [
  { name: `${run}-a-changelog`, partitions: 3, replicationFactor: 1, configs: compacted },
  { name: `${run}-b-repartition`, partitions: 2, replicationFactor: 1, configs: kept },
  { name: `${run}-c-changelog`, partitions: 1, replicationFactor: 1, configs: compacted },
  { name: `${run}-d-repartition`, partitions: 5, replicationFactor: 1, configs: kept },
];

let admin: RuntimeAdmin;

describe('createTopics', () => {
  beforeAll(async () => {
    admin = await createKafkaClient({ brokers: testStack().kafkaBrokers, clientId: run }).admin();
  });

  afterAll(async () => {
    await admin?.deleteTopics(specs.map((s) => s.name)).catch(() => undefined);
    await admin?.close();
  });

  it('creates each topic with its partitions and its configs, around one that exists already', { timeout: 60_000 }, async () => {
    // One of the compacted group is there first (another instance's create).
    await admin.createTopics([specs[2]!]);
    await admin.createTopics(specs);
    const counts = await admin.partitionCounts(specs.map((s) => s.name));
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(specs.map((s) => [s.name, s.partitions])));
    const brokers = testStack().kafkaBrokers;
    for (const spec of specs) {
      const config = await topicConfigIndependently(brokers, spec.name);
      for (const [name, value] of Object.entries(spec.configs ?? {})) expect([spec.name, name, config[name]]).toEqual([spec.name, name, value]);
    }
    // A repeated create of existing topics is a no-op.
    await admin.createTopics(specs);
  });
});
