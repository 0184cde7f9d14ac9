import type { KeyValueStoreType, NamedStore, Partitioner, ProcessorSupplier, StoreBuilder, StreamRecord } from '@rivulet/core';
import type { StoreTypeCheck } from './materialized.js';
import type { Serde } from '@rivulet/serde';
import type { OperatorFunction } from 'rxjs';
import type { BuilderContext, StoreOptions } from './internal/builder-context.js';
import {
  PassThrough,
  StreamBranch,
  StreamFilter,
  StreamFlatMap,
  StreamFlatMapValues,
  StreamMap,
  StreamMapValues,
  StreamPeek,
  StreamSelectKey,
} from './internal/processors/stateless.js';
import { StreamRxPipe } from './rx/stream-rx-pipe.js';
import { StreamAsync } from './internal/processors/stream-async.js';
import { streamStreamJoin, streamTableJoin } from './internal/join-builders.js';
import type { JoinWindows } from './join-windows.js';
import type { StreamJoinOptions, StreamTableJoinOptions } from './joined.js';
import { KGroupedStream } from './kgrouped-stream.js';
import { KTable } from './ktable.js';
import { GlobalKTable } from './global-ktable.js';
import { streamGlobalTableJoin } from './internal/global-table-join.js';

/** Names an operator's node (and, for stateful ones, its store or topic). */
export interface Named {
  /**
   * The node's name; default a generated one like `KSTREAM-MAP-0000000003`. Stateful operators also
   * name their store or topic after it, so set it to keep those names stable.
   */
  name?: string;
}

/** Serdes and name for grouping: the repartition topic and downstream stores use them. */
export interface GroupedOptions<K, V> extends Named {
  /** How keys are written to the repartition topic and stores; default: the stream's, else the app's `defaultKeySerde`. */
  key?: Serde<K>;
  /** How values are written to the repartition topic and stores; default: the stream's, else the app's `defaultValueSerde`. */
  value?: Serde<V>;
}

/** Options of {@link KStream.sink}. */
export interface SinkOptions<K, V> extends Named {
  /** How keys are written; default: the stream's key serde, else the app's `defaultKeySerde`. */
  key?: Serde<K>;
  /** How values are written; default: the stream's value serde, else the app's `defaultValueSerde`. */
  value?: Serde<V>;
  /** Chooses the partition; default: murmur2 of the key bytes (Java-compatible), round robin for null keys. */
  partitioner?: Partitioner;
}

/** Options of {@link KStream.repartition}. */
export interface RepartitionOptions<K, V> extends Named {
  /** How keys are written to the repartition topic; default: the stream's, else the app's `defaultKeySerde`. */
  key?: Serde<K>;
  /** How values are written to the repartition topic; default: the stream's, else the app's `defaultValueSerde`. */
  value?: Serde<V>;
  /** Partitions of the repartition topic (default: those of the sub-topology writing it). */
  numPartitions?: number;
}

/**
 * Options of {@link KStream.mapAsync} and {@link KStream.flatMapAsync}.
 *
 * @example
 * stream.mapAsync((id) => fetchProfile(id), { concurrency: 8, name: 'fetch-profile' });
 */
export interface AsyncOptions extends Named {
  /**
   * How many calls may be in flight at once, per task (default 1). Records beyond it wait, in
   * order, inside the operator. That queue is bounded by one fetched batch (at most
   * `consumer.maxBytesPerPartition` bytes of records): a task's next batch is taken only when the
   * work of the previous one is done, so a slow call holds back its partition, never memory.
   */
  concurrency?: number;
}

/** Options of {@link KStream.process}. */
export interface ProcessOptions extends Named {
  /** Stores the processor uses: store builders to add, or names of stores already added. */
  stores?: readonly (StoreBuilder | string)[];
}

/**
 * A stream of records: an unbounded sequence of key-value facts, each independent of the others.
 * Operators return new streams; nothing runs until the topology is built and started. Keys may be
 * null where the source had none, and values are null for tombstones.
 *
 * @example
 * builder
 *   .source('orders', { key: serdes.string(), value: serdes.json<Order>() })
 *   .filter((_id, order) => order.total > 100)
 *   .mapValues((order) => ({ ...order, large: true }))
 *   .sink('large-orders');
 */
export class KStream<K, V> {
  /** @internal */
  constructor(
    protected readonly ctx: BuilderContext,
    /** The node this stream's records leave from. */
    readonly nodeName: string,
    /** The serde of this stream's keys; undefined when not known here (the app's `defaultKeySerde` then applies at topics and stores). */
    readonly keySerde: Serde<K> | undefined,
    /** The serde of this stream's values; undefined when not known here (the app's `defaultValueSerde` then applies at topics and stores). */
    readonly valueSerde: Serde<V> | undefined,
    /** True after an operator that may change keys: a stateful operator after it repartitions first. */
    readonly keyChanged: boolean,
  ) {}

  /** A new key and value per record. Marks the stream for repartitioning before grouping or joins. */
  map<KR, VR>(fn: (key: K, value: V) => readonly [KR, VR], options: Named = {}): KStream<KR, VR> {
    return this.then('KSTREAM-MAP', options, () => new StreamMap(fn), undefined, undefined, true);
  }

  /** A new value per record; the key stays, so no repartition is needed later. */
  mapValues<VR>(fn: (value: V, key: K) => VR, options: Named = {}): KStream<K, VR> {
    return this.then('KSTREAM-MAPVALUES', options, () => new StreamMapValues(fn), this.keySerde, undefined, this.keyChanged);
  }

  /** Zero or more records per record, each with a new key. */
  flatMap<KR, VR>(fn: (key: K, value: V) => Iterable<readonly [KR, VR]>, options: Named = {}): KStream<KR, VR> {
    return this.then('KSTREAM-FLATMAP', options, () => new StreamFlatMap(fn), undefined, undefined, true);
  }

  /** Zero or more values per record, keeping the key. */
  flatMapValues<VR>(fn: (value: V, key: K) => Iterable<VR>, options: Named = {}): KStream<K, VR> {
    return this.then('KSTREAM-FLATMAPVALUES', options, () => new StreamFlatMapValues(fn), this.keySerde, undefined, this.keyChanged);
  }

  /** Keeps the records the predicate accepts. */
  filter(predicate: (key: K, value: V) => boolean, options: Named = {}): KStream<K, V> {
    return this.then('KSTREAM-FILTER', options, () => new StreamFilter(predicate, true), this.keySerde, this.valueSerde, this.keyChanged);
  }

  /** Drops the records the predicate accepts. */
  filterNot(predicate: (key: K, value: V) => boolean, options: Named = {}): KStream<K, V> {
    return this.then('KSTREAM-FILTER', options, () => new StreamFilter(predicate, false), this.keySerde, this.valueSerde, this.keyChanged);
  }

  /** A new key per record, computed from key and value. */
  selectKey<KR>(fn: (key: K, value: V) => KR, options: Named = {}): KStream<KR, V> {
    return this.then('KSTREAM-KEY-SELECT', options, () => new StreamSelectKey(fn), undefined, this.valueSerde, true);
  }

  /** Calls `fn` for each record (logging, metrics) and passes it on unchanged. */
  peek(fn: (key: K, value: V) => void, options: Named = {}): KStream<K, V> {
    return this.then('KSTREAM-PEEK', options, () => new StreamPeek(fn), this.keySerde, this.valueSerde, this.keyChanged);
  }

  /**
   * Splits the stream into named branches: each record goes to the first branch whose predicate
   * accepts it, else to the default branch (if any).
   *
   * @example
   * const { small, large } = orders.split().branch('large', (_k, o) => o.total > 100).defaultBranch('small');
   */
  split(options: Named = {}): BranchedKStream<K, V, never> {
    return new BranchedKStream<K, V, never>(this, this.ctx, this.ctx.names.node('KSTREAM-BRANCH', options.name), []);
  }

  /** The records of both streams, interleaved as they are processed. */
  merge(other: KStream<K, V>, options: Named = {}): KStream<K, V> {
    const name = this.ctx.names.node('KSTREAM-MERGE', options.name);
    this.ctx.topology.addProcessor(name, () => new PassThrough<K, V>(), this.nodeName, other.nodeName);
    const keySerde = this.keySerde === other.keySerde ? this.keySerde : undefined;
    const valueSerde = this.valueSerde === other.valueSerde ? this.valueSerde : undefined;
    return new KStream(this.ctx, name, keySerde, valueSerde, this.keyChanged || other.keyChanged);
  }

  /**
   * Writes the stream to a topic `<applicationId>-<name>-repartition` and reads it back, so records
   * are partitioned by their current key (what grouping and joins after a key change need).
   */
  repartition(options: RepartitionOptions<K, V> = {}): KStream<K, V> {
    const name = this.ctx.names.stateful('KSTREAM-REPARTITION', options.name, 'repartition()');
    return this.repartitionThrough(name, options.key, options.value, options.numPartitions);
  }

  /** Runs a Processor API processor on each record, with access to the given stores. */
  process<KR, VR>(supplier: ProcessorSupplier<K, V, KR, VR>, options: ProcessOptions = {}): KStream<KR, VR> {
    const name = this.ctx.names.node('KSTREAM-PROCESSOR', options.name);
    this.ctx.topology.addProcessor(name, supplier, this.nodeName);
    for (const store of options.stores ?? []) {
      if (typeof store === 'string') this.ctx.topology.connectProcessorAndStateStores(store, name);
      else if (this.ctx.topology.stores().has(store.name)) this.ctx.topology.connectProcessorAndStateStores(store.name, name);
      else this.ctx.topology.addStateStore(store, name);
    }
    return new KStream<KR, VR>(this.ctx, name, undefined, undefined, true);
  }

  /**
   * Applies standard synchronous RxJS operators to the records, one record at a time (`map`,
   * `filter`, `mergeMap` over arrays, `tap`...). Each operator sees and emits {@link StreamRecord}s.
   *
   * What the operators emit for a record must come from that record alone: state kept between
   * records (`bufferCount`, `pairwise`, `scan`, `reduce`, `toArray`, `distinct`, `skip`...) lives
   * outside any store, so a crash would lose it and exactly-once could not cover it. Each record is
   * therefore also run through the operators on a chain of its own, and when the results differ the
   * task stops with a `ProcessingError` naming this node, at the first record where the state shows
   * and before anything of that record is forwarded, whatever the processing exception handler.
   * Keep state in a store instead: `groupByKey()` then `aggregate` / `reduce` / `count`, or
   * `windowedBy(...)` (with `emit: 'final'` for one result per window). So the operators run twice
   * per record (a side effect in `tap` happens twice: use {@link KStream.peek}), and their output
   * must be a function of the record (no `Date.now()` or `Math.random()`: use `mapValues`).
   *
   * An operator that emits later than the record that caused it (`delay`, `bufferTime`) would move
   * records outside the commit that covers them, and one that completes (`take`, `first`) would
   * drop the records after it: the stream fails with an error saying so. See docs/rxjs-and-async.md.
   *
   * The stream that `pipe()` returns has no serdes of its own, and counts as having a new key (a
   * grouping after it repartitions), as Kafka Streams' `map` / `flatMap` do: its operators may
   * change the key and value types, and a TypeScript type is gone at run time, so Rivulet cannot
   * tell a `filter` that kept them from a `map` that changed them. Give the serdes where they are
   * next needed (`sink(topic, { key, value })`, `groupByKey({ key, value })`, ...), or set the app's
   * default serdes. To keep the serdes and the key, use the operators that promise to:
   * {@link KStream.filter}, {@link KStream.mapValues}, {@link KStream.flatMapValues}, {@link KStream.peek}.
   *
   * @example
   * stream.pipe(
   *   filter((r) => r.value.total > 0),
   *   mergeMap((r) => r.value.items.map((item) => r.withKey(item.sku).withValue(item.quantity))),
   * );
   */
  pipe<K1, V1>(op1: OperatorFunction<StreamRecord<K, V>, StreamRecord<K1, V1>>): KStream<K1, V1>;
  pipe<K1, V1, K2, V2>(
    op1: OperatorFunction<StreamRecord<K, V>, StreamRecord<K1, V1>>,
    op2: OperatorFunction<StreamRecord<K1, V1>, StreamRecord<K2, V2>>,
  ): KStream<K2, V2>;
  pipe<K1, V1, K2, V2, K3, V3>(
    op1: OperatorFunction<StreamRecord<K, V>, StreamRecord<K1, V1>>,
    op2: OperatorFunction<StreamRecord<K1, V1>, StreamRecord<K2, V2>>,
    op3: OperatorFunction<StreamRecord<K2, V2>, StreamRecord<K3, V3>>,
  ): KStream<K3, V3>;
  pipe<K1, V1, K2, V2, K3, V3, K4, V4>(
    op1: OperatorFunction<StreamRecord<K, V>, StreamRecord<K1, V1>>,
    op2: OperatorFunction<StreamRecord<K1, V1>, StreamRecord<K2, V2>>,
    op3: OperatorFunction<StreamRecord<K2, V2>, StreamRecord<K3, V3>>,
    op4: OperatorFunction<StreamRecord<K3, V3>, StreamRecord<K4, V4>>,
  ): KStream<K4, V4>;
  pipe<K1, V1, K2, V2, K3, V3, K4, V4, K5, V5>(
    op1: OperatorFunction<StreamRecord<K, V>, StreamRecord<K1, V1>>,
    op2: OperatorFunction<StreamRecord<K1, V1>, StreamRecord<K2, V2>>,
    op3: OperatorFunction<StreamRecord<K2, V2>, StreamRecord<K3, V3>>,
    op4: OperatorFunction<StreamRecord<K3, V3>, StreamRecord<K4, V4>>,
    op5: OperatorFunction<StreamRecord<K4, V4>, StreamRecord<K5, V5>>,
  ): KStream<K5, V5>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the overloads above carry the types
  pipe(...operators: OperatorFunction<any, any>[]): KStream<any, any> {
    if (operators.length === 0) throw new Error('pipe() needs at least one operator');
    const name = this.ctx.names.node('KSTREAM-RX-PIPE');
    this.ctx.topology.addProcessor(name, () => new StreamRxPipe(operators, name), this.nodeName);
    return new KStream(this.ctx, name, undefined, undefined, true);
  }

  /**
   * A new value per record from an async function (a lookup, an HTTP call), keeping the key, like
   * {@link KStream.mapValues}. At most `concurrency` calls run at once per task (partition); results
   * leave in input order, so per-partition order holds (a slow call holds back those after it).
   * A batch, and the commit after it, waits for its calls to finish, so a commit covers only
   * finished work. A rejected call goes to the processing exception handler with the record's
   * topic, partition and offset: under 'fail' the app stops (and nothing after the last commit is
   * committed), under 'log-and-continue' or a dead-letter topic the record is skipped. The function
   * must settle: a call that never does holds its partition (add your own timeout).
   *
   * @example
   * orders.mapAsync(async (order) => ({ ...order, customer: await customers.get(order.customerId) }), { concurrency: 16 });
   */
  mapAsync<VR>(fn: (value: V, key: K, record: StreamRecord<K, V>) => PromiseLike<VR>, options: AsyncOptions = {}): KStream<K, VR> {
    const concurrency = asyncConcurrency('mapAsync()', options);
    return this.then('KSTREAM-MAPASYNC', options, () => new StreamAsync<K, V, VR, VR>(fn, false, concurrency), this.keySerde, undefined, this.keyChanged);
  }

  /**
   * Zero or more values per record from an async function, keeping the key, like
   * {@link KStream.flatMapValues}; concurrency, order, commits and failures as in
   * {@link KStream.mapAsync}.
   *
   * @example
   * users.flatMapAsync(async (user) => (await api.followers(user.id)).map((f) => f.name), { concurrency: 4 });
   */
  flatMapAsync<VR>(fn: (value: V, key: K, record: StreamRecord<K, V>) => PromiseLike<Iterable<VR>>, options: AsyncOptions = {}): KStream<K, VR> {
    const concurrency = asyncConcurrency('flatMapAsync()', options);
    return this.then('KSTREAM-FLATMAPASYNC', options, () => new StreamAsync<K, V, Iterable<VR>, VR>(fn, true, concurrency), this.keySerde, undefined, this.keyChanged);
  }

  /**
   * Writes the stream to a topic, or to a topic chosen per record. The serdes must write the
   * stream's types; they default to the stream's own where the source fixed them.
   */
  sink(topic: string | ((key: K, value: V, record: StreamRecord<K, V>) => string), options: SinkOptions<K, V> = {}): void {
    const name = this.ctx.names.node('KSTREAM-SINK', options.name);
    // Undefined serdes are the app's defaults; the app checks at construction that it has them.
    const key = options.key ?? this.keySerde;
    const value = options.value ?? this.valueSerde;
    const target = typeof topic === 'string' ? topic : (record: StreamRecord<K, V>) => topic(record.key, record.value, record);
    this.ctx.topology.addSink(name, target, { key, value, ...(options.partitioner ? { partitioner: options.partitioner } : {}) }, this.nodeName);
  }

  /** Alias of {@link KStream.sink}, as Kafka Streams names it. */
  to(topic: string | ((key: K, value: V, record: StreamRecord<K, V>) => string), options: SinkOptions<K, V> = {}): void {
    this.sink(topic, options);
  }

  /**
   * Groups records by their current key, for aggregations. After a key-changing operator the stream
   * is repartitioned first through `<applicationId>-<name>-repartition`.
   */
  groupByKey(options: GroupedOptions<K, V> = {}): KGroupedStream<K, V> {
    const keySerde = options.key ?? this.keySerde;
    const valueSerde = options.value ?? this.valueSerde;
    if (!this.keyChanged) return new KGroupedStream(this.ctx, this.nodeName, keySerde, valueSerde, options.name);
    const name = this.ctx.names.stateful('KSTREAM-AGGREGATE', options.name, 'the repartition topic of groupByKey()/groupBy()');
    const stream = this.repartitionThrough(name, keySerde, valueSerde, undefined);
    return new KGroupedStream(this.ctx, stream.nodeName, keySerde, valueSerde, options.name);
  }

  /** Groups records by a new key (always repartitions). */
  groupBy<KR>(selector: (key: K, value: V) => KR, options: GroupedOptions<KR, V> = {}): KGroupedStream<KR, V> {
    return this.selectKey(selector).groupByKey(options);
  }

  /** Reads the stream as a table: the latest value per key, null deleting. Given a store name, the table is also a `NamedStore` of it (see `KGroupedStream.count`). */
  toTable<N extends string = string>(
    options: Named & StoreOptions & { store: N; key?: Serde<K>; value?: Serde<V> } & StoreTypeCheck<KeyValueStoreType<K, V>>,
  ): KTable<K, V> & NamedStore<N, KeyValueStoreType<K, V>>;
  /** Reads the stream as a table, in a store of a generated name unless `name` is given. */
  toTable(options?: Named & StoreOptions & { key?: Serde<K>; value?: Serde<V> } & StoreTypeCheck<KeyValueStoreType<K, V>>): KTable<K, V>;
  toTable(options: Named & StoreOptions & { key?: Serde<K>; value?: Serde<V> } = {}): KTable<K, V> {
    const source: KStream<K, V> = this.keyChanged
      ? this.repartitionThrough(
          this.ctx.names.stateful('KSTREAM-TOTABLE', options.name, 'the repartition topic of toTable()'),
          options.key ?? this.keySerde,
          options.value ?? this.valueSerde,
          undefined,
        )
      : this;
    return KTable.fromStream(this.ctx, source, options);
  }

  /**
   * Inner join with a table: each record is joined with the table's current value for its key, and
   * dropped when the key is absent. Table updates emit nothing. Records with a null key or value are
   * dropped, and counted as the task's dropped records (reason `null-key-or-value`, in
   * `app.metrics()`). After a key change the stream is repartitioned first, through
   * `<applicationId>-<name>-repartition`. The table's source and this stream must be co-partitioned
   * (same partition count, checked at start). An unmaterialized table is materialized (with a warning).
   *
   * @example
   * orders.join(customers, (order, customer) => ({ ...order, customer: customer.name }));
   */
  join<VT, VR>(table: KTable<K, VT>, joiner: (value: V, tableValue: VT, key: K) => VR, options?: StreamTableJoinOptions<K, V>): KStream<K, VR>;
  /**
   * Inner join with another stream: each record is joined with every record of the other stream with
   * the same key whose timestamp is within the join window, in either order of arrival; the result
   * takes the later timestamp. Both sides are buffered in stores (see {@link StreamJoinOptions}).
   *
   * @example
   * impressions.join(clicks, (impression, click) => ({ impression, click }), JoinWindows.ofTimeDifferenceWithNoGrace(60_000), {
   *   name: 'impression-clicks',
   * });
   */
  join<VO, VR>(
    other: KStream<K, VO>,
    joiner: (value: V, otherValue: VO, key: K) => VR,
    windows: JoinWindows,
    options?: StreamJoinOptions<K, V, VO>,
  ): KStream<K, VR>;
  /**
   * Inner join with a {@link GlobalKTable}: each record computes the table key with `keySelector`
   * and is joined with the table's value for it, or dropped when the table has none. No
   * repartitioning and no co-partitioning: every instance holds all of the table. The result keeps
   * the record's key. Records with a null value, or whose key selector returns null, are dropped
   * (reason `null-key-or-value`). Table updates emit nothing.
   *
   * @example
   * orders.join(countries, (_id, order) => order.countryCode, (order, country) => ({ ...order, country: country.name }));
   */
  join<KG, VG, VR>(
    globalTable: GlobalKTable<KG, VG>,
    keySelector: (key: K, value: V) => KG,
    joiner: (value: V, tableValue: VG, key: K) => VR,
    options?: Named,
  ): KStream<K, VR>;
  join<VO, VR>(
    other: KTable<K, VO> | KStream<K, VO> | GlobalKTable<unknown, VO>,
    joiner: ((value: V, otherValue: VO, key: K) => VR) | ((key: K, value: V) => unknown),
    windowsOrOptions?: JoinWindows | StreamTableJoinOptions<K, V> | ((value: V, otherValue: VO, key: K) => VR),
    options: StreamJoinOptions<K, V, VO> | Named = {},
  ): KStream<K, VR> {
    if (other instanceof GlobalKTable) {
      const joinGlobal = windowsOrOptions as (value: V, tableValue: VO | null, key: K) => VR;
      return streamGlobalTableJoin(this.ctx, this, other, joiner as (key: K, value: V) => unknown, joinGlobal, false, options);
    }
    const join = joiner as (value: V | null, otherValue: VO | null, key: K) => VR;
    if (other instanceof KTable) return streamTableJoin(this.ctx, this, other, join, false, (windowsOrOptions ?? {}) as StreamTableJoinOptions<K, V>);
    return streamStreamJoin(this.ctx, this, other, join, windowsOrOptions as JoinWindows, 'inner', options, other.ctx);
  }

  /**
   * Left join with a table: every record is joined with the table's current value for its key, or
   * with null when the key is absent. Records with a null value are dropped (and counted as dropped
   * records, reason `null-key-or-value`); a record with a null key is joined with null (Kafka
   * Streams' KIP-962). Repartitioning and co-partitioning as {@link KStream.join}.
   *
   * @example
   * orders.leftJoin(customers, (order, customer) => ({ ...order, customer: customer?.name ?? 'unknown' }));
   */
  leftJoin<VT, VR>(
    table: KTable<K, VT>,
    joiner: (value: V, tableValue: VT | null, key: K) => VR,
    options?: StreamTableJoinOptions<K, V>,
  ): KStream<K, VR>;
  /**
   * Left join with another stream within a join window: as {@link KStream.join}, and a record of this
   * stream that found no partner is emitted joined with null once its window closes (stream time past
   * its timestamp + the time difference + grace), not before: no premature null results.
   *
   * @example
   * views.leftJoin(clicks, (view, click) => ({ view, clicked: click !== null }), JoinWindows.ofTimeDifferenceAndGrace(60_000, 10_000), {
   *   name: 'views-clicks',
   * });
   */
  leftJoin<VO, VR>(
    other: KStream<K, VO>,
    joiner: (value: V, otherValue: VO | null, key: K) => VR,
    windows: JoinWindows,
    options?: StreamJoinOptions<K, V, VO>,
  ): KStream<K, VR>;
  /**
   * Left join with a {@link GlobalKTable}: as {@link KStream.join} with a global table, and every
   * record is joined: with null when the table has no value for the selected key, or when the key
   * selector returns null (Kafka Streams' KIP-962). Records with a null value are dropped.
   *
   * @example
   * orders.leftJoin(countries, (_id, order) => order.countryCode, (order, country) => ({ ...order, country: country?.name ?? 'unknown' }));
   */
  leftJoin<KG, VG, VR>(
    globalTable: GlobalKTable<KG, VG>,
    keySelector: (key: K, value: V) => KG,
    joiner: (value: V, tableValue: VG | null, key: K) => VR,
    options?: Named,
  ): KStream<K, VR>;
  leftJoin<VO, VR>(
    other: KTable<K, VO> | KStream<K, VO> | GlobalKTable<unknown, VO>,
    joiner: ((value: V, otherValue: VO | null, key: K) => VR) | ((key: K, value: V) => unknown),
    windowsOrOptions?: JoinWindows | StreamTableJoinOptions<K, V> | ((value: V, otherValue: VO | null, key: K) => VR),
    options: StreamJoinOptions<K, V, VO> | Named = {},
  ): KStream<K, VR> {
    if (other instanceof GlobalKTable) {
      const joinGlobal = windowsOrOptions as (value: V, tableValue: VO | null, key: K) => VR;
      return streamGlobalTableJoin(this.ctx, this, other, joiner as (key: K, value: V) => unknown, joinGlobal, true, options);
    }
    const join = joiner as (value: V | null, otherValue: VO | null, key: K) => VR;
    if (other instanceof KTable) return streamTableJoin(this.ctx, this, other, join, true, (windowsOrOptions ?? {}) as StreamTableJoinOptions<K, V>);
    return streamStreamJoin(this.ctx, this, other, join, windowsOrOptions as JoinWindows, 'left', options, other.ctx);
  }

  /**
   * Outer join with another stream within a join window: as {@link KStream.join}, and a record of
   * either stream that found no partner is emitted joined with null (on its side's missing partner)
   * once its window closes.
   *
   * @example
   * requests.outerJoin(responses, (req, res) => ({ req, res }), JoinWindows.ofTimeDifferenceWithNoGrace(30_000), { name: 'rpc' });
   */
  outerJoin<VO, VR>(
    other: KStream<K, VO>,
    joiner: (value: V | null, otherValue: VO | null, key: K) => VR,
    windows: JoinWindows,
    options: StreamJoinOptions<K, V, VO> = {},
  ): KStream<K, VR> {
    return streamStreamJoin(this.ctx, this, other, joiner, windows, 'outer', options, other.ctx);
  }

  /** @internal Adds a processor after this stream's node and returns the stream leaving it. */
  protected then<KR, VR>(
    prefix: string,
    options: Named,
    supplier: ProcessorSupplier<K, V, KR, VR>,
    keySerde: Serde<KR> | undefined,
    valueSerde: Serde<VR> | undefined,
    keyChanged: boolean,
  ): KStream<KR, VR> {
    const name = this.ctx.names.node(prefix, options.name);
    this.ctx.topology.addProcessor(name, supplier, this.nodeName);
    return new KStream(this.ctx, name, keySerde, valueSerde, keyChanged);
  }

  /** @internal Sink to an internal topic `<name>-repartition` and a source reading it back. */
  repartitionThrough(name: string, key: Serde<K> | undefined, value: Serde<V> | undefined, numPartitions: number | undefined): KStream<K, V> {
    // Undefined serdes are the app's defaults, for the sink and the source alike.
    const keySerde = key ?? this.keySerde;
    const valueSerde = value ?? this.valueSerde;
    const topic = `${name}-repartition`;
    this.ctx.topology.addInternalTopic(topic, numPartitions !== undefined ? { numPartitions } : {});
    this.ctx.topology.addSink(this.ctx.names.node(`${name}-repartition-sink`), topic, { key: keySerde, value: valueSerde }, this.nodeName);
    const source = this.ctx.names.node(`${name}-repartition-source`);
    this.ctx.topology.addSource(source, topic, { key: keySerde, value: valueSerde });
    return new KStream(this.ctx, source, keySerde, valueSerde, false);
  }
}

/** Validates the concurrency of an async operator at the door. */
function asyncConcurrency(operator: string, options: AsyncOptions): number {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`${operator}: concurrency must be an integer >= 1, got ${String(concurrency)}`);
  }
  return concurrency;
}

/**
 * The branches of a {@link KStream.split}, built one `branch` at a time and closed by
 * `defaultBranch` or `noDefaultBranch`, which return the branches by name.
 */
export class BranchedKStream<K, V, Names extends string> {
  /** @internal */
  constructor(
    private readonly parent: KStream<K, V>,
    private readonly ctx: BuilderContext,
    private readonly splitName: string,
    private readonly branches: { name: string; predicate: (key: K, value: V) => boolean }[],
  ) {}

  /** Adds a branch: records the predicate accepts (and no earlier branch took) go to it. */
  branch<N extends string>(name: N, predicate: (key: K, value: V) => boolean): BranchedKStream<K, V, Names | N> {
    if (this.branches.some((b) => b.name === name)) throw new Error(`split() already has a branch named '${name}'`);
    return new BranchedKStream<K, V, Names | N>(this.parent, this.ctx, this.splitName, [...this.branches, { name, predicate }]);
  }

  /** Closes the split with a branch for the records no predicate accepted. */
  defaultBranch<N extends string>(name: N): Record<Names | N, KStream<K, V>> {
    return this.finish(name) as Record<Names | N, KStream<K, V>>;
  }

  /** Closes the split; records no predicate accepted are dropped. */
  noDefaultBranch(): Record<Names, KStream<K, V>> {
    return this.finish(undefined) as Record<Names, KStream<K, V>>;
  }

  private finish(defaultName: string | undefined): Record<string, KStream<K, V>> {
    const childName = (branch: string): string => `${this.splitName}-${branch}`;
    const branches = this.branches.map((b) => ({ child: childName(b.name), predicate: b.predicate }));
    this.ctx.topology.addProcessor(
      this.splitName,
      () => new StreamBranch<K, V>(branches, defaultName === undefined ? undefined : childName(defaultName)),
      this.parent.nodeName,
    );
    const result: Record<string, KStream<K, V>> = {};
    for (const name of [...this.branches.map((b) => b.name), ...(defaultName === undefined ? [] : [defaultName])]) {
      this.ctx.topology.addProcessor(childName(name), () => new PassThrough<K, V>(), this.splitName);
      result[name] = new KStream(this.ctx, childName(name), this.parent.keySerde, this.parent.valueSerde, this.parent.keyChanged);
    }
    return result;
  }
}
