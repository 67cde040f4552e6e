// A restarted exactly_once instance initializes its transactional producer (InitProducerId, which
// aborts what its previous incarnation left open) before its tasks read their committed offsets.
// Those reads are stable (KIP-447): while a transaction holding offsets of their partitions is
// open they wait, and the producer used to be initialized at the first commit, after them: an
// instance SIGKILLed inside a commit came back and waited for the transaction timeout (60 s),
// found by the invoice chaos test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamsBuilder } from '../../../src/engine/index.ts';
import type { GroupConsumer, GroupConsumerHandlers, KafkaClient, PartitionReader, RuntimeAdmin, TransactionalProducer } from '../../../src/runtime/client/api.ts';
import { resolveConfig } from '../../../src/runtime/config.ts';
import { StreamThread } from '../../../src/runtime/stream/stream-thread.ts';
import { planLayout } from '../../../src/runtime/topics/layout.ts';

const unused = () => Promise.reject(new Error('not used by this test'));

describe('StreamThread under exactly_once', () => {
  let dir: string;
  beforeEach(() => {
    vi.useFakeTimers();
    dir = mkdtempSync(join(tmpdir(), 'thread-init-'));
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('initializes its transactional producer before a task reads its committed offsets', async () => {
    const calls: string[] = [];
    let handlers: GroupConsumerHandlers | undefined;
    const consumer: GroupConsumer = {
      run: (h) => {
        handlers = h;
        return new Promise(() => {});
      },
      pause: () => {},
      resume: () => {},
      seek: () => {},
      commitOffsets: async () => {},
      close: async () => {},
    };
    const producer: TransactionalProducer = {
      init: async () => void calls.push('InitProducerId app-a'),
      begin: unused,
      encode: () => undefined,
      send: unused,
      sendOffsets: unused,
      commit: unused,
      abort: async () => {},
      inTransaction: () => false,
      close: async () => {},
    };
    const client: KafkaClient = {
      admin: unused,
      producer: unused,
      partitionReader: unused,
      transactionalProducer: (id) => {
        calls.push(`producer ${id}`);
        return producer;
      },
      groupConsumer: () => consumer,
    };
    const admin = {
      committedOffsets: async (group: string, topic: string) => {
        calls.push(`committed offsets ${group} ${topic}`);
        return new Map([[0, 0]]);
      },
      offsetRange: async () => ({ low: 0, high: 0 }),
    } as unknown as RuntimeAdmin;
    const b = new StreamsBuilder({ applicationId: 'app' });
    b.stream<string, string>('in').to('out');
    const topology = b.build();
    const config = resolveConfig({ applicationId: 'app', client, guarantee: 'exactly_once', stateDir: dir, instanceId: 'a' });
    const layout = planLayout({ applicationId: 'app', subtopologies: topology.subtopologies(), loggedStores: new Set(), userTopicPartitions: new Map([['in', 1]]) });
    const t = new StreamThread({ config, topology, layout, admin, reader: {} as PartitionReader, onDisk: [], onFatal: () => {} });
    t.start();
    handlers?.onAssigned({ generation: 1, memberId: 'm', partitions: new Map([['in', [0]]]) });
    // Opening the task takes its directory's lock first: file I/O, which fake timers do not hurry.
    await vi.waitFor(async () => {
      await vi.advanceTimersByTimeAsync(10);
      expect(calls.length).toBeGreaterThanOrEqual(3);
    });
    expect(calls.slice(0, 3)).toEqual(['producer app-a', 'InitProducerId app-a', 'committed offsets app in']);
    await t.close();
  });
});
