import type { KeyValueStoreType, NamedStore } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import type { StoreTypeCheck } from './materialized.js';
import type { BuilderContext, StoreOptions } from './internal/builder-context.js';
import { KTableSource, KTableTransform } from './internal/processors/ktable-processors.js';
import { PassThrough } from './internal/processors/stateless.js';
import { tableTableJoin } from './internal/join-builders.js';
import { foreignKeyJoin, type ForeignKeyJoinOptions } from './internal/foreign-key-join.js';
import { changeSerde } from './internal/change-serde.js';
import { KTableRepartitionMap } from './internal/processors/ktable-repartition-map.js';
import { KGroupedTable } from './kgrouped-table.js';
import { KStream, type GroupedOptions, type Named } from './kstream.js';
import { suppressTable } from './internal/suppress/suppress-table.js';
import type { Suppressed } from './suppressed.js';

/** Options of a derived table: a name, and a store to materialize it in (needed to query or join it). */
export interface TableOptions<V> extends Named, StoreOptions {
  /**
   * How the table's values are written to its store; default: the parent table's value serde when
   * the values keep their type (filters), else the app's `defaultValueSerde`.
   */
  value?: Serde<V>;
}

/**
 * A table: the latest value per key, as a changelog of updates. A null value (a tombstone) deletes
 * the key. Tables come from topics (`builder.table`), aggregations and `toTable`.
 *
 * @example
 * const customers = builder.table('customers', { key: serdes.string(), value: serdes.json<Customer>(), store: 'customers' });
 */
export class KTable<K, V> {
  /** @internal */
  constructor(
    /** @internal The builder this table belongs to. */
    readonly ctx: BuilderContext,
    /** The node this table's updates leave from. */
    readonly nodeName: string,
    /** The store holding the table, when it is materialized (needed for joins and queries). */
    readonly storeName: string | undefined,
    /** The serde of this table's keys, when known. */
    readonly keySerde: Serde<K> | undefined,
    /** The serde of this table's values, when known. */
    readonly valueSerde: Serde<V> | undefined,
    /** @internal The window or session store of a windowed aggregation's table (`storeName` is its key-value store). */
    private readonly windowedStoreName?: string,
  ) {}

  /** @internal A table from a stream's records (the stream is already partitioned by key). */
  static fromStream<K, V>(
    ctx: BuilderContext,
    stream: KStream<K, V>,
    options: Named & StoreOptions & { key?: Serde<K>; value?: Serde<V> },
  ): KTable<K, V> {
    // Undefined serdes are the app's defaults (the store takes them when it is built).
    const keySerde = options.key ?? stream.keySerde;
    const valueSerde = options.value ?? stream.valueSerde;
    const store = ctx.names.stateful('KTABLE-SOURCE-STATE-STORE', options.store ?? options.name, 'the store of a table');
    const name = ctx.names.node('KTABLE-SOURCE', options.name === undefined ? undefined : `${options.name}-table`);
    ctx.topology.addProcessor(name, () => new KTableSource<K, V>(store), stream.nodeName);
    ctx.topology.addStateStore(ctx.tableStore(store, keySerde, valueSerde, options), name);
    return new KTable<K, V>(ctx, name, store, keySerde, valueSerde);
  }

  /**
   * Keeps the rows the predicate accepts; a row it rejects is deleted downstream (a tombstone).
   * Given a store name, the result is materialized in it and typed as a `NamedStore` of it.
   */
  filter<N extends string = string>(
    predicate: (key: K, value: V) => boolean,
    options: TableOptions<V> & { store: N } & StoreTypeCheck<KeyValueStoreType<K, V>>,
  ): KTable<K, V> & NamedStore<N, KeyValueStoreType<K, V>>;
  /** Keeps the rows the predicate accepts, materialized only when `store` is given. */
  filter(predicate: (key: K, value: V) => boolean, options?: TableOptions<V> & StoreTypeCheck<KeyValueStoreType<K, V>>): KTable<K, V>;
  filter(predicate: (key: K, value: V) => boolean, options: TableOptions<V> = {}): KTable<K, V> {
    return this.transform('KTABLE-FILTER', (k, v) => (predicate(k, v) ? v : null), options, this.valueSerde);
  }

  /** Deletes downstream the rows the predicate accepts. Typed by its store name as {@link KTable.filter} is. */
  filterNot<N extends string = string>(
    predicate: (key: K, value: V) => boolean,
    options: TableOptions<V> & { store: N } & StoreTypeCheck<KeyValueStoreType<K, V>>,
  ): KTable<K, V> & NamedStore<N, KeyValueStoreType<K, V>>;
  /** Deletes downstream the rows the predicate accepts, materialized only when `store` is given. */
  filterNot(predicate: (key: K, value: V) => boolean, options?: TableOptions<V> & StoreTypeCheck<KeyValueStoreType<K, V>>): KTable<K, V>;
  filterNot(predicate: (key: K, value: V) => boolean, options: TableOptions<V> = {}): KTable<K, V> {
    return this.transform('KTABLE-FILTER', (k, v) => (predicate(k, v) ? null : v), options, this.valueSerde);
  }

  /** A new value per row; deletions stay deletions. Typed by its store name as {@link KTable.filter} is. */
  mapValues<VR, N extends string = string>(
    fn: (value: V, key: K) => VR,
    options: TableOptions<VR> & { store: N } & StoreTypeCheck<KeyValueStoreType<K, VR>>,
  ): KTable<K, VR> & NamedStore<N, KeyValueStoreType<K, VR>>;
  /** A new value per row, materialized only when `store` is given. */
  mapValues<VR>(fn: (value: V, key: K) => VR, options?: TableOptions<VR> & StoreTypeCheck<KeyValueStoreType<K, VR>>): KTable<K, VR>;
  mapValues<VR>(fn: (value: V, key: K) => VR, options: TableOptions<VR> = {}): KTable<K, VR> {
    return this.transform('KTABLE-MAPVALUES', (k, v) => fn(v, k), options, undefined);
  }

  /** The table's updates as a stream: one record per change, null values for deletions. */
  toStream(options: Named = {}): KStream<K, V> {
    const name = this.ctx.names.node('KTABLE-TOSTREAM', options.name);
    this.ctx.topology.addProcessor(name, () => new PassThrough<K, V>(), this.nodeName);
    return new KStream<K, V>(this.ctx, name, this.keySerde, this.valueSerde, false);
  }

  /**
   * Regroups the table's rows by a new key for an aggregation: `mapper` gives each row its group key
   * and the value to aggregate. The updates go through the repartition topic
   * `<applicationId>-<name>-repartition` carrying both the row's new value (to add to its new group)
   * and its old value (to subtract from its old group), so a row that moves between groups leaves its
   * old group's aggregate. `value` is the serde of the mapped values on that topic; default: this
   * table's value serde (pass one when the mapper changes the value's type).
   *
   * @example
   * const usersPerRegion = users
   *   .groupBy((_id, user) => [user.region, user.id], { key: serdes.string(), value: serdes.string(), name: 'users-by-region' })
   *   .count({ store: 'users-per-region' });
   */
  groupBy<KR, VR>(mapper: (key: K, value: V) => readonly [KR, VR], options: GroupedOptions<KR, VR> = {}): KGroupedTable<KR, VR> {
    const what = 'KTable.groupBy()';
    const base = this.ctx.names.stateful('KTABLE-AGGREGATE', options.name, `the repartition topic of ${what}`);
    const valueSerde = this.ctx.requireSerde(options.value ?? (this.valueSerde as unknown as Serde<VR> | undefined), 'value', `${what} (its repartition topic)`);
    const select = this.ctx.names.node('KTABLE-SELECT', options.name === undefined ? undefined : `${options.name}-select`);
    this.ctx.topology.addProcessor(select, () => new KTableRepartitionMap<K, V, KR, VR>(select, mapper), this.nodeName);
    const topic = `${base}-repartition`;
    const wire = { key: options.key, value: changeSerde(valueSerde) };
    this.ctx.topology.addInternalTopic(topic, {});
    this.ctx.topology.addSink(this.ctx.names.node(`${base}-repartition-sink`), topic, wire, select);
    const source = this.ctx.names.node(`${base}-repartition-source`);
    this.ctx.topology.addSource(source, topic, wire);
    return new KGroupedTable<KR, VR>(this.ctx, source, options.key, valueSerde);
  }

  /**
   * Holds the table's updates back and emits them later, by stream time: the final result per
   * window once the window closes (`Suppressed.untilWindowCloses`, on a windowed aggregation's
   * table), or the latest value per key after a time limit (`Suppressed.untilTimeLimit`). The buffer
   * is a changelogged store, so a restart neither loses nor repeats a suppressed result under
   * exactly_once; bounded buffers emit early or stop the app when full. See {@link Suppressed}.
   *
   * @example
   * counts.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final-counts')).toStream().sink('final-counts');
   */
  suppress(suppressed: Suppressed<K>): KTable<K, V> {
    return suppressTable(this, suppressed);
  }

  /**
   * The name to query the table with: `app.store(name)`, or for a windowed aggregation's table
   * `app.windowStore(name)` / `app.sessionStore(name)` (undefined when not materialized). A table
   * whose store was named with a literal (`count({ store: 'word-counts' })`) is typed as a
   * `NamedStore` of that name and its types, for `builder.build(...)` and `app.store(table)`.
   */
  get queryableStoreName(): string | undefined {
    return this.storeName ?? this.windowedStoreName;
  }

  /**
   * Inner join with another table on the key: the result has a row where both tables have one,
   * `joiner(value, otherValue)`, updated by changes on either side; a deletion on either side deletes
   * the result row (a tombstone). Give `store` to materialize the result (with `value` for its serde).
   * Both tables must be materialized (an unmaterialized one is, with a warning) and their topics
   * co-partitioned (checked at start). A result row carries the timestamp of the update that made it.
   *
   * @example
   * const profiles = users.join(addresses, (user, address) => ({ ...user, address }), { store: 'profiles', value: serdes.json<Profile>() });
   */
  join<VO, VR>(other: KTable<K, VO>, joiner: (value: V, otherValue: VO, key: K) => VR, options?: TableOptions<VR>): KTable<K, VR>;
  /**
   * Foreign-key join (KIP-213): each row of this table joins the other table's row whose key
   * `foreignKeyExtractor(value)` names; the result is keyed by this table's key. Updates on either
   * side update the result: a change of a row's foreign key moves it to the new right row, a right
   * update reaches every row referencing it, a deletion on either side deletes the result row. A
   * null foreign key has no result (the record is counted as dropped). Subscriptions go through
   * `<applicationId>-<name>-subscription-registration-topic` (co-partitioned with the other table's
   * topic) and the answers through `<applicationId>-<name>-subscription-response-topic`
   * (co-partitioned with this table's); an answer computed for a value that has changed since is
   * discarded. Both tables are materialized (an unmaterialized one is, with a warning); the serdes
   * of both tables' keys and values must be known (from their sources, or `key` / `thisValue` /
   * `otherKey` / `otherValue`) and synchronous. Give `name`: it names the topics and the
   * subscription store.
   *
   * @example
   * const enriched = orders.join(customers, (order) => order.customerId, (order, customer) => ({ ...order, customer }), { name: 'order-customer' });
   */
  join<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: (value: V) => KO | null | undefined,
    joiner: (value: V, otherValue: VO) => VR,
    options?: ForeignKeyJoinOptions<K, V, KO, VO, VR>,
  ): KTable<K, VR>;
  join<KO, VO, VR>(
    other: KTable<K, VO> | KTable<KO, VO>,
    joinerOrExtractor: ((value: V, otherValue: VO, key: K) => VR) | ((value: V) => KO | null | undefined),
    optionsOrJoiner?: TableOptions<VR> | ((value: V, otherValue: VO) => VR),
    options: ForeignKeyJoinOptions<K, V, KO, VO, VR> = {},
  ): KTable<K, VR> {
    if (typeof optionsOrJoiner === 'function') {
      const joiner = optionsOrJoiner as (value: V | null, otherValue: VO | null) => VR;
      return foreignKeyJoin(this.ctx, this, other as KTable<KO, VO>, joinerOrExtractor as (value: V) => KO | null | undefined, joiner, false, options);
    }
    const joiner = joinerOrExtractor as (value: V | null, otherValue: VO | null, key: K) => VR;
    return tableTableJoin(this.ctx, this, other as KTable<K, VO>, joiner, 'inner', optionsOrJoiner ?? {});
  }

  /**
   * Left join with another table: every row of this table has a result row, joined with the other
   * table's value for the key or with null; deleting this table's row deletes the result row.
   *
   * @example
   * users.leftJoin(addresses, (user, address) => ({ ...user, address: address ?? undefined }));
   */
  leftJoin<VO, VR>(other: KTable<K, VO>, joiner: (value: V, otherValue: VO | null, key: K) => VR, options?: TableOptions<VR>): KTable<K, VR>;
  /**
   * Foreign-key left join (KIP-213): as the foreign-key {@link KTable.join}, but every row of this
   * table has a result row, joined with null while the other table has no row for its foreign key or
   * the foreign key is null (KIP-962); deleting this table's row deletes the result row.
   *
   * @example
   * orders.leftJoin(customers, (order) => order.customerId, (order, customer) => ({ ...order, customer: customer ?? undefined }), { name: 'order-customer' });
   */
  leftJoin<KO, VO, VR>(
    other: KTable<KO, VO>,
    foreignKeyExtractor: (value: V) => KO | null | undefined,
    joiner: (value: V, otherValue: VO | null) => VR,
    options?: ForeignKeyJoinOptions<K, V, KO, VO, VR>,
  ): KTable<K, VR>;
  leftJoin<KO, VO, VR>(
    other: KTable<K, VO> | KTable<KO, VO>,
    joinerOrExtractor: ((value: V, otherValue: VO | null, key: K) => VR) | ((value: V) => KO | null | undefined),
    optionsOrJoiner?: TableOptions<VR> | ((value: V, otherValue: VO | null) => VR),
    options: ForeignKeyJoinOptions<K, V, KO, VO, VR> = {},
  ): KTable<K, VR> {
    if (typeof optionsOrJoiner === 'function') {
      const joiner = optionsOrJoiner as (value: V | null, otherValue: VO | null) => VR;
      return foreignKeyJoin(this.ctx, this, other as KTable<KO, VO>, joinerOrExtractor as (value: V) => KO | null | undefined, joiner, true, options);
    }
    const joiner = joinerOrExtractor as (value: V | null, otherValue: VO | null, key: K) => VR;
    return tableTableJoin(this.ctx, this, other as KTable<K, VO>, joiner, 'left', optionsOrJoiner ?? {});
  }

  /**
   * Outer join with another table: a key present in either table has a result row, joined with null
   * for the side without a row; the result row is deleted when both sides are.
   *
   * @example
   * stock.outerJoin(orders, (inStock, ordered) => (inStock ?? 0) - (ordered ?? 0));
   */
  outerJoin<VO, VR>(other: KTable<K, VO>, joiner: (value: V | null, otherValue: VO | null, key: K) => VR, options: TableOptions<VR> = {}): KTable<K, VR> {
    return tableTableJoin(this.ctx, this, other, joiner, 'outer', options);
  }

  private transform<VR>(prefix: string, fn: (key: K, value: V) => VR | null, options: TableOptions<VR>, sameSerde: Serde<VR> | undefined): KTable<K, VR> {
    const name = this.ctx.names.node(prefix, options.name);
    const valueSerde = options.value ?? sameSerde;
    const store = options.store;
    this.ctx.topology.addProcessor(name, () => new KTableTransform<K, V, VR>(fn, store, prefix === 'KTABLE-FILTER'), this.nodeName);
    if (store !== undefined) {
      this.ctx.topology.addStateStore(this.ctx.tableStore(store, this.keySerde, valueSerde, options), name);
    }
    return new KTable<K, VR>(this.ctx, name, store, this.keySerde, valueSerde);
  }
}
