// Renders sub-topologies in the layout of Kafka Streams' TopologyDescription#toString, so people
// who know that output can read ours (and tools that diff it keep working).
import type { Subtopology } from './subtopologies.ts';
import type { NodeDef } from './topology.ts';

/** The text description of a topology. */
export function describeTopology(subtopologies: readonly Subtopology[]): string {
  const lines: string[] = ['Topologies:'];
  const children = new Map<string, string[]>();
  for (const sub of subtopologies) {
    for (const node of sub.nodes) {
      if (node.kind === 'source') continue;
      for (const p of node.parents) {
        const list = children.get(p);
        if (list) list.push(node.name);
        else children.set(p, [node.name]);
      }
    }
  }
  for (const sub of subtopologies) {
    lines.push(`   Sub-topology: ${sub.id}`);
    for (const node of sub.nodes) {
      lines.push(`    ${header(node)}`);
      const kids = children.get(node.name) ?? [];
      if (node.kind !== 'sink') lines.push(`      --> ${kids.length ? kids.join(', ') : 'none'}`);
      if (node.kind !== 'source') lines.push(`      <-- ${node.parents.join(', ')}`);
    }
    if (sub.repartitionTopics.length) lines.push(`    Repartition topics: [${sub.repartitionTopics.join(', ')}]`);
  }
  return lines.join('\n') + '\n';
}

function header(node: NodeDef): string {
  switch (node.kind) {
    case 'source':
      return `Source: ${node.name} (topics: [${node.topics.join(', ')}])`;
    case 'processor':
      return `Processor: ${node.name} (stores: [${node.stores.join(', ')}])`;
    case 'sink':
      return `Sink: ${node.name} (${typeof node.topic === 'string' ? `topic: ${node.topic}` : 'extractor class: dynamic'})`;
  }
}
