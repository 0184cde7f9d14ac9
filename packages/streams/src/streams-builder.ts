import { TopologyError, type KeyValueStoreType, type NamedStore, type StoresOf, type TimestampExtractor, type Topology, type VersionedStoreType } from '@rivulet/core';
import type { StoreTypeCheck } from './materialized.js';
import type { Serde } from '@rivulet/serde';
import { BuilderContext, type StoreOptions } from './internal/builder-context.js';
import { KTableSource } from './internal/processors/ktable-processors.js';
import { VersionedKTableSource } from './internal/processors/versioned-ktable-source.js';
import { versionedTableStore, type VersionedTableOptions } from './internal/versioned-tables.js';
import { KStream, type Named } from './kstream.js';
import { KTable } from './ktable.js';
import { GlobalKTable, type GlobalTableOptions } from './global-ktable.js';

/** Options of {@link StreamsBuilder.source}. */
export interface StreamSourceOptions<K, V> extends Named {
  /**
   * How the topic's keys are read; it also fixes the stream's key type. Left out: the app's
   * `defaultKeySerde` (give the type as a type argument: `builder.source<string, Order>('orders')`).
   */
  key?: Serde<K>;
  /** How the topic's values are read; left out: the app's `defaultValueSerde`. */
  value?: Serde<V>;
  /** Chooses each record's event time; default: the record's own timestamp. */
  timestampExtractor?: TimestampExtractor;
}

/** Options of {@link StreamsBuilder.table}. */
export interface TableSourceOptions<K, V> extends StreamSourceOptions<K, V>, StoreOptions {
  /**
   * Materialize the table in a versioned store (KIP-889) keeping `historyRetentionMs` of history:
   * stream-table joins then look up the table as of each stream record's timestamp, and
   * out-of-order updates go into the history without being forwarded downstream (KIP-914).
   * Query it with `app.versionedStore(store)`.
   */
  versioned?: VersionedTableOptions;
}

/** Options of a {@link StreamsBuilder}. */
export interface StreamsBuilderOptions {
  /** Where warnings go (a stateful operator without a name); default console.warn. */
  warn?: (message: string) => void;
}

/**
 * Builds a topology with the DSL: sources give typed streams and tables, operators transform them,
 * sinks write them. `build()` compiles the graph to a core {@link Topology} for a StreamsApp or the
 * TopologyTestDriver.
 *
 * @example
 * const builder = new StreamsBuilder();
 * builder
 *   .source('text-lines', { key: serdes.string(), value: serdes.string() })
 *   .flatMapValues((line) => line.toLowerCase().split(/\W+/))
 *   .filter((_key, word) => word.length > 0)
 *   .groupBy((_key, word) => word, { key: serdes.string(), name: 'words' })
 *   .count({ store: 'word-counts' })
 *   .toStream()
 *   .sink('word-counts', { key: serdes.string(), value: serdes.int64() });
 * const topology = builder.build();
 */
export class StreamsBuilder {
  private readonly ctx: BuilderContext;

  constructor(options: StreamsBuilderOptions = {}) {
    this.ctx = new BuilderContext(options.warn ?? ((m) => console.warn(`[rivulet] ${m}`)));
  }

  /**
   * A stream of the records of one or more topics, or of the topics a pattern matches (resolved
   * against the existing topics when the app starts; matching topics created later are picked up every `metadataMaxAgeMs`).
   */
  source<K = unknown, V = unknown>(topics: string | readonly string[] | RegExp, options: StreamSourceOptions<K, V> = {}): KStream<K, V> {
    const name = this.ctx.names.node('KSTREAM-SOURCE', options.name);
    this.ctx.topology.addSource(name, topics, {
      key: options.key,
      value: options.value,
      ...(options.timestampExtractor ? { timestampExtractor: options.timestampExtractor } : {}),
    });
    return new KStream<K, V>(this.ctx, name, options.key, options.value, false);
  }

  /** Alias of {@link StreamsBuilder.source}, as Kafka Streams names it. */
  stream<K = unknown, V = unknown>(topics: string | readonly string[] | RegExp, options: StreamSourceOptions<K, V> = {}): KStream<K, V> {
    return this.source(topics, options);
  }

  /**
   * A table of a topic: the latest value per key, materialized in a store (named by `store`), with
   * tombstones deleting. Given a store name, the table is also a {@link NamedStore} of it, typed
   * `VersionedStoreType<K, V>` when `versioned`, else `KeyValueStoreType<K, V>`: pass it to
   * {@link StreamsBuilder.build} to type `app.store(name)`.
   *
   * @example
   * const customers = builder.table('customers', { key: serdes.string(), value: serdes.json<Customer>(), store: 'customers' });
   */
  table<K, V, N extends string>(
    topic: string,
    options: TableSourceOptions<K, V> & { store: N; versioned: VersionedTableOptions } & StoreTypeCheck<VersionedStoreType<K, V>>,
  ): KTable<K, V> & NamedStore<N, VersionedStoreType<K, V>>;
  /** A table of a topic in a key-value store named `store`, typed by it. */
  table<K, V, N extends string>(
    topic: string,
    options: TableSourceOptions<K, V> & { store: N; versioned?: undefined } & StoreTypeCheck<KeyValueStoreType<K, V>>,
  ): KTable<K, V> & NamedStore<N, KeyValueStoreType<K, V>>;
  /** A table of a topic, its store named by `store`, `name` or generated. */
  table<K = unknown, V = unknown>(topic: string, options?: TableSourceOptions<K, V>): KTable<K, V>;
  table<K = unknown, V = unknown>(topic: string, options: TableSourceOptions<K, V> = {}): KTable<K, V> {
    const source = this.ctx.names.node('KTABLE-SOURCE-INPUT', options.name === undefined ? undefined : `${options.name}-source`);
    this.ctx.topology.addSource(source, topic, {
      key: options.key,
      value: options.value,
      ...(options.timestampExtractor ? { timestampExtractor: options.timestampExtractor } : {}),
    });
    const store = this.ctx.names.stateful('KTABLE-SOURCE-STATE-STORE', options.store ?? options.name, `the store of table('${topic}')`);
    const name = this.ctx.names.node('KTABLE-SOURCE', options.name);
    const { versioned } = options;
    if (versioned !== undefined) {
      this.ctx.topology.addProcessor(name, () => new VersionedKTableSource<K, V>(store), source);
      this.ctx.topology.addStateStore(versionedTableStore(this.ctx, store, options.key, options.value, { ...options, versioned }), name);
      return new KTable<K, V>(this.ctx, name, store, options.key, options.value);
    }
    this.ctx.topology.addProcessor(name, () => new KTableSource<K, V>(store), source);
    this.ctx.topology.addStateStore(this.ctx.tableStore(store, options.key, options.value, options), name);
    return new KTable<K, V>(this.ctx, name, store, options.key, options.value);
  }

  /**
   * A {@link GlobalKTable} of a topic: the latest value per key of every partition, held in full by
   * every instance of the app in a global store (in memory, or lmdb with `persistent`), with
   * tombstones deleting. No changelog: the topic is the changelog. The app loads the store to the end
   * of the topic before it is RUNNING and keeps it up to date while it runs; `app.store(store)`
   * queries it. Each start reads the topic again from the beginning (no checkpoint is kept).
   *
   * @example
   * const countries = builder.globalTable('countries', { key: serdes.string(), value: serdes.json<Country>(), store: 'countries' });
   */
  globalTable<K, V, N extends string>(
    topic: string,
    options: GlobalTableOptions<K, V> & { store: N } & StoreTypeCheck<KeyValueStoreType<K, V>>,
  ): GlobalKTable<K, V> & NamedStore<N, KeyValueStoreType<K, V>>;
  /** A global table of a topic, its store named by `store`, `name` or generated. */
  globalTable<K = unknown, V = unknown>(topic: string, options?: GlobalTableOptions<K, V>): GlobalKTable<K, V>;
  globalTable<K = unknown, V = unknown>(topic: string, options: GlobalTableOptions<K, V> = {}): GlobalKTable<K, V> {
    const source = this.ctx.names.node('KSTREAM-SOURCE', options.name === undefined ? undefined : `${options.name}-source`);
    const store = this.ctx.names.stateful('GLOBALKTABLE-STATE-STORE', options.store ?? options.name, `the store of globalTable('${topic}')`);
    const name = this.ctx.names.node('KTABLE-SOURCE', options.name);
    this.ctx.topology.addGlobalStore(
      this.ctx.keyValueStore(store, options.key, options.value, { persistent: options.persistent === true, loggingDisabled: true }),
      source,
      topic,
      {
        key: options.key,
        value: options.value,
        ...(options.timestampExtractor ? { timestampExtractor: options.timestampExtractor } : {}),
      },
      name,
      () => new KTableSource<K, V>(store),
    );
    return new GlobalKTable<K, V>(this.ctx, store, options.key, options.value);
  }

  /** Warnings so far (stateful operators that got generated names). */
  get warnings(): readonly string[] {
    return this.ctx.names.warnings;
  }

  /**
   * The core topology of everything built so far.
   *
   * Given the tables (or `Materialized` declarations) whose stores the app queries, the topology is
   * typed with their names and types: a `StreamsApp` or `TopologyTestDriver` made from it types
   * `app.store('word-counts')` with no type arguments, and a name not given here is a type error
   * unless its types are given (`app.store<K, V>(name)`). The builder cannot collect them itself:
   * a store is named inside a chain of operators on streams and tables, and TypeScript cannot carry
   * a type from there back to the builder. Stores named with a non-literal `string` are left out of
   * the types. Each store given must be in the topology (a `TopologyError` otherwise).
   *
   * @example
   * const counts = words.groupByKey().count({ store: 'word-counts' });
   * counts.toStream().sink('word-counts', { value: serdes.int64() });
   * const app = new StreamsApp(builder.build(counts), config);
   * app.store('word-counts').get('kafka'); // bigint | undefined
   * app.store('word-count'); // a type error: the topology has no store 'word-count'
   */
  build(): Topology;
  /** The core topology, typed with the given stores. */
  build<const R extends readonly NamedStore[]>(...stores: R): Topology<StoresOf<R>>;
  build(...stores: readonly NamedStore[]): Topology {
    const topology = this.ctx.topology;
    for (const { queryableStoreName: name } of stores) {
      if (!topology.stores().has(name) && !topology.globalStores().has(name)) {
        const known = [...topology.stores().keys(), ...topology.globalStores().keys()].sort();
        throw new TopologyError(`build(): the topology has no state store named '${name}' (its stores are ${known.map((n) => `'${n}'`).join(', ') || 'none'}); was the store made by another StreamsBuilder?`);
      }
    }
    return topology;
  }
}
