// KTable: a changelog stream seen as a table, backed by a key-value store (keys as strings,
// see `storeKey`). Downstream nodes receive each new value of a key (no old values).
import type { DslContext } from './context.ts';
import { processorOf } from './context.ts';
import { KStream } from './kstream.ts';
import type { Named } from './options.ts';

/** A table: the latest value per key, queryable in its store. */
export class KTable<K, V> {
  /** @internal */ readonly ctx: DslContext;
  /** The node that emits the table's updates. */
  readonly nodeName: string;
  /** The store holding the table (for joins and interactive queries). */
  readonly storeName: string;

  constructor(ctx: DslContext, nodeName: string, storeName: string) {
    this.ctx = ctx;
    this.nodeName = nodeName;
    this.storeName = storeName;
  }

  /** The stream of the table's updates. */
  toStream(named?: Named): KStream<K, V> {
    const name = named?.name ?? this.ctx.newName('KTABLE-TOSTREAM');
    this.ctx.topology.addProcessor(name, processorOf<K, V>((r, c) => c.forward(r)), this.nodeName);
    return new KStream<K, V>(this.ctx, name, false);
  }
}
