// split()/branch(): one processor that forwards each record to the first branch whose
// predicate holds (or to the default branch), each branch a named child node.
import type { StreamRecord } from '../processor/api.ts';
import { processorOf } from './context.ts';
import { KStream } from './kstream.ts';

interface Branch<K, V> {
  readonly predicate: (key: K, value: V) => boolean;
  readonly node: string;
}

/** The branches of a split stream; finish with `defaultBranch()` or `noDefaultBranch()`. */
export class BranchedKStream<K, V> {
  readonly #source: KStream<K, V>;
  readonly #name: string;
  readonly #branches: Branch<K, V>[] = [];
  readonly #result: Record<string, KStream<K, V>> = {};
  #default: string | undefined;

  constructor(source: KStream<K, V>, name: string) {
    this.#source = source;
    this.#name = name;
    const branches = this.#branches;
    // The split node reads its branch list when the task instantiates it, after all branches exist.
    source.ctx.topology.addProcessor(
      name,
      processorOf<K, V>((r: StreamRecord<K, V>, c) => {
        for (const b of branches) {
          if (b.predicate(r.key, r.value)) {
            c.forward(r, b.node);
            return;
          }
        }
        if (this.#default) c.forward(r, this.#default);
      }),
      source.nodeName,
    );
  }

  /** Adds a branch; its stream is in the result under `<splitName><branchName>` (branch name defaults to its 1-based index). */
  branch(predicate: (key: K, value: V) => boolean, branchName?: string): this {
    const node = this.#addChild(branchName ?? String(this.#branches.length + 1));
    this.#branches.push({ predicate, node });
    return this;
  }

  /** Ends the split with a branch for the records no predicate took (named `<splitName>0` by default). */
  defaultBranch(branchName = '0'): Record<string, KStream<K, V>> {
    this.#default = this.#addChild(branchName);
    return this.#result;
  }

  /** Ends the split; records no predicate took are dropped. */
  noDefaultBranch(): Record<string, KStream<K, V>> {
    return this.#result;
  }

  #addChild(branchName: string): string {
    const node = `${this.#name}${branchName}`;
    this.#source.ctx.topology.addProcessor(node, processorOf<K, V>((r, c) => c.forward(r)), this.#name);
    this.#result[node] = new KStream<K, V>(this.#source.ctx, node, this.#source.repartitionRequired);
    return node;
  }
}
