// The stream thread's consumer restarts (issue #4): a broker outage brings several failures at
// once (a failed commit, the consumer's crash); they must end with exactly one live group member.
// Before the fix, two recoveries in a row started two consumers and the first, no longer current,
// stayed in the group holding partitions that nothing processed: the group never caught up.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamsBuilder } from '../../../src/engine/index.ts';
import type { GroupAssignment, GroupConsumer, GroupConsumerHandlers, KafkaClient, PartitionReader, RuntimeAdmin } from '../../../src/runtime/client/api.ts';
import { resolveConfig } from '../../../src/runtime/config.ts';
import { StreamThread } from '../../../src/runtime/stream/stream-thread.ts';
import { planLayout } from '../../../src/runtime/topics/layout.ts';

/** A group consumer that records what the thread does with it; the test drives its callbacks. */
class FakeConsumer implements GroupConsumer {
  handlers: GroupConsumerHandlers | undefined;
  closed = 0;
  run(handlers: GroupConsumerHandlers): Promise<void> {
    this.handlers = handlers;
    return new Promise(() => {}); // a real run keeps going until close; never rejecting is enough here
  }
  pause(): void {}
  resume(): void {}
  seek(): void {}
  async commitOffsets(): Promise<void> {}
  async close(): Promise<void> {
    this.closed++;
  }
}

const unused = () => Promise.reject(new Error('not used by this test'));

function thread(consumers: FakeConsumer[]): StreamThread {
  const b = new StreamsBuilder({ applicationId: 'app' });
  b.stream<string, string>('in').to('out');
  const topology = b.build();
  const client: KafkaClient = {
    admin: unused,
    producer: unused,
    partitionReader: unused,
    // Initialized at each assignment (exactly_once), never asked to commit here: no task has input.
    transactionalProducer: () => ({
      init: async () => {},
      begin: async () => {},
      encode: () => undefined,
      send: async () => [],
      sendOffsets: async () => {},
      commit: async () => {},
      abort: async () => {},
      inTransaction: () => false,
      close: async () => {},
    }),
    groupConsumer: () => {
      const c = new FakeConsumer();
      consumers.push(c);
      return c;
    },
  };
  const config = resolveConfig({ applicationId: 'app', client, guarantee: 'exactly_once', stateDir: '/nonexistent' });
  const layout = planLayout({ applicationId: 'app', subtopologies: topology.subtopologies(), loggedStores: new Set(), userTopicPartitions: new Map([['in', 1]]) });
  return new StreamThread({ config, topology, layout, admin: {} as RuntimeAdmin, reader: {} as PartitionReader, onDisk: [], onFatal: () => {} });
}

const empty: GroupAssignment = { generation: 1, memberId: 'm', partitions: new Map() };
const live = (consumers: FakeConsumer[]) => consumers.filter((c) => c.closed === 0);

describe('StreamThread consumer restarts', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts one new consumer for failures that arrive together', async () => {
    const consumers: FakeConsumer[] = [];
    const t = thread(consumers);
    t.start();
    const first = consumers[0] as FakeConsumer;
    first.handlers?.onAssigned(empty);
    // The outage: two failures reported while the consumer is still current (in the real run, a
    // failed commit queued behind other work, then the consumer's crash); each queues a recovery.
    first.handlers?.onCrash(new Error('commit failed: The group coordinator is not available'));
    first.handlers?.onCrash(new Error('Connection error: connect ECONNREFUSED'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(consumers).toHaveLength(2);
    expect(first.closed).toBe(1);
    expect(live(consumers)).toEqual([consumers[1]]);
    expect(t.metrics.consumerRestarts).toBe(1);
    await t.close();
  });

  it('ignores a replaced consumer that still calls back, and closes it once', async () => {
    const consumers: FakeConsumer[] = [];
    const t = thread(consumers);
    t.start();
    const first = consumers[0] as FakeConsumer;
    first.handlers?.onCrash(new Error('crash'));
    await vi.advanceTimersByTimeAsync(10_000);
    const second = consumers[1] as FakeConsumer;
    second.handlers?.onAssigned(empty);
    // The replaced member (its LeaveGroup lost in the outage) is assigned again and fetches.
    first.handlers?.onAssigned(empty);
    await first.handlers?.onBatch({ topic: 'in', partition: 0, records: [], highWatermark: 0, nextOffset: 0 }, { heartbeat: async () => {}, isStale: () => false });
    first.handlers?.onCrash(new Error('crash of the replaced consumer'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(first.closed).toBe(1);
    expect(second.closed).toBe(0);
    expect(consumers).toHaveLength(2);
    expect(t.metrics.rebalances).toBe(1);
    await t.close();
  });

  it('gives up after too many restarts in a row (fatal, consumer closed)', async () => {
    const consumers: FakeConsumer[] = [];
    const t = thread(consumers);
    t.start();
    for (let i = 0; i < 40; i++) {
      const current = consumers[consumers.length - 1] as FakeConsumer;
      current.handlers?.onCrash(new Error(`crash ${i}`));
      await vi.advanceTimersByTimeAsync(6_000);
    }
    expect(consumers.length).toBeLessThanOrEqual(31);
    expect(live(consumers)).toHaveLength(0);
  });
});
