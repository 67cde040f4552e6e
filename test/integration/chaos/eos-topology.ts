// The workload of the runtime tests, in the manner of Kafka Streams' EosTestClient: input
// `<prefix>-data` (key `k<n>`, value the record's global sequence number as text) feeds
//   echo: every input record, unchanged      → `<prefix>-echo`
//   sum:  running sum of the values per key  → `<prefix>-sum`   (store `sum`)
//   cnt:  records per group `g<value % 7>`, through a repartition topic → `<prefix>-cnt` (store `cnt`)
// so a verifier can check each input exactly once in echo and exact final aggregates.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stores, StreamsBuilder, Topology } from '../../../src/engine/index.ts';
import type { ProcessorContext, Serde, StreamRecord } from '../../../src/engine/index.ts';

/** UTF-8 strings. */
export const stringSerde: Serde<string> = {
  serialize: (_t, data) => (data === null || data === undefined ? null : Buffer.from(data, 'utf8')),
  deserialize: (_t, data) => (data === null ? (null as unknown as string) : data.toString('utf8')),
};

/** Integers as decimal text (what a console producer would write). */
export const intSerde: Serde<number> = {
  serialize: (_t, data) => (data === null || data === undefined ? null : Buffer.from(String(data), 'utf8')),
  deserialize: (_t, data) => {
    const n = Number(data?.toString('utf8'));
    if (!Number.isInteger(n)) throw new Error(`not an integer: ${data?.toString('utf8')}`);
    return n;
  },
};

/** Topic names of one test run. */
export interface EosTopics {
  data: string;
  echo: string;
  sum: string;
  cnt: string;
  dlq: string;
}

/** Topic names under a prefix. */
export function eosTopics(prefix: string): EosTopics {
  return { data: `${prefix}-data`, echo: `${prefix}-echo`, sum: `${prefix}-sum`, cnt: `${prefix}-cnt`, dlq: `${prefix}-dlq` };
}

/** Number of count groups. */
export const GROUPS = 7;

/** Builds the topology; `persistentStores`: LMDB in each task directory, as the live pipeline's (default: in memory). */
export function eosTopology(applicationId: string, topics: EosTopics, options: { persistentStores?: boolean } = {}): Topology {
  // The runtime builds each persistent store in its task's directory; `dir` is only the fallback outside a runtime.
  const persistent = options.persistentStores ? { defaultStoreSupplier: (name: string) => Stores.persistentKeyValueStore(name, { dir: join(tmpdir(), 'eos-topology-unused') }) } : {};
  const builder = new StreamsBuilder({ applicationId, ...persistent });
  const data = builder.stream<string, number>(topics.data, { keyDeserializer: stringSerde, valueDeserializer: intSerde });
  data.to(topics.echo, { keySerializer: stringSerde, valueSerializer: intSerde });
  data
    .groupByKey()
    .aggregate(() => 0, (_k, v, sum) => sum + v, { storeName: 'sum' })
    .toStream()
    .to(topics.sum, { keySerializer: stringSerde, valueSerializer: intSerde });
  data
    .selectKey((_k, v) => `g${v % GROUPS}`)
    .groupByKey({ name: 'by-group', keySerde: stringSerde, valueSerde: intSerde })
    .count({ storeName: 'cnt' })
    .toStream()
    .to(topics.cnt, { keySerializer: stringSerde, valueSerializer: intSerde });
  return builder.build();
}

/** Source → a processor that forwards each record → sink: the runtime's own cost (live benches). */
export function passThroughTopology(input: string, output: string): Topology {
  return new Topology()
    .addSource('in', input)
    .addProcessor(
      'forward',
      () => {
        let ctx: ProcessorContext | undefined;
        return {
          init: (c: ProcessorContext) => void (ctx = c),
          process: (r: StreamRecord<unknown, unknown>) => ctx?.forward(r),
        };
      },
      'in',
    )
    .addSink('out', output, undefined, 'forward');
}
