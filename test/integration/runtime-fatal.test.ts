// A fatal error (here a sink without a serializer) stops the instance with a clear message
// instead of retrying forever or dead-lettering every record.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { KafkaStreams, createKafkaClient } from '../../src/runtime/index.ts';
import { Topology } from '../../src/engine/index.ts';
import { testStack } from '../stack/env.ts';
import { produceRaw } from './chaos/workload.ts';

it('stops on a sink that cannot serialize, naming the cause', async () => {
  const brokers = testStack().kafkaBrokers;
  const app = `rt-fatal-${Date.now()}`;
  const client = createKafkaClient({ brokers, clientId: app });
  const admin = await client.admin();
  await admin.createTopics([{ name: `${app}-in`, partitions: 1 }, { name: `${app}-out`, partitions: 1 }, { name: `${app}-dlq`, partitions: 1 }]);
  const topology = new Topology()
    .addSource('in', `${app}-in`)
    .addProcessor('to-object', () => {
      let forward: ((r: { key: unknown; value: unknown; timestamp: number }) => void) | undefined;
      return {
        init: (ctx) => void (forward = (r) => ctx.forward(r)),
        process: (r) => forward?.({ key: r.key, value: { not: 'bytes' }, timestamp: r.timestamp }),
      };
    }, 'in')
    .addSink('out', `${app}-out`, undefined, 'to-object');
  const stateDir = mkdtempSync(join(tmpdir(), 'rt-fatal-'));
  const fatal = new Promise<Error>((resolve) => {
    void new KafkaStreams(topology, { applicationId: app, client, guarantee: 'exactly_once', stateDir, deadLetterTopic: `${app}-dlq`, onFatal: resolve })
      .start()
      .then(() => produceRaw(brokers, `${app}-in`, [{ key: 'k', value: 'v' }]));
  });
  const error = await fatal;
  expect(error.message).toMatch(new RegExp(`sink writing to ${app}-out .*give the sink a serializer`));
  await admin.close();
  rmSync(stateDir, { recursive: true, force: true });
});
