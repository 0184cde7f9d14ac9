import type { Serde } from '@rivulet/serde';
import type { Partitioner } from '../client/partitioner.js';
import { TopologyError } from '../errors/topology-error.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import type { StoreBuilder } from '../state/store-builder.js';
import type { StoreTypes } from '../state/store-types.js';
import type { InternalTopicDef, NodeDef, ProcessorNodeDef, SinkNodeDef, SourceNodeDef, TimestampExtractor, TopicNameExtractor } from './nodes.js';
import { buildSubTopologies, type SubTopology } from './sub-topologies.js';
import { describeTopology } from './describe.js';
import type { TopologyDescription } from './description.js';

/**
 * A pattern source whose matching topics changed since it was resolved (see
 * `Topology.patternSourceChanges`).
 *
 * @internal
 */
export interface PatternSourceChange {
  /** The source node's name. */
  readonly source: string;
  /** Its pattern. */
  readonly pattern: RegExp;
  /** Every topic it matches now, sorted. */
  readonly topics: readonly string[];
  /** Topics it matches now and did not read. */
  readonly added: readonly string[];
  /** Topics it read that are gone (deleted). */
  readonly removed: readonly string[];
}

/** Options of a source node. */
export interface SourceOptions<K, V> {
  /** How keys are read; default: the app's `defaultKeySerde` (an app without one fails at construction). */
  key?: Serde<K>;
  /** How values are read; default: the app's `defaultValueSerde` (an app without one fails at construction). */
  value?: Serde<V>;
  /** Chooses each record's event time; default {@link recordTimestamp}, the record's own timestamp. */
  timestampExtractor?: TimestampExtractor;
}

/** Options of a sink node. */
export interface SinkOptions<K, V> {
  /** How keys are written; default: the app's `defaultKeySerde` (an app without one fails at construction). */
  key?: Serde<K>;
  /** How values are written; default: the app's `defaultValueSerde` (an app without one fails at construction). */
  value?: Serde<V>;
  /** Chooses the partition; default: Java-compatible murmur2 of the key bytes, round robin for null keys. */
  partitioner?: Partitioner;
}

/**
 * A processing graph: sources read topics, processors transform records and use state stores, sinks
 * write topics. The runtime splits it into sub-topologies (connected parts of the graph) and runs
 * one task per sub-topology and partition. The DSL (`@rivulet/streams`) builds one for you; the
 * Processor API builds one by hand.
 *
 * @example
 * const topology = new Topology()
 *   .addSource('lines', ['text-lines'], { key: serdes.string(), value: serdes.string() })
 *   .addProcessor('upper', upperSupplier, 'lines')
 *   .addSink('out', 'upper-lines', { key: serdes.string(), value: serdes.string() }, 'upper');
 *
 * @typeParam S - The types of its named stores, for the type checker only: the DSL's
 * `builder.build(...stores)` fills it, and a `StreamsApp` or `TopologyTestDriver` of the topology
 * then types `app.store(name)` from it. Left out (the Processor API's `new Topology()`,
 * `builder.build()` given no stores), untyped: any store name, its types given as type arguments
 * (`app.store<string, bigint>('word-counts')`), as before typed stores.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars, @typescript-eslint/no-explicit-any -- S is a phantom (only the type checker reads it); untyped by default
export class Topology<S extends StoreTypes = any> {
  private readonly nodes = new Map<string, NodeDef>();
  private readonly storeBuilders = new Map<string, StoreBuilder>();
  private readonly internalTopics = new Map<string, InternalTopicDef>();
  private readonly topicOwners = new Map<string, string>();
  private readonly globalStoreBuilders = new Map<string, StoreBuilder>();
  private readonly globalNodes = new Map<string, NodeDef>();
  private cachedSubTopologies: SubTopology[] | undefined;

  /**
   * Adds a source node reading one or more topics, or the topics a pattern matches (resolved
   * against the existing topics when the app starts). A topic is read by one source only.
   */
  addSource<K, V>(name: string, topics: string | readonly string[] | RegExp, options: SourceOptions<K, V>): this {
    const pattern = topics instanceof RegExp ? topics : undefined;
    const list = pattern !== undefined ? [] : typeof topics === 'string' ? [topics] : [...(topics as readonly string[])];
    if (list.length === 0 && pattern === undefined) throw new TopologyError(`source '${name}' names no topic`);
    for (const topic of list) {
      const owner = this.topicOwners.get(topic);
      if (owner !== undefined) throw new TopologyError(`topic '${topic}' is already read by source '${owner}'; a topic has one source`);
    }
    const node: SourceNodeDef = {
      kind: 'source',
      name,
      topics: list,
      pattern,
      keySerde: options.key as Serde<unknown> | undefined,
      valueSerde: options.value as Serde<unknown> | undefined,
      timestampExtractor: options.timestampExtractor,
    };
    this.addNode(node);
    for (const topic of list) this.topicOwners.set(topic, name);
    return this;
  }

  /** Adds a processor node fed by the named parents (sources or processors). */
  addProcessor<KIn, VIn, KOut, VOut>(
    name: string,
    supplier: ProcessorSupplier<KIn, VIn, KOut, VOut>,
    ...parentNames: string[]
  ): this {
    this.checkParents(name, parentNames);
    const node: ProcessorNodeDef = {
      kind: 'processor',
      name,
      supplier: supplier as unknown as ProcessorSupplier<unknown, unknown, unknown, unknown>,
      parents: parentNames,
      stores: new Set(),
    };
    this.addNode(node);
    return this;
  }

  /** Adds a sink node writing what its parents forward to a topic, or to a topic chosen per record. */
  addSink<K, V>(
    name: string,
    topic: string | TopicNameExtractor<K, V>,
    options: SinkOptions<K, V>,
    ...parentNames: string[]
  ): this {
    this.checkParents(name, parentNames);
    const node: SinkNodeDef = {
      kind: 'sink',
      name,
      topic: topic as string | TopicNameExtractor,
      keySerde: options.key as Serde<unknown> | undefined,
      valueSerde: options.value as Serde<unknown> | undefined,
      partitioner: options.partitioner,
      parents: parentNames,
    };
    this.addNode(node);
    return this;
  }

  /** Adds a state store and connects it to the named processors. */
  addStateStore(builder: StoreBuilder, ...processorNames: string[]): this {
    if (this.storeBuilders.has(builder.name) || this.globalStoreBuilders.has(builder.name)) throw new TopologyError(`state store '${builder.name}' is already added`);
    // Check every processor before changing anything, so a bad name leaves the topology as it was.
    for (const p of processorNames) this.checkStoreUser(p);
    this.storeBuilders.set(builder.name, builder);
    this.connectProcessorAndStateStores(builder.name, ...processorNames);
    return this;
  }

  /** Gives more processors access to an existing store (they join one sub-topology). */
  connectProcessorAndStateStores(storeName: string, ...processorNames: string[]): this {
    if (this.globalStoreBuilders.has(storeName)) return this; // a global store is readable by every processor
    if (!this.storeBuilders.has(storeName)) throw new TopologyError(`state store '${storeName}' is not added`);
    const users = processorNames.map((p) => this.checkStoreUser(p));
    for (const node of users) node.stores.add(storeName);
    this.cachedSubTopologies = undefined;
    return this;
  }

  /**
   * Adds a global state store (Kafka Streams' `Topology.addGlobalStore`): a store filled from every
   * partition of `topic` by `stateUpdateSupplier`'s processor, on every instance of the app. It is
   * part of no task and has no changelog (the topic is its changelog): the app loads it completely
   * before it is RUNNING and keeps it up to date while it runs. Every processor may read it with
   * `context.getStateStore(name)` without being connected to it; nothing joins sub-topologies or
   * co-partitions through it. The update processor forwards nothing; it puts and deletes. The store
   * is built with logging disabled.
   *
   * @example
   * topology.addGlobalStore(
   *   Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('countries'), serdes.string(), serdes.string()),
   *   'countries-source',
   *   'countries',
   *   { key: serdes.string(), value: serdes.string() },
   *   'countries-updater',
   *   () => {
   *     let store: KeyValueStore<string, string>;
   *     return {
   *       init: (ctx) => void (store = ctx.getStateStore('countries')),
   *       process: (r) => (r.value === null ? store.delete(r.key) : store.put(r.key, r.value)),
   *     };
   *   },
   * );
   */
  addGlobalStore<K, V>(
    storeBuilder: StoreBuilder,
    sourceName: string,
    topic: string,
    options: SourceOptions<K, V>,
    processorName: string,
    stateUpdateSupplier: ProcessorSupplier<K, V, void, void>,
  ): this {
    const name = storeBuilder.name;
    if (this.storeBuilders.has(name) || this.globalStoreBuilders.has(name)) throw new TopologyError(`state store '${name}' is already added`);
    const owner = this.topicOwners.get(topic);
    if (owner !== undefined) throw new TopologyError(`topic '${topic}' is already read by source '${owner}'; a topic has one source`);
    for (const n of [sourceName, processorName]) {
      if (this.nodes.has(n) || this.globalNodes.has(n)) throw new TopologyError(`a node named '${n}' already exists`);
    }
    if (sourceName === processorName) throw new TopologyError(`a node named '${sourceName}' already exists`);
    // The topic is the store's changelog: no changelog topic of its own.
    this.globalStoreBuilders.set(name, storeBuilder.withLoggingDisabled());
    this.globalNodes.set(sourceName, {
      kind: 'source',
      name: sourceName,
      topics: [topic],
      pattern: undefined,
      keySerde: options.key as Serde<unknown> | undefined,
      valueSerde: options.value as Serde<unknown> | undefined,
      timestampExtractor: options.timestampExtractor,
    });
    this.globalNodes.set(processorName, {
      kind: 'processor',
      name: processorName,
      supplier: stateUpdateSupplier as unknown as ProcessorSupplier<unknown, unknown, unknown, unknown>,
      parents: [sourceName],
      stores: new Set([name]),
    });
    this.topicOwners.set(topic, sourceName);
    return this;
  }

  /** The global stores' builders, by store name (see {@link Topology.addGlobalStore}). */
  globalStores(): ReadonlyMap<string, StoreBuilder> {
    return this.globalStoreBuilders;
  }

  /**
   * The global stores' sources and update processors, each pair a sub-topology of its own that
   * the runtime runs outside of any task, once per partition of its topic (ids from -1 down).
   *
   * @internal
   */
  globalSubTopologies(): readonly SubTopology[] {
    const result: SubTopology[] = [];
    for (const node of this.globalNodes.values()) {
      if (node.kind !== 'processor') continue;
      const source = this.globalNodes.get(node.parents[0]!) as SourceNodeDef;
      result.push({
        id: -1 - result.length,
        nodes: [source.name, node.name],
        sources: [source],
        sinks: [],
        sourceTopics: [...source.topics],
        stores: [...node.stores],
        copartitionGroups: [],
        writesInternalTopics: [],
      });
    }
    return result;
  }

  /**
   * The global stores' source and processor nodes, by name.
   *
   * @internal
   */
  globalNodeDefs(): ReadonlyMap<string, NodeDef> {
    return this.globalNodes;
  }

  /**
   * Declares an internal topic (a repartition topic) that Rivulet creates at start as
   * `<applicationId>-<name>`. Sources and sinks refer to it by `name`.
   */
  addInternalTopic(name: string, options: { numPartitions?: number } = {}): this {
    if (this.internalTopics.has(name)) throw new TopologyError(`internal topic '${name}' is already declared`);
    this.internalTopics.set(name, { name, numPartitions: options.numPartitions });
    this.cachedSubTopologies = undefined;
    return this;
  }

  /**
   * True when a source reads a pattern that `resolveSourcePatterns` has not resolved yet.
   *
   * @internal
   */
  hasUnresolvedPatterns(): boolean {
    return [...this.nodes.values()].some((n) => n.kind === 'source' && n.pattern !== undefined && n.topics.length === 0);
  }

  /**
   * Resolves pattern sources to the existing topics they match (internal topics excluded), as the
   * app does at start. A pattern matching no topic is an error: create a matching topic first.
   *
   * @internal
   */
  resolveSourcePatterns(existingTopics: readonly string[], applicationId: string): this {
    for (const node of this.nodes.values()) {
      if (node.kind !== 'source' || node.pattern === undefined || node.topics.length > 0) continue;
      const pattern = node.pattern;
      const matched = existingTopics
        .filter((t) => pattern.test(t) && !t.startsWith(`${applicationId}-`) && !t.startsWith('__') && !this.topicOwners.has(t))
        .sort();
      if (matched.length === 0) throw new TopologyError(`source '${node.name}' pattern ${String(pattern)} matches no existing topic: create one first`);
      node.topics = matched;
      for (const t of matched) this.topicOwners.set(t, node.name);
    }
    this.cachedSubTopologies = undefined;
    return this;
  }

  /**
   * The pattern sources whose matches among `existingTopics` differ from the topics they read now
   * (topics created or deleted since they were resolved), by the rules of `resolveSourcePatterns`.
   * A source that would match no topic any more is left out: it keeps its topics until one exists.
   *
   * @internal
   */
  patternSourceChanges(existingTopics: readonly string[], applicationId: string): PatternSourceChange[] {
    const changes: PatternSourceChange[] = [];
    for (const node of this.nodes.values()) {
      if (node.kind !== 'source' || node.pattern === undefined || node.topics.length === 0) continue;
      const { pattern, name } = node;
      const topics = existingTopics
        .filter((t) => pattern.test(t) && !t.startsWith(`${applicationId}-`) && !t.startsWith('__') && (this.topicOwners.get(t) ?? name) === name)
        .sort();
      const added = topics.filter((t) => !node.topics.includes(t));
      const removed = node.topics.filter((t) => !topics.includes(t));
      if (topics.length > 0 && added.length + removed.length > 0) changes.push({ source: name, pattern, topics, added, removed });
    }
    return changes;
  }

  /**
   * Makes pattern sources read the topics `patternSourceChanges` found: what a running app does
   * when its periodic topic check finds a change.
   *
   * @internal
   */
  applyPatternSourceChanges(changes: readonly PatternSourceChange[]): this {
    for (const change of changes) {
      const node = this.nodes.get(change.source);
      if (node?.kind !== 'source' || node.pattern === undefined) throw new TopologyError(`'${change.source}' is not a pattern source`);
      for (const t of change.removed) if (this.topicOwners.get(t) === node.name) this.topicOwners.delete(t);
      for (const t of change.topics) this.topicOwners.set(t, node.name);
      node.topics = [...change.topics];
    }
    this.cachedSubTopologies = undefined;
    return this;
  }

  /**
   * The nodes in the order they were added.
   *
   * @internal
   */
  nodeDefs(): readonly NodeDef[] {
    return [...this.nodes.values()];
  }

  /** The topology's store builders, by store name. */
  stores(): ReadonlyMap<string, StoreBuilder> {
    return this.storeBuilders;
  }

  /**
   * The internal (repartition) topics, by short name.
   *
   * @internal
   */
  internalTopicDefs(): ReadonlyMap<string, InternalTopicDef> {
    return this.internalTopics;
  }

  /**
   * The connected parts of the graph, numbered in the order of their first node.
   *
   * @internal
   */
  subTopologies(): readonly SubTopology[] {
    this.cachedSubTopologies ??= buildSubTopologies(this.nodeDefs(), this.internalTopics);
    return this.cachedSubTopologies;
  }

  /** Sub-topologies, nodes, stores and topics, as data and as text (`toString()`). */
  describe(): TopologyDescription {
    return describeTopology(this.subTopologies(), this.nodes, this.storeBuilders, {
      subTopologies: this.globalSubTopologies(),
      nodes: this.globalNodes,
      stores: this.globalStoreBuilders,
    });
  }

  private checkStoreUser(name: string): ProcessorNodeDef {
    const node = this.nodes.get(name);
    if (node?.kind !== 'processor') throw new TopologyError(`'${name}' is not a processor; only processors use state stores`);
    return node;
  }

  private addNode(node: NodeDef): void {
    if (this.nodes.has(node.name) || this.globalNodes.has(node.name)) throw new TopologyError(`a node named '${node.name}' already exists`);
    this.nodes.set(node.name, node);
    this.cachedSubTopologies = undefined;
  }

  private checkParents(name: string, parents: readonly string[]): void {
    if (parents.length === 0) throw new TopologyError(`'${name}' needs at least one parent`);
    for (const p of parents) {
      const parent = this.nodes.get(p);
      if (parent === undefined) throw new TopologyError(`parent '${p}' of '${name}' does not exist (add parents first)`);
      if (parent.kind === 'sink') throw new TopologyError(`sink '${p}' cannot be the parent of '${name}'`);
    }
  }
}
