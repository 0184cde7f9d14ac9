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
