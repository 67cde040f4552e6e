import { describe, expect, it } from 'vitest';
import { PunctuationType, type Processor, type ProcessorContext, type StreamRecord } from '../../../src/engine/processor/api.ts';
import type { KeyValueStore } from '../../../src/engine/state/api.ts';
import { Stores } from '../../../src/engine/state/stores.ts';
import { TopologyTestDriver } from '../../../src/engine/testing/topology-test-driver.ts';
import { Topology } from '../../../src/engine/topology/topology.ts';

// Records every punctuation it sees, and forwards a marker so the output shows the order.
function punctuating(interval: number, type: PunctuationType, fired: number[]): () => Processor<string, string, string, string> {
  return () => {
    let ctx: ProcessorContext<string, string>;
    return {
      init(context) {
        ctx = context;
        context.schedule(interval, type, (ts) => {
          fired.push(ts);
          ctx.forward({ key: 'punctuate', value: String(ts), timestamp: ts });
        });
      },
      process(record: StreamRecord<string, string>) {
        ctx.forward(record);
      },
    };
  };
}

describe('TopologyTestDriver', () => {
  it('fires a stream-time punctuator exactly when stream time reaches its schedule, after the record', () => {
    const fired: number[] = [];
    const topology = new Topology().addSource('src', 'in').addProcessor('p', punctuating(1000, PunctuationType.STREAM_TIME, fired), 'src').addSink('out', 'out', undefined, 'p');
    const driver = new TopologyTestDriver(topology);
    const input = driver.createInputTopic<string, string>('in');
    const output = driver.createOutputTopic<string, string>('out');

    input.pipeInput('a', '1', 500); // aligned to 0: the first valid record fires it (Kafka Streams)
    expect(fired).toEqual([500]);
    input.pipeInput('a', '2', 999);
    expect(fired).toEqual([500]);
    input.pipeInput('a', '3', 400); // out of order: stream time stays 999
    input.pipeInput('a', '4', -1); // invalid timestamp: does not move stream time
    expect(fired).toEqual([500]);
    input.pipeInput('a', '5', 1000);
    expect(fired).toEqual([500, 1000]);
    input.pipeInput('a', '6', 3500); // missed 2000 and 3000: fires once, next at 4000
    expect(fired).toEqual([500, 1000, 3500]);
    input.pipeInput('a', '7', 3999);
    expect(fired).toEqual([500, 1000, 3500]);
    driver.advanceStreamTime(4000);
    expect(fired).toEqual([500, 1000, 3500, 4000]);
    // The punctuation comes after the record that moved time.
    expect(output.readValuesToList()).toEqual(['1', '500', '2', '3', '4', '5', '1000', '6', '3500', '7', '4000']);
  });

  it('fires wall-clock punctuators on the driver clock only', () => {
    const fired: number[] = [];
    const topology = new Topology().addSource('src', 'in').addProcessor('p', punctuating(100, PunctuationType.WALL_CLOCK_TIME, fired), 'src');
    const driver = new TopologyTestDriver(topology, { initialWallClockTimeMs: 1000 });
    driver.createInputTopic<string, string>('in').pipeInput('k', 'v', 99_999);
    expect(fired).toEqual([]);
    driver.advanceWallClockTime(99);
    expect(fired).toEqual([]);
    driver.advanceWallClockTime(1);
    expect(fired).toEqual([1100]);
    driver.advanceWallClockTime(250);
    expect(fired).toEqual([1100, 1350]);
  });

  it('exposes record metadata, headers and stores', () => {
    const seen: unknown[] = [];
    const topology = new Topology()
      .addSource('src', 'in')
      .addProcessor(
        'p',
        () => {
          let ctx: ProcessorContext;
          return {
            init: (c) => (ctx = c),
            process: (r: StreamRecord<string, string>) => {
              seen.push([ctx.recordMetadata(), r.headers?.h]);
              const store = ctx.getStateStore<KeyValueStore<number>>('counts');
              store.put(r.key, (store.get(r.key) ?? 0) + 1);
            },
          };
        },
        'src',
      )
      .addStateStore(Stores.keyValueStoreBuilder<number>(Stores.inMemoryKeyValueStore('counts')), 'p');
    const driver = new TopologyTestDriver(topology);
    const input = driver.createInputTopic<string, string>('in');
    input.pipeRecord({ key: 'a', value: 'x', timestamp: 1, headers: { h: 'y' }, partition: 3, offset: 42 });
    input.pipeInput('a', 'x', 2);
    expect(seen).toEqual([
      [{ topic: 'in', partition: 3, offset: 42 }, 'y'],
      [{ topic: 'in', partition: 0, offset: 0 }, undefined],
    ]);
    expect(driver.getKeyValueStore<number>('counts').get('a')).toBe(2);
  });

  it('runs a record through a repartition topic before the next input', () => {
    const order: string[] = [];
    const tap = (tag: string) => () => {
      let ctx: ProcessorContext;
      return {
        init: (c: ProcessorContext) => (ctx = c),
        process: (r: StreamRecord<string, string>) => {
          order.push(`${tag}:${r.value}`);
          ctx.forward(r);
        },
      };
    };
    const topology = new Topology()
      .addSource('src', 'in')
      .addProcessor('first', tap('first'), 'src')
      .addSink('to-rep', 'app-rep-repartition', undefined, 'first')
      .addRepartitionTopic('app-rep-repartition')
      .addSource('rep-src', 'app-rep-repartition')
      .addProcessor('second', tap('second'), 'rep-src')
      .addSink('out', 'out', undefined, 'second');
    expect(topology.subtopologies().map((s) => s.sourceTopics)).toEqual([['in'], ['app-rep-repartition']]);
    const driver = new TopologyTestDriver(topology);
    const input = driver.createInputTopic<string, string>('in');
    input.pipeInput('k', '1', 1);
    input.pipeInput('k', '2', 2);
    expect(order).toEqual(['first:1', 'second:1', 'first:2', 'second:2']);
    expect(driver.createOutputTopic<string, string>('out').readRecordsToList()).toEqual([
      { key: 'k', value: '1', timestamp: 1 },
      { key: 'k', value: '2', timestamp: 2 },
    ]);
    expect(topology.describe()).toContain('Sub-topology: 1');
  });
});
