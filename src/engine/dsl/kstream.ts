// KStream: a record stream in the DSL. Each operator adds one processor node to the topology
// at once; key-changing operators mark the stream so that the next stateful operator (or an
// explicit `repartition()`) first sends it through a repartition topic, as Kafka Streams does.
import type { ProcessorSupplier, StreamRecord } from '../processor/api.ts';
import type { KeyValueStore } from '../state/api.ts';
import type { TopicNameExtractor } from '../topology/topology.ts';
import { BranchedKStream } from './branched.ts';
import { processorOf, storeKey, type DslContext } from './context.ts';
import { KGroupedStream } from './kgrouped.ts';
import type { KTable } from './ktable.ts';
import type { Grouped, Named, Produced } from './options.ts';

/** A stream of keyed records. */
export class KStream<K, V> {
  /** @internal */ readonly ctx: DslContext;
  /** The node whose output this stream is. */
  readonly nodeName: string;
  /** Whether the key may have changed since the last repartition (the next stateful op repartitions). */
  readonly repartitionRequired: boolean;

  constructor(ctx: DslContext, nodeName: string, repartitionRequired = false) {
    this.ctx = ctx;
    this.nodeName = nodeName;
    this.repartitionRequired = repartitionRequired;
  }

  /** Keeps records for which `predicate` holds. */
  filter(predicate: (key: K, value: V) => boolean, named?: Named): KStream<K, V> {
    return this.#stateless<K, V>('KSTREAM-FILTER', named, (r, c) => predicate(r.key, r.value) && c.forward(r), this.repartitionRequired);
  }

  /** Drops records for which `predicate` holds. */
  filterNot(predicate: (key: K, value: V) => boolean, named?: Named): KStream<K, V> {
    return this.#stateless<K, V>('KSTREAM-FILTER', named, (r, c) => !predicate(r.key, r.value) && c.forward(r), this.repartitionRequired);
  }

  /** New key and value per record; marks a repartition. */
  map<KR, VR>(mapper: (key: K, value: V) => readonly [KR, VR], named?: Named): KStream<KR, VR> {
    return this.#stateless<KR, VR>('KSTREAM-MAP', named, (r, c) => {
      const [key, value] = mapper(r.key, r.value);
      c.forward({ ...r, key, value });
    }, true);
  }

  /** New value per record; the key is kept (no repartition). */
  mapValues<VR>(mapper: (value: V, key: K) => VR, named?: Named): KStream<K, VR> {
    return this.#stateless<K, VR>('KSTREAM-MAPVALUES', named, (r, c) => c.forward({ ...r, value: mapper(r.value, r.key) }), this.repartitionRequired);
  }

  /** Zero or more records per record; marks a repartition. */
  flatMap<KR, VR>(mapper: (key: K, value: V) => Iterable<readonly [KR, VR]>, named?: Named): KStream<KR, VR> {
    return this.#stateless<KR, VR>('KSTREAM-FLATMAP', named, (r, c) => {
      for (const [key, value] of mapper(r.key, r.value)) c.forward({ ...r, key, value });
    }, true);
  }

  /** Zero or more values per record, same key. */
  flatMapValues<VR>(mapper: (value: V, key: K) => Iterable<VR>, named?: Named): KStream<K, VR> {
    return this.#stateless<K, VR>('KSTREAM-FLATMAPVALUES', named, (r, c) => {
      for (const value of mapper(r.value, r.key)) c.forward({ ...r, value });
    }, this.repartitionRequired);
  }

  /** A new key per record; marks a repartition. */
  selectKey<KR>(mapper: (key: K, value: V) => KR, named?: Named): KStream<KR, V> {
    return this.#stateless<KR, V>('KSTREAM-KEY-SELECT', named, (r, c) => c.forward({ ...r, key: mapper(r.key, r.value) }), true);
  }

  /** Calls `action` for each record and passes it on unchanged. */
  peek(action: (key: K, value: V) => void, named?: Named): KStream<K, V> {
    return this.#stateless<K, V>('KSTREAM-PEEK', named, (r, c) => {
      action(r.key, r.value);
      c.forward(r);
    }, this.repartitionRequired);
  }

  /** Terminal: calls `action` for each record. */
  foreach(action: (key: K, value: V) => void, named?: Named): void {
    this.#stateless<K, V>('KSTREAM-FOREACH', named, (r) => action(r.key, r.value), false);
  }

  /** Splits into branches by predicates: the first that matches takes the record. */
  split(named?: Named): BranchedKStream<K, V> {
    const name = named?.name ?? this.ctx.newName('KSTREAM-BRANCH');
    return new BranchedKStream<K, V>(this, name);
  }

  /** One stream with the records of both. */
  merge(other: KStream<K, V>, named?: Named): KStream<K, V> {
    const name = named?.name ?? this.ctx.newName('KSTREAM-MERGE');
    this.ctx.topology.addProcessor(name, processorOf<K, V>((r, c) => c.forward(r)), this.nodeName, other.nodeName);
    return new KStream<K, V>(this.ctx, name, this.repartitionRequired || other.repartitionRequired);
  }

  /** Runs a Processor API processor; `stores` must have been added with `StreamsBuilder.addStateStore`. */
  process<KR, VR>(supplier: ProcessorSupplier<K, V, KR, VR>, ...stores: string[]): KStream<KR, VR> {
    const name = this.ctx.newName('KSTREAM-PROCESSOR');
    this.ctx.topology.addProcessor(name, supplier, this.nodeName);
    if (stores.length) this.ctx.topology.connectProcessorAndStateStores(...stores.map((s) => [name, s] as const));
    // A processor may change keys: be safe, as Kafka Streams is.
    return new KStream<KR, VR>(this.ctx, name, true);
  }

  /** Terminal: writes to a topic, or to a topic chosen per record. */
  to(topic: string | TopicNameExtractor<K, V>, produced?: Produced<K, V>): void {
    const name = produced?.name ?? this.ctx.newName('KSTREAM-SINK');
    this.ctx.topology.addSink<K, V>(name, topic, { key: produced?.keySerializer, value: produced?.valueSerializer }, this.nodeName);
  }

  /** Sends the stream through a repartition topic `<appId>-<name>-repartition` (always). */
  repartition(grouped?: Grouped<K, V>): KStream<K, V> {
    const base = grouped?.name ?? this.ctx.newName('KSTREAM-REPARTITION');
    const topic = `${this.ctx.applicationId}-${base}-repartition`;
    const keySerde = grouped?.keySerde ?? this.ctx.defaultKeySerde;
    const valueSerde = grouped?.valueSerde ?? this.ctx.defaultValueSerde;
    const sink = `${base}-repartition-sink`;
    const source = `${base}-repartition-source`;
    this.ctx.topology
      .addRepartitionTopic(topic)
      .addSink(sink, topic, { key: keySerde, value: valueSerde }, this.nodeName)
      .addSource(source, topic, keySerde, valueSerde);
    return new KStream<K, V>(this.ctx, source, false);
  }

  /** Groups by the current key (repartitioning first if the key changed). */
  groupByKey(grouped?: Grouped<K, V>): KGroupedStream<K, V> {
    const stream = this.repartitionRequired ? this.repartition(grouped) : this;
    return new KGroupedStream<K, V>(stream);
  }

  /** Groups by a new key: `selectKey` then `groupByKey`. */
  groupBy<KR>(selector: (key: K, value: V) => KR, grouped?: Grouped<KR, V>): KGroupedStream<KR, V> {
    return this.selectKey(selector).groupByKey(grouped);
  }

  /** Inner stream-table join: each stream record meets the table's current value for its key. */
  join<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT) => VR, named?: Named): KStream<K, VR> {
    return this.#joinTable(table, joiner, false, named);
  }

  /** Left stream-table join: the table value is undefined when the key has none. */
  leftJoin<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT | undefined) => VR, named?: Named): KStream<K, VR> {
    return this.#joinTable(table, joiner as (value: V, tableValue: VT) => VR, true, named);
  }

  #joinTable<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT) => VR, left: boolean, named?: Named): KStream<K, VR> {
    const stream = this.repartitionRequired ? this.repartition() : this;
    const name = named?.name ?? this.ctx.newName(left ? 'KSTREAM-LEFTJOIN' : 'KSTREAM-JOIN');
    const storeName = table.storeName;
    this.ctx.topology.addProcessor(
      name,
      processorOf<K, V>((r, c) => {
        // Null keys cannot match a table row (Kafka Streams drops them too).
        if (r.key === null || r.key === undefined) return;
        const tableValue = c.getStateStore<KeyValueStore<VT>>(storeName).get(storeKey(r.key));
        if (tableValue === undefined && !left) return;
        c.forward({ ...r, value: joiner(r.value, tableValue as VT) });
      }),
      stream.nodeName,
    );
    this.ctx.topology.connectProcessorAndStateStores([name, storeName]);
    return new KStream<K, VR>(this.ctx, name, false);
  }

  #stateless<KR, VR>(prefix: string, named: Named | undefined, process: (record: StreamRecord<K, V>, ctx: { forward(r: StreamRecord<unknown, unknown>): void }) => unknown, repartition: boolean): KStream<KR, VR> {
    const name = named?.name ?? this.ctx.newName(prefix);
    this.ctx.topology.addProcessor(name, processorOf<K, V>((r, c) => void process(r, c)), this.nodeName);
    return new KStream<KR, VR>(this.ctx, name, repartition);
  }
}
