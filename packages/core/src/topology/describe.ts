import type { StoreBuilder } from '../state/store-builder.js';
import type { NodeDef } from './nodes.js';
import type { SubTopology } from './sub-topologies.js';
import { topologyToMermaid } from './describe-mermaid.js';
import type { NodeDescription, TopologyDescription } from './description.js';

export function describeTopology(
  subTopologies: readonly SubTopology[],
  nodes: ReadonlyMap<string, NodeDef>,
  stores: ReadonlyMap<string, StoreBuilder>,
  globals: { readonly subTopologies: readonly SubTopology[]; readonly nodes: ReadonlyMap<string, NodeDef>; readonly stores: ReadonlyMap<string, StoreBuilder> } = {
    subTopologies: [],
    nodes: new Map(),
    stores: new Map(),
  },
): TopologyDescription {
  const children = new Map<string, string[]>();
  for (const node of nodes.values()) {
    if (node.kind === 'source') continue;
    for (const p of node.parents) {
      const list = children.get(p) ?? [];
      list.push(node.name);
      children.set(p, list);
    }
  }
  const describeNode = (node: NodeDef): NodeDescription => ({
    name: node.name,
    kind: node.kind,
    topics: node.kind === 'source' ? node.topics : node.kind === 'sink' ? [typeof node.topic === 'string' ? node.topic : '<extractor>'] : [],
    stores: node.kind === 'processor' ? [...node.stores] : [],
    predecessors: node.kind === 'source' ? [] : node.parents,
    successors: children.get(node.name) ?? [],
  });
  const subs = subTopologies.map((s) => ({ id: s.id, nodes: s.nodes.map((n) => describeNode(nodes.get(n)!)) }));
  const storeList = [...stores.values()].map((b) => ({ name: b.name, persistent: b.persistent, logged: b.loggingEnabled }));

  const text = (): string => {
    const lines = ['Topologies:'];
    for (const sub of subs) {
      lines.push(`   Sub-topology: ${sub.id}`);
      for (const n of sub.nodes) {
        if (n.kind === 'source') lines.push(`    Source: ${n.name} (topics: [${n.topics.join(', ')}])`);
        else if (n.kind === 'processor') lines.push(`    Processor: ${n.name} (stores: [${n.stores.join(', ')}])`);
        else lines.push(`    Sink: ${n.name} (topic: ${n.topics[0]})`);
        lines.push(`      --> ${n.successors.length > 0 ? n.successors.join(', ') : 'none'}`);
        if (n.kind !== 'source') lines.push(`      <-- ${n.predecessors.join(', ')}`);
      }
    }
    // Global stores, as Kafka Streams lists them: a sub-topology each, run outside of any task.
    for (const g of globals.subTopologies) {
      const [source, processor] = g.nodes.map((n) => globals.nodes.get(n)!);
      lines.push(`   Sub-topology: ${subs.length - 1 - g.id} for global store (will not generate tasks)`);
      if (source?.kind === 'source') lines.push(`    Source: ${source.name} (topics: [${source.topics.join(', ')}])`, `      --> ${processor!.name}`);
      if (processor?.kind === 'processor') lines.push(`    Processor: ${processor.name} (stores: [${[...processor.stores].join(', ')}])`, '      --> none', `      <-- ${source!.name}`);
    }
    for (const s of storeList) {
      lines.push(`   Store: ${s.name} (${s.persistent ? 'persistent' : 'in-memory'}, changelog ${s.logged ? 'on' : 'off'})`);
    }
    for (const b of globals.stores.values()) {
      lines.push(`   Store: ${b.name} (${b.persistent ? 'persistent' : 'in-memory'}, global: its topic is its changelog)`);
    }
    return `${lines.join('\n')}\n`;
  };
  return { subTopologies: subs, stores: storeList, toString: text, toMermaid: () => topologyToMermaid({ subTopologies: subs }) };
}
