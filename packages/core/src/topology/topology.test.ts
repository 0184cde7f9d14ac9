import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import type { ProcessorSupplier } from '../processor/processor.js';
import type { StoreBuilder } from '../state/store-builder.js';
import type { SubTopology } from './sub-topologies.js';
import { TopologyError } from '../errors/topology-error.js';
import { Topology } from './topology.js';

const strings = { key: serdes.string(), value: serdes.string() };

/** A processor that does nothing: these tests look at the graph, not at records. */
const noop: ProcessorSupplier<string, string, string, string> = () => ({ process: () => undefined });

/** A store builder with the fields a topology reads; no store is built here. */
function store(name: string, options: { persistent?: boolean; logged?: boolean } = {}): StoreBuilder {
  const builder: StoreBuilder = {
    name,
    persistent: options.persistent ?? false,
    loggingEnabled: options.logged ?? true,
    logConfig: {},
    withLoggingEnabled: () => builder,
    withLoggingDisabled: () => builder,
    build: () => {
      throw new Error('no store is built in topology tests');
    },
  };
  return builder;
}

/** The parts of a sub-topology a test compares, with nodes by name. */
function shape(sub: SubTopology): Record<string, unknown> {
  return {
    id: sub.id,
    nodes: sub.nodes,
    sources: sub.sources.map((s) => s.name),
    sinks: sub.sinks.map((s) => s.name),
    sourceTopics: sub.sourceTopics,
    stores: sub.stores,
    copartitionGroups: sub.copartitionGroups,
    writesInternalTopics: sub.writesInternalTopics,
  };
}

/** Runs `build` and returns the TopologyError it throws. */
function topologyError(build: () => unknown): TopologyError {
  try {
    build();
  } catch (err) {
    expect(err).toBeInstanceOf(TopologyError);
    expect((err as Error).name).toBe('TopologyError');
    return err as TopologyError;
  }
  throw new Error('expected a TopologyError, nothing was thrown');
}

describe('Topology node validation', () => {
  it('refuses two nodes with one name, whatever their kinds', () => {
    const t = new Topology().addSource('src', 'in', strings).addProcessor('p', noop, 'src');
    expect(topologyError(() => t.addSource('src', 'other', strings)).message).toBe("a node named 'src' already exists");
    expect(topologyError(() => t.addProcessor('src', noop, 'p')).message).toBe("a node named 'src' already exists");
    expect(topologyError(() => t.addSink('p', 'out', strings, 'src')).message).toBe("a node named 'p' already exists");
    expect(t.nodeDefs().map((n) => `${n.kind}:${n.name}`)).toEqual(['source:src', 'processor:p']);
  });

  it('refuses a processor or sink without parents or with a parent not added yet', () => {
    const t = new Topology().addSource('src', 'in', strings);
    expect(topologyError(() => t.addProcessor('p', noop)).message).toBe("'p' needs at least one parent");
    expect(topologyError(() => t.addSink('out', 'out', strings)).message).toBe("'out' needs at least one parent");
    expect(topologyError(() => t.addProcessor('p', noop, 'src', 'later')).message).toBe(
      "parent 'later' of 'p' does not exist (add parents first)",
    );
    expect(topologyError(() => t.addSink('out', 'out', strings, 'ghost')).message).toBe(
      "parent 'ghost' of 'out' does not exist (add parents first)",
    );
    expect(t.nodeDefs().map((n) => n.name)).toEqual(['src']);
  });

  it('refuses a sink as a parent', () => {
    const t = new Topology().addSource('src', 'in', strings).addSink('out', 'out', strings, 'src');
    expect(topologyError(() => t.addProcessor('p', noop, 'out')).message).toBe("sink 'out' cannot be the parent of 'p'");
    expect(topologyError(() => t.addSink('out2', 'out2', strings, 'src', 'out')).message).toBe(
      "sink 'out' cannot be the parent of 'out2'",
    );
  });

  it('refuses a topic read by two sources, and a source without topics', () => {
    const t = new Topology().addSource('orders', ['orders', 'orders-eu'], strings);
    expect(topologyError(() => t.addSource('eu', ['payments', 'orders-eu'], strings)).message).toBe(
      "topic 'orders-eu' is already read by source 'orders'; a topic has one source",
    );
    expect(topologyError(() => t.addSource('none', [], strings)).message).toBe("source 'none' names no topic");
    // The refused source left nothing behind: its name and its other topic are still free.
    t.addSource('eu', 'payments', strings);
    expect(t.nodeDefs().map((n) => (n.kind === 'source' ? `${n.name}:${n.topics.join('+')}` : n.name))).toEqual([
      'orders:orders+orders-eu',
      'eu:payments',
    ]);
  });

  it('refuses a store added twice and connecting a store that was not added', () => {
    const t = new Topology().addSource('src', 'in', strings).addProcessor('p', noop, 'src').addStateStore(store('counts'), 'p');
    expect(topologyError(() => t.addStateStore(store('counts'), 'p')).message).toBe("state store 'counts' is already added");
    expect(topologyError(() => t.connectProcessorAndStateStores('totals', 'p')).message).toBe("state store 'totals' is not added");
  });

  it('connects stores to processors only', () => {
    const t = new Topology()
      .addSource('src', 'in', strings)
      .addProcessor('p', noop, 'src')
      .addSink('out', 'out', strings, 'p')
      .addStateStore(store('counts'));
    expect(topologyError(() => t.connectProcessorAndStateStores('counts', 'src')).message).toBe(
      "'src' is not a processor; only processors use state stores",
    );
    expect(topologyError(() => t.connectProcessorAndStateStores('counts', 'out')).message).toBe(
      "'out' is not a processor; only processors use state stores",
    );
    expect(topologyError(() => t.connectProcessorAndStateStores('counts', 'ghost')).message).toBe(
      "'ghost' is not a processor; only processors use state stores",
    );
    t.connectProcessorAndStateStores('counts', 'p');
    expect(t.subTopologies().map((s) => s.stores)).toEqual([['counts']]);
  });

  it('refuses an internal topic declared twice', () => {
    const t = new Topology().addInternalTopic('by-user', { numPartitions: 4 });
    expect(topologyError(() => t.addInternalTopic('by-user')).message).toBe("internal topic 'by-user' is already declared");
    expect([...t.internalTopicDefs().values()]).toEqual([{ name: 'by-user', numPartitions: 4 }]);
  });
});

describe('Topology sub-topologies', () => {
  it('splits two independent pipelines into two sub-topologies, numbered by their first node', () => {
    const t = new Topology()
      .addSource('a-src', 'a-in', strings)
      .addSource('b-src', 'b-in', strings)
      .addProcessor('b-map', noop, 'b-src')
      .addProcessor('a-map', noop, 'a-src')
      .addSink('a-out', 'a-out', strings, 'a-map')
      .addSink('b-out', 'b-out', strings, 'b-map');
    expect(t.subTopologies().map(shape)).toEqual([
      {
        id: 0,
        nodes: ['a-src', 'a-map', 'a-out'],
        sources: ['a-src'],
        sinks: ['a-out'],
        sourceTopics: ['a-in'],
        stores: [],
        copartitionGroups: [],
        writesInternalTopics: [],
      },
      {
        id: 1,
        nodes: ['b-src', 'b-map', 'b-out'],
        sources: ['b-src'],
        sinks: ['b-out'],
        sourceTopics: ['b-in'],
        stores: [],
        copartitionGroups: [],
        writesInternalTopics: [],
      },
    ]);
  });

  it('joins pipelines whose processors share a store into one sub-topology with a co-partition group', () => {
    const t = new Topology()
      .addSource('orders', 'orders', strings)
      .addSource('customers', 'customers', strings)
      .addProcessor('orders-side', noop, 'orders')
      .addProcessor('customers-side', noop, 'customers')
      .addStateStore(store('joined'), 'orders-side', 'customers-side')
      .addSink('out', 'enriched', strings, 'orders-side');
    expect(t.subTopologies().map(shape)).toEqual([
      {
        id: 0,
        nodes: ['orders', 'customers', 'orders-side', 'customers-side', 'out'],
        sources: ['orders', 'customers'],
        sinks: ['out'],
        sourceTopics: ['orders', 'customers'],
        stores: ['joined'],
        copartitionGroups: [['orders', 'customers']],
        writesInternalTopics: [],
      },
    ]);
  });

  it('co-partitions the topics behind a store used downstream of two sources through several hops', () => {
    const t = new Topology()
      .addSource('left', 'left-in', strings)
      .addSource('right', 'right-in', strings)
      .addProcessor('left-map', noop, 'left')
      .addProcessor('merge', noop, 'left-map', 'right')
      .addStateStore(store('merged'), 'merge')
      .addSource('solo', 'solo-in', strings)
      .addProcessor('solo-count', noop, 'solo')
      .addStateStore(store('solo-counts'), 'solo-count');
    // A co-partition group is a set of topics: compare it sorted.
    expect(t.subTopologies().map((s) => [s.nodes, s.copartitionGroups.map((g) => [...g].sort())])).toEqual([
      [['left', 'right', 'left-map', 'merge'], [['left-in', 'right-in']]],
      // One source, one topic: nothing to co-partition.
      [['solo', 'solo-count'], []],
    ]);
  });

  it('puts a sink to an internal topic and the source reading it in separate sub-topologies', () => {
    const t = new Topology()
      .addInternalTopic('by-user', { numPartitions: 4 })
      .addSource('clicks', 'clicks', strings)
      .addProcessor('rekey', noop, 'clicks')
      .addSink('to-by-user', 'by-user', strings, 'rekey')
      .addSource('from-by-user', 'by-user', strings)
      .addProcessor('count', noop, 'from-by-user')
      .addStateStore(store('counts'), 'count')
      .addSink('out', 'click-counts', strings, 'count');
    expect(t.subTopologies().map(shape)).toEqual([
      {
        id: 0,
        nodes: ['clicks', 'rekey', 'to-by-user'],
        sources: ['clicks'],
        sinks: ['to-by-user'],
        sourceTopics: ['clicks'],
        stores: [],
        copartitionGroups: [],
        writesInternalTopics: ['by-user'],
      },
      {
        id: 1,
        nodes: ['from-by-user', 'count', 'out'],
        sources: ['from-by-user'],
        sinks: ['out'],
        sourceTopics: ['by-user'],
        stores: ['counts'],
        copartitionGroups: [],
        writesInternalTopics: [],
      },
    ]);
  });

  it('recomputes sub-topologies after the graph changes', () => {
    const t = new Topology().addSource('a', 'a-in', strings).addProcessor('pa', noop, 'a');
    expect(t.subTopologies().map((s) => s.nodes)).toEqual([['a', 'pa']]);
    t.addSource('b', 'b-in', strings).addProcessor('pb', noop, 'b');
    expect(t.subTopologies().map((s) => s.nodes)).toEqual([['a', 'pa'], ['b', 'pb']]);
    t.addStateStore(store('shared'), 'pa', 'pb');
    expect(t.subTopologies().map((s) => s.nodes)).toEqual([['a', 'pa', 'b', 'pb']]);
  });
});

describe('Topology.describe', () => {
  const topology = (): Topology =>
    new Topology()
      .addSource('lines', 'text-lines', strings)
      .addProcessor('split', noop, 'lines')
      .addProcessor('count', noop, 'split')
      .addProcessor('audit', noop, 'split')
      .addStateStore(store('counts', { persistent: true }), 'count')
      .addStateStore(store('seen', { logged: false }), 'count', 'audit')
      .addSink('out', 'word-counts', strings, 'count')
      .addSource('events', ['clicks', 'views'], strings)
      .addSink('route', (record) => `events-${String(record.key)}`, strings, 'events');

  it('prints sub-topologies, nodes with their links, and stores', () => {
    expect(topology().describe().toString()).toBe(
      [
        'Topologies:',
        '   Sub-topology: 0',
        '    Source: lines (topics: [text-lines])',
        '      --> split',
        '    Processor: split (stores: [])',
        '      --> count, audit',
        '      <-- lines',
        '    Processor: count (stores: [counts, seen])',
        '      --> out',
        '      <-- split',
        '    Processor: audit (stores: [seen])',
        '      --> none',
        '      <-- split',
        '    Sink: out (topic: word-counts)',
        '      --> none',
        '      <-- count',
        '   Sub-topology: 1',
        '    Source: events (topics: [clicks, views])',
        '      --> route',
        '    Sink: route (topic: <extractor>)',
        '      --> none',
        '      <-- events',
        '   Store: counts (persistent, changelog on)',
        '   Store: seen (in-memory, changelog off)',
        '',
      ].join('\n'),
    );
  });

  it('gives the same as data', () => {
    const d = topology().describe();
    expect(d.stores).toEqual([
      { name: 'counts', persistent: true, logged: true },
      { name: 'seen', persistent: false, logged: false },
    ]);
    expect(d.subTopologies.map((s) => s.id)).toEqual([0, 1]);
    expect(d.subTopologies[0]!.nodes[2]).toEqual({
      name: 'count',
      kind: 'processor',
      topics: [],
      stores: ['counts', 'seen'],
      predecessors: ['split'],
      successors: ['out'],
    });
    expect(d.subTopologies[1]!.nodes).toEqual([
      { name: 'events', kind: 'source', topics: ['clicks', 'views'], stores: [], predecessors: [], successors: ['route'] },
      { name: 'route', kind: 'sink', topics: ['<extractor>'], stores: [], predecessors: ['events'], successors: [] },
    ]);
  });
});
