import type { KeyValueStoreType, NamedStore } from '@rivulet/core';
import { serdes, type Serde } from '@rivulet/serde';
import type { StoreTypeCheck } from './materialized.js';
import { CogroupedKStream } from './cogrouped-kstream.js';
import type { BuilderContext, StoreOptions } from './internal/builder-context.js';
import { StreamAggregate } from './internal/processors/stream-aggregate.js';
import { KTable } from './ktable.js';
import { SessionWindowedKStream } from './session-windowed-kstream.js';
import { SessionWindows } from './session-windows.js';
import type { SlidingWindows } from './sliding-windows.js';
import { TimeWindowedKStream } from './time-windowed-kstream.js';
import type { TimeWindows } from './time-windows.js';

/** Options of count / reduce / aggregate: the store, its serdes and the node name. */
export interface AggregateOptions<VA> extends StoreOptions {
  /** The node's name (the store takes `store`, or this name when `store` is not given). */
  name?: string;
  /** The serde of the aggregate in the store and its changelog. */
  value?: Serde<VA>;
}

/**
 * A stream grouped by key, ready for an aggregation. Each aggregation keeps its result per key in a
 * named, changelogged store (queryable with `app.store(name)`) and returns the table of results,
 * updated with every record. A record with a null key or value is dropped, as in Kafka Streams, and
 * counted as the task's dropped records (reason `null-key-or-value`, in `app.metrics()`).
 *
 * @example
 * const counts = words.groupBy((_k, word) => word, { key: serdes.string(), name: 'words' }).count({ store: 'word-counts' });
 */
export class KGroupedStream<K, V> {
  /** @internal */
  constructor(
    /** @internal The builder this stream belongs to. */
    readonly ctx: BuilderContext,
    /** The node the grouped records leave from (the repartition source when the key changed). */
    readonly nodeName: string,
    /** The serde of the keys, when known; aggregations use it for their stores. */
    readonly keySerde: Serde<K> | undefined,
    /** The serde of the values, when known. */
    readonly valueSerde: Serde<V> | undefined,
    /** The name given to `groupBy` / `groupByKey`, if any. */
    readonly groupName: string | undefined,
  ) {}

  /**
   * The number of records per key, as a bigint (written as Kafka's int64). Given a store name, the
   * table is also a {@link NamedStore} typed `KeyValueStoreType<K, bigint>`, which types
   * `app.store(name)` once passed to `builder.build(...)`.
   *
   * @example
   * const counts = words.groupByKey().count({ store: 'word-counts' });
   * const app = new StreamsApp(builder.build(counts), config);
   * app.store('word-counts').get('kafka'); // bigint | undefined
   */
  count<N extends string = string>(options: AggregateOptions<bigint> & { store: N } & StoreTypeCheck<KeyValueStoreType<K, bigint>>): KTable<K, bigint> & NamedStore<N, KeyValueStoreType<K, bigint>>;
  /** The number of records per key, in a store of a generated name unless `name` is given. */
  count(options?: AggregateOptions<bigint> & StoreTypeCheck<KeyValueStoreType<K, bigint>>): KTable<K, bigint>;
  count(options: AggregateOptions<bigint> = {}): KTable<K, bigint> {
    return this.aggregateWith('count()', options, serdes.int64(), () => 0n, (_k, _v, agg) => agg! + 1n);
  }

  /** Combines the values per key with `reducer`; the first value of a key is its start. Typed by its store name as {@link KGroupedStream.count} is. */
  reduce<N extends string = string>(
    reducer: (aggregate: V, value: V, key: K) => V,
    options: AggregateOptions<V> & { store: N } & StoreTypeCheck<KeyValueStoreType<K, V>>,
  ): KTable<K, V> & NamedStore<N, KeyValueStoreType<K, V>>;
  /** Combines the values per key with `reducer`, in a store of a generated name unless `name` is given. */
  reduce(reducer: (aggregate: V, value: V, key: K) => V, options?: AggregateOptions<V> & StoreTypeCheck<KeyValueStoreType<K, V>>): KTable<K, V>;
  reduce(reducer: (aggregate: V, value: V, key: K) => V, options: AggregateOptions<V> = {}): KTable<K, V> {
    return this.aggregateWith('reduce()', options, options.value ?? this.valueSerde, undefined, (k, v, agg) => (agg === undefined ? v : reducer(agg, v, k)));
  }

  /** Folds the values per key into an aggregate of another type, starting from `initializer()`. Typed by its store name as {@link KGroupedStream.count} is. */
  aggregate<VA, N extends string = string>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    options: AggregateOptions<VA> & { store: N } & StoreTypeCheck<KeyValueStoreType<K, VA>>,
  ): KTable<K, VA> & NamedStore<N, KeyValueStoreType<K, VA>>;
  /** Folds the values per key into an aggregate, in a store of a generated name unless `name` is given. */
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    options?: AggregateOptions<VA> & StoreTypeCheck<KeyValueStoreType<K, VA>>,
  ): KTable<K, VA>;
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    options: AggregateOptions<VA> = {},
  ): KTable<K, VA> {
    return this.aggregateWith('aggregate()', options, options.value, initializer, (k, v, agg) => aggregator(k, v, agg as VA));
  }

  /**
   * Cuts each key's records into windows for a windowed count, reduce or aggregate: time windows
   * (tumbling, hopping) or sliding windows give a {@link TimeWindowedKStream}, session windows a
   * {@link SessionWindowedKStream}. Windows close by stream time; late records are dropped.
   *
   * @example
   * grouped.windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000)).count({ store: 'per-minute' });
   * grouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(300_000)).count({ store: 'per-session' });
   */
  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedKStream<K, V>;
  windowedBy(windows: SessionWindows): SessionWindowedKStream<K, V>;
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedKStream<K, V> | SessionWindowedKStream<K, V> {
    if (windows instanceof SessionWindows) return new SessionWindowedKStream<K, V>(this.ctx, this.nodeName, this.keySerde, this.valueSerde, windows);
    return new TimeWindowedKStream<K, V>(this.ctx, this.nodeName, this.keySerde, this.valueSerde, windows);
  }

  /**
   * Starts a cogroup (Kafka Streams' KIP-150): this grouped stream, with `aggregator` folding its
   * records into an aggregate that other grouped streams of the same key type, added with
   * {@link CogroupedKStream.cogroup}, update too; all of them write one store.
   *
   * @example
   * const summary = clicks
   *   .groupByKey()
   *   .cogroup<Summary>((_id, _click, s) => ({ ...s, clicks: s.clicks + 1 }))
   *   .cogroup(orders.groupByKey(), (_id, order, s) => ({ ...s, spent: s.spent + order.total }))
   *   .aggregate(() => ({ clicks: 0, spent: 0 }), { store: 'customer-summary', value: serdes.json<Summary>() });
   */
  cogroup<VA>(aggregator: (key: K, value: V, aggregate: VA) => VA): CogroupedKStream<K, VA> {
    return CogroupedKStream.of(this, aggregator);
  }

  /** @internal */
  aggregateWith<VA>(
    what: string,
    options: AggregateOptions<VA>,
    valueSerde: Serde<VA> | undefined,
    initializer: (() => VA) | undefined,
    aggregator: (key: K, value: V, aggregate: VA | undefined) => VA,
  ): KTable<K, VA> {
    // Undefined serdes are the app's defaults (the store takes them when it is built).
    const keySerde = this.keySerde;
    const store = this.ctx.names.stateful('KSTREAM-AGGREGATE-STATE-STORE', options.store ?? options.name, `the store of ${what}`);
    const name = this.ctx.names.node('KSTREAM-AGGREGATE', options.name === undefined ? undefined : `${options.name}-aggregate`);
    this.ctx.topology.addProcessor(name, () => new StreamAggregate<K, V, VA>(store, initializer, aggregator), this.nodeName);
    this.ctx.topology.addStateStore(this.ctx.tableStore(store, keySerde, valueSerde, options), name);
    return new KTable<K, VA>(this.ctx, name, store, keySerde, valueSerde);
  }
}
