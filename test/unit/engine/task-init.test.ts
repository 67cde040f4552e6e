// A task's processors are initialized after its stores are restored (Kafka Streams'
// initializeTopology): a processor that reads its state in init must see the restored state.
// Before 2026-12-06 init ran when the task was built, before restoration, and the invoice processor
// started from an empty clock after every restore (missing overdue events in the live soak test).
import { describe, expect, it } from 'vitest';
import { Stores, Topology, type KeyValueStore } from '../../../src/engine/index.ts';
import { isChangeLogging } from '../../../src/engine/state/api.ts';
import { StreamTask } from '../../../src/engine/processor/internals/stream-task.ts';
import { deadLetterHandler } from '../../../src/engine/processor/internals/deserialization.ts';

describe('StreamTask initialization', () => {
  function build(): { task: StreamTask; seen: Array<number | undefined> } {
    const seen: Array<number | undefined> = [];
    const topology = new Topology()
      .addSource('in', 'input')
      .addProcessor('reader', () => ({
        init(context) {
          seen.push((context.getStateStore('clock') as KeyValueStore<number>).get('clock'));
        },
        process() {},
      }), 'in')
      .addStateStore(Stores.keyValueStoreBuilder<number>(Stores.inMemoryKeyValueStore('clock')), 'reader');
    const [sub] = topology.subtopologies();
    const task = new StreamTask({
      id: { subtopology: 0, partition: 0 },
      applicationId: 'app',
      subtopology: sub as NonNullable<typeof sub>,
      storeBuilders: topology.storeBuilders(),
      collector: () => {},
      wallClock: () => 0,
      onDeserializationError: deadLetterHandler('dlq'),
    });
    return { task, seen };
  }

  it('calls init only from initializeTopology, once, after the stores were restored', async () => {
    const { task, seen } = build();
    expect(seen).toEqual([]);
    const store = task.stores.get('clock');
    if (!store || !isChangeLogging(store)) throw new Error('the clock store logs its changes');
    await store.restore([{ key: 'clock', value: Buffer.from('42') }]);
    task.initializeTopology();
    task.initializeTopology();
    expect(seen).toEqual([42]);
  });

  it('refuses records before initialization', () => {
    const { task } = build();
    expect(() => task.process({ topic: 'input', partition: 0, offset: 0, key: null, value: Buffer.from('x'), timestamp: 0, headers: {} })).toThrow(/initializeTopology/);
  });
});
