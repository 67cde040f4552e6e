// Splits a topology into sub-topologies: the connected components of the node graph, where
// processors sharing a store are connected too. Topics (repartition or user) are the cut
// between components, as in Kafka Streams' InternalTopologyBuilder.
import type { NodeDef } from './topology.ts';

/** One connected component: the unit a task runs. */
export interface Subtopology {
  readonly id: number;
  /** Nodes in topology insertion order. */
  readonly nodes: readonly NodeDef[];
  readonly sourceTopics: readonly string[];
  /** Fixed sink topics (dynamic sinks are not listed). */
  readonly sinkTopics: readonly string[];
  readonly stores: readonly string[];
  /** Which of the source and sink topics are repartition topics. */
  readonly repartitionTopics: readonly string[];
}

/** Groups nodes into components; numbering follows the first node of each component. */
export function buildSubtopologies(nodes: readonly NodeDef[], repartitionTopics: ReadonlySet<string>): Subtopology[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) as string;
    // Path compression keeps later finds short.
    let cur = x;
    while (cur !== root) {
      const next = parent.get(cur) as string;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(rb, ra);
  };
  for (const node of nodes) parent.set(node.name, node.name);
  const storeOwner = new Map<string, string>();
  for (const node of nodes) {
    if (node.kind !== 'source') for (const p of node.parents) union(p, node.name);
    if (node.kind === 'processor') {
      for (const store of node.stores) {
        const owner = storeOwner.get(store);
        if (owner) union(owner, node.name);
        else storeOwner.set(store, node.name);
      }
    }
  }
  const groups = new Map<string, NodeDef[]>();
  for (const node of nodes) {
    const root = find(node.name);
    const group = groups.get(root);
    if (group) group.push(node);
    else groups.set(root, [node]);
  }
  let id = 0;
  const result: Subtopology[] = [];
  for (const group of groups.values()) {
    const sourceTopics: string[] = [];
    const sinkTopics: string[] = [];
    const stores = new Set<string>();
    for (const node of group) {
      if (node.kind === 'source') sourceTopics.push(...node.topics);
      else if (node.kind === 'sink' && typeof node.topic === 'string') sinkTopics.push(node.topic);
      else if (node.kind === 'processor') for (const s of node.stores) stores.add(s);
    }
    const repartition = [...sourceTopics, ...sinkTopics].filter((t) => repartitionTopics.has(t));
    result.push({ id: id++, nodes: group, sourceTopics, sinkTopics, stores: [...stores], repartitionTopics: [...new Set(repartition)] });
  }
  return result;
}
