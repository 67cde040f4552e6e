// KGroupedStream: a stream grouped by key, ready to aggregate into a table backed by a store.
import type { KeyValueStore } from '../state/api.ts';
import { processorOf, storeKey } from './context.ts';
import type { KStream } from './kstream.ts';
import { KTable } from './ktable.ts';
import type { Materialized, Named } from './options.ts';

/** A grouped stream: `aggregate`, `reduce` or `count` it into a KTable. */
export class KGroupedStream<K, V> {
  readonly #stream: KStream<K, V>;

  constructor(stream: KStream<K, V>) {
    this.#stream = stream;
  }

  /** Folds each key's values into an aggregate, starting from `initializer()`. */
  aggregate<VA>(initializer: () => VA, aggregator: (key: K, value: V, aggregate: VA) => VA, materialized?: Materialized<VA> & Named): KTable<K, VA> {
    return this.#fold<VA>('KSTREAM-AGGREGATE', (key, value, old) => aggregator(key, value, old === undefined ? initializer() : old), materialized);
  }

  /** Combines each key's values pairwise; the first value is taken as is. */
  reduce(reducer: (aggregate: V, value: V) => V, materialized?: Materialized<V> & Named): KTable<K, V> {
    return this.#fold<V>('KSTREAM-REDUCE', (_key, value, old) => (old === undefined ? value : reducer(old, value)), materialized);
  }

  /** Counts records per key. */
  count(materialized?: Materialized<number> & Named): KTable<K, number> {
    return this.#fold<number>('KSTREAM-AGGREGATE', (_key, _value, old) => (old ?? 0) + 1, materialized);
  }

  // One processor: read the old aggregate, compute, store, forward the new one downstream.
  #fold<VA>(prefix: string, step: (key: K, value: V, old: VA | undefined) => VA, materialized?: Materialized<VA> & Named): KTable<K, VA> {
    const ctx = this.#stream.ctx;
    const name = materialized?.name ?? ctx.newName(prefix);
    let storeName = '';
    ctx.topology.addProcessor(
      name,
      processorOf<K, V>((r, c) => {
        // Null keys cannot be grouped (Kafka Streams skips them too).
        if (r.key === null || r.key === undefined) return;
        const store = c.getStateStore<KeyValueStore<VA>>(storeName);
        const key = storeKey(r.key);
        const value = step(r.key, r.value, store.get(key));
        store.put(key, value);
        c.forward({ key: r.key, value, timestamp: r.timestamp, headers: r.headers });
      }),
      this.#stream.nodeName,
    );
    storeName = ctx.addTableStore<VA>(name, materialized);
    return new KTable<K, VA>(ctx, name, storeName);
  }
}
