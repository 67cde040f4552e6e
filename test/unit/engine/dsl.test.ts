import { describe, expect, it } from 'vitest';
import type { ProcessorContext, StreamRecord } from '../../../src/engine/processor/api.ts';
import type { KeyValueStore } from '../../../src/engine/state/api.ts';
import { Stores } from '../../../src/engine/state/stores.ts';
import { StreamsBuilder } from '../../../src/engine/dsl/streams-builder.ts';
import type { KStream } from '../../../src/engine/dsl/kstream.ts';
import { TopologyTestDriver } from '../../../src/engine/testing/topology-test-driver.ts';

// Builds `in` → op → `out`, pipes pairs, returns [key, value] pairs read from `out`.
function run<K, V>(op: (s: KStream<string, number>) => KStream<K, V>, input: Array<[string, number]>): Array<[K, V]> {
  const b = new StreamsBuilder({ applicationId: 'app' });
  op(b.stream<string, number>('in')).to('out');
  const driver = new TopologyTestDriver(b.build());
  const topic = driver.createInputTopic<string, number>('in');
  input.forEach(([k, v], i) => topic.pipeInput(k, v, i));
  return driver.createOutputTopic<K, V>('out').readRecordsToList().map((r) => [r.key, r.value]);
}

const data: Array<[string, number]> = [
  ['a', 1],
  ['b', 2],
  ['a', 3],
];

describe('KStream stateless operators', () => {
  it('filter and filterNot', () => {
    expect(run((s) => s.filter((_, v) => v > 1), data)).toEqual([
      ['b', 2],
      ['a', 3],
    ]);
    expect(run((s) => s.filterNot((_, v) => v > 1), data)).toEqual([['a', 1]]);
  });

  it('map and mapValues', () => {
    expect(run((s) => s.map((k, v) => [`${k}!`, v * 10] as const), data)).toEqual([
      ['a!', 10],
      ['b!', 20],
      ['a!', 30],
    ]);
    expect(run((s) => s.mapValues((v, k) => `${k}${v}`), data)).toEqual([
      ['a', 'a1'],
      ['b', 'b2'],
      ['a', 'a3'],
    ]);
  });

  it('flatMap and flatMapValues', () => {
    expect(run((s) => s.flatMap((k, v) => Array.from({ length: v }, (_, i) => [k, i] as const)), [['x', 2]])).toEqual([
      ['x', 0],
      ['x', 1],
    ]);
    expect(run((s) => s.flatMapValues((v) => [v, -v]), [['x', 2]])).toEqual([
      ['x', 2],
      ['x', -2],
    ]);
  });

  it('selectKey', () => {
    expect(run((s) => s.selectKey((_, v) => (v % 2 ? 'odd' : 'even')), data)).toEqual([
      ['odd', 1],
      ['even', 2],
      ['odd', 3],
    ]);
  });

  it('peek sees every record and passes it on', () => {
    const seen: string[] = [];
    expect(run((s) => s.peek((k, v) => seen.push(`${k}${v}`)), data)).toHaveLength(3);
    expect(seen).toEqual(['a1', 'b2', 'a3']);
  });

  it('split/branch takes the first matching branch; default takes the rest', () => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    const branches = b
      .stream<string, number>('in')
      .split({ name: 'n-' })
      .branch((_, v) => v > 10, 'big')
      .branch((_, v) => v > 1, 'mid')
      .defaultBranch('small');
    expect(Object.keys(branches)).toEqual(['n-big', 'n-mid', 'n-small']);
    branches['n-big']?.to('big');
    branches['n-mid']?.to('mid');
    branches['n-small']?.to('small');
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic<string, number>('in');
    for (const v of [1, 5, 50, 11]) input.pipeInput('k', v);
    expect(driver.createOutputTopic('big').readValuesToList()).toEqual([50, 11]);
    expect(driver.createOutputTopic('mid').readValuesToList()).toEqual([5]);
    expect(driver.createOutputTopic('small').readValuesToList()).toEqual([1]);
  });

  it('merge interleaves two streams in arrival order', () => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    b.stream<string, number>('x').merge(b.stream<string, number>('y')).to('out');
    const driver = new TopologyTestDriver(b.build());
    driver.createInputTopic<string, number>('x').pipeInput('a', 1);
    driver.createInputTopic<string, number>('y').pipeInput('b', 2);
    driver.createInputTopic<string, number>('x').pipeInput('c', 3);
    expect(driver.createOutputTopic('out').readValuesToList()).toEqual([1, 2, 3]);
  });

  it('to() with a topic extractor routes per record', () => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    b.stream<string, number>('in').to((k) => `out-${k}`);
    const driver = new TopologyTestDriver(b.build());
    driver.createInputTopic<string, number>('in').pipeKeyValueList([
      ['a', 1],
      ['b', 2],
    ]);
    expect(driver.createOutputTopic('out-a').readValuesToList()).toEqual([1]);
    expect(driver.createOutputTopic('out-b').readValuesToList()).toEqual([2]);
  });

  it('process runs a Processor API processor with a store', () => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    b.addStateStore(Stores.keyValueStoreBuilder<number>(Stores.inMemoryKeyValueStore('last')));
    b.stream<string, number>('in')
      .process<string, string>(() => {
        let ctx: ProcessorContext<string, string>;
        return {
          init: (c) => (ctx = c),
          process: (r: StreamRecord<string, number>) => {
            const store = ctx.getStateStore<KeyValueStore<number>>('last');
            const prev = store.get(r.key);
            store.put(r.key, r.value);
            ctx.forward({ ...r, value: `${prev ?? '-'}→${r.value}` });
          },
        };
      }, 'last')
      .to('out');
    const driver = new TopologyTestDriver(b.build());
    const input = driver.createInputTopic<string, number>('in');
    for (const [k, v] of data) input.pipeInput(k, v);
    expect(driver.createOutputTopic('out').readValuesToList()).toEqual(['-→1', '-→2', '1→3']);
  });
});

describe('grouping and tables', () => {
  it('groupByKey().count() keeps a table in a store and emits updates', () => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    b.stream<string, number>('in').groupByKey().count({ storeName: 'counts' }).toStream().to('out');
    const topology = b.build();
    expect(topology.subtopologies()).toHaveLength(1); // no key change: no repartition
    const driver = new TopologyTestDriver(topology);
    const input = driver.createInputTopic<string, number>('in');
    for (const [k, v] of data) input.pipeInput(k, v);
    expect(driver.createOutputTopic('out').readKeyValuesToMap()).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
    expect(driver.getKeyValueStore<number>('counts').get('a')).toBe(2);
  });

  it('aggregate and reduce', () => {
    expect(run((s) => s.groupByKey().aggregate(() => [] as number[], (_k, v, agg) => [...agg, v]).toStream(), data)).toEqual([
      ['a', [1]],
      ['b', [2]],
      ['a', [1, 3]],
    ]);
    expect(run((s) => s.groupByKey().reduce((x, y) => x + y).toStream(), data)).toEqual([
      ['a', 1],
      ['b', 2],
      ['a', 4],
    ]);
  });

  it('selectKey then groupByKey goes through a repartition topic', () => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    b.stream<string, number>('in')
      .selectKey((_, v) => (v % 2 ? 'odd' : 'even'))
      .groupByKey({ name: 'parity' })
      .count({ storeName: 'by-parity' })
      .toStream()
      .to('out');
    const topology = b.build();
    const subs = topology.subtopologies();
    expect(subs).toHaveLength(2);
    expect(subs[1]?.sourceTopics).toEqual(['app-parity-repartition']);
    const driver = new TopologyTestDriver(topology);
    const input = driver.createInputTopic<string, number>('in');
    for (const [k, v] of data) input.pipeInput(k, v);
    expect(driver.createOutputTopic('out').readRecordsToList()).toEqual([
      { key: 'odd', value: 1, timestamp: 0 },
      { key: 'even', value: 1, timestamp: 0 },
      { key: 'odd', value: 2, timestamp: 0 },
    ]);
    expect(driver.createOutputTopic('app-parity-repartition').getQueueSize()).toBe(3);
    const text = topology.describe();
    expect(text).toContain('Sub-topology: 0');
    expect(text).toContain('Sink: parity-repartition-sink (topic: app-parity-repartition)');
    expect(text).toContain('Source: parity-repartition-source (topics: [app-parity-repartition])');
    expect(text).toContain('(stores: [by-parity])');
    expect(text).toContain('Repartition topics: [app-parity-repartition]');
  });

  it('groupBy re-keys through a repartition topic; repartition() always adds one', () => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    const s = b.stream<string, number>('in');
    s.groupBy((k) => k.toUpperCase(), { name: 'upper' }).count({ storeName: 'c' }).toStream().to('counts');
    s.repartition({ name: 'again' }).foreach(() => {});
    const topology = b.build();
    expect([...topology.repartitionTopics()]).toEqual(['app-upper-repartition', 'app-again-repartition']);
    const driver = new TopologyTestDriver(topology);
    const input = driver.createInputTopic<string, number>('in', undefined, undefined, { start: 100, autoAdvanceMs: 10 });
    input.pipeKeyValueList([
      ['a', 1],
      ['A', 2],
    ]);
    expect(driver.createOutputTopic<string, number>('counts').readRecordsToList()).toEqual([
      { key: 'A', value: 1, timestamp: 100 },
      { key: 'A', value: 2, timestamp: 110 },
    ]);
    expect(driver.createOutputTopic('app-again-repartition').getQueueSize()).toBe(2);
  });

  it('stream-table join and leftJoin', () => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    const names = b.table<string, string>('names', undefined, { storeName: 'names' });
    const s = b.stream<string, number>('in');
    s.join(names, (v, n) => `${n}:${v}`).to('joined');
    s.leftJoin(names, (v, n) => `${n ?? '?'}:${v}`).to('left');
    const driver = new TopologyTestDriver(b.build());
    const table = driver.createInputTopic<string, string | null>('names');
    const input = driver.createInputTopic<string, number>('in');
    table.pipeInput('a', 'Ann');
    input.pipeInput('a', 1);
    input.pipeInput('b', 2);
    table.pipeInput('a', null); // tombstone
    input.pipeInput('a', 3);
    expect(driver.createOutputTopic('joined').readValuesToList()).toEqual(['Ann:1']);
    expect(driver.createOutputTopic('left').readValuesToList()).toEqual(['Ann:1', '?:2', '?:3']);
  });

  it('describe() prints nodes with arrows', () => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    b.stream('in').filter(() => true).to('out');
    expect(b.build().describe()).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: KSTREAM-SOURCE-0000000000 (topics: [in])',
        '      --> KSTREAM-FILTER-0000000001',
        '    Processor: KSTREAM-FILTER-0000000001 (stores: [])',
        '      --> KSTREAM-SINK-0000000002',
        '      <-- KSTREAM-SOURCE-0000000000',
        '    Sink: KSTREAM-SINK-0000000002 (topic: out)',
        '      <-- KSTREAM-FILTER-0000000001',
        '',
      ].join('\n'),
    );
  });
});
