import type { StoreBuilder } from '../state/stores.js';
import type { NodeDef } from './nodes.js';
import type { SubTopology } from './sub-topologies.js';
import { topologyToMermaid } from './describe-mermaid.js';

/** One node as `describe()` reports it. */
export interface NodeDescription {
  /** The node's name, unique in the topology. */
  readonly name: string;
  /** What the node is: a source, a processor or a sink. */
  readonly kind: 'source' | 'processor' | 'sink';
  /** Source topics, or the sink topic (`<extractor>` when chosen per record). */
  readonly topics: readonly string[];
  /** The stores a processor is connected to; empty for sources and sinks. */
  readonly stores: readonly string[];
  /** Names of the nodes that feed this one. */
  readonly predecessors: readonly string[];
  /** Names of the nodes this one forwards to. */
  readonly successors: readonly string[];
}

/** What `Topology.describe()` returns: data for tools, `toString()` for people, `toMermaid()` for diagrams. */
export interface TopologyDescription {
  /** The sub-topologies: the connected parts of the topology, each run as tasks `<id>_<partition>`. */
  readonly subTopologies: readonly {
    /** The sub-topology's number, the first part of its task ids. */
    readonly id: number;
    /** Its nodes, parents before children. */
    readonly nodes: readonly NodeDescription[];
  }[];
  /** The topology's state stores. */
  readonly stores: readonly {
    /** The store's name. */
    readonly name: string;
    /** True when the store keeps its data on disk (lmdb). */
    readonly persistent: boolean;
    /** True when the store's writes go to a changelog topic. */
    readonly logged: boolean;
  }[];
  /** A text rendering, in the style of Kafka Streams' `TopologyDescription`, for logs and people. */
  toString(): string;
  /**
   * The topology as a Mermaid flowchart: a subgraph per sub-topology with its nodes and stores,
   * and the topics read and written (a repartition topic links two sub-topologies). Paste it into
   * a Markdown ```mermaid block.
   *
   * @example
   * writeFileSync('topology.md', '```mermaid\n' + topology.describe().toMermaid() + '```\n');
   */
  toMermaid(): string;
}

export function describeTopology(
  subTopologies: readonly SubTopology[],
  nodes: ReadonlyMap<string, NodeDef>,
  stores: ReadonlyMap<string, StoreBuilder>,
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
    for (const s of storeList) {
      lines.push(`   Store: ${s.name} (${s.persistent ? 'persistent' : 'in-memory'}, changelog ${s.logged ? 'on' : 'off'})`);
    }
    return `${lines.join('\n')}\n`;
  };
  return { subTopologies: subs, stores: storeList, toString: text, toMermaid: () => topologyToMermaid({ subTopologies: subs }) };
}
