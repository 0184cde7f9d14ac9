import type { KeyValueStoreType, NamedStore } from '@rivulet/core';
import { serdes, type Serde } from '@rivulet/serde';
import type { StoreTypeCheck } from './materialized.js';
import type { BuilderContext } from './internal/builder-context.js';
import { KTableAggregate } from './internal/processors/ktable-aggregate.js';
import type { AggregateOptions } from './kgrouped-stream.js';
import { KTable } from './ktable.js';

/**
 * A table regrouped by {@link KTable.groupBy}, ready for an aggregation. Unlike a grouped stream, a
 * grouped table's rows change: each aggregation takes an adder and a subtractor, and an update of a
 * source row subtracts the row's old value from its old group before adding the new value to its
 * new group (both travel on the repartition topic, as in Kafka Streams). A deleted source row is
 * only subtracted. The results are kept in a named, changelogged store (queryable with
 * `app.store(name)`) and returned as a table.
 *
 * @example
 * // Users per region, kept right when a user moves.
 * const perRegion = users
 *   .groupBy((_id, user) => [user.region, user], { key: serdes.string(), value: serdes.json<User>(), name: 'users-by-region' })
 *   .count({ store: 'users-per-region' });
 */
export class KGroupedTable<K, V> {
  /** @internal */
  constructor(
    /** @internal The builder this table belongs to. */
    readonly ctx: BuilderContext,
    /** The node the regrouped updates leave from (the repartition topic's source). */
    readonly nodeName: string,
    /** The serde of the group keys, when known. */
    readonly keySerde: Serde<K> | undefined,
    /** The serde of the grouped values, when known. */
    readonly valueSerde: Serde<V> | undefined,
  ) {}

  /** The number of rows per group, as a bigint (written as Kafka's int64). Typed by its store name as `KGroupedStream.count` is. */
  count<N extends string = string>(options: AggregateOptions<bigint> & { store: N } & StoreTypeCheck<KeyValueStoreType<K, bigint>>): KTable<K, bigint> & NamedStore<N, KeyValueStoreType<K, bigint>>;
  /** The number of rows per group, in a store of a generated name unless `name` is given. */
  count(options?: AggregateOptions<bigint> & StoreTypeCheck<KeyValueStoreType<K, bigint>>): KTable<K, bigint>;
  count(options: AggregateOptions<bigint> = {}): KTable<K, bigint> {
    return this.aggregateWith(
      'count()',
      options,
      serdes.int64(),
      () => 0n,
      (_k, _v, agg) => agg! + 1n,
      (_k, _v, agg) => agg - 1n,
    );
  }

  /**
   * Combines the rows' values per group: `adder` folds a new row's value in, `subtractor` takes an
   * old row's value out. A group's first value is its start.
   *
   * @example
   * // Total balance per branch.
   * accounts.groupBy((_id, a) => [a.branch, a.balance], { key: serdes.string(), value: serdes.float64() })
   *   .reduce((total, balance) => total + balance, (total, balance) => total - balance, { store: 'balance-per-branch' });
   */
  reduce<N extends string = string>(
    adder: (aggregate: V, value: V, key: K) => V,
    subtractor: (aggregate: V, value: V, key: K) => V,
    options: AggregateOptions<V> & { store: N } & StoreTypeCheck<KeyValueStoreType<K, V>>,
  ): KTable<K, V> & NamedStore<N, KeyValueStoreType<K, V>>;
  /** Combines the rows per group, in a store of a generated name unless `name` is given. */
  reduce(adder: (aggregate: V, value: V, key: K) => V, subtractor: (aggregate: V, value: V, key: K) => V, options?: AggregateOptions<V> & StoreTypeCheck<KeyValueStoreType<K, V>>): KTable<K, V>;
  reduce(adder: (aggregate: V, value: V, key: K) => V, subtractor: (aggregate: V, value: V, key: K) => V, options: AggregateOptions<V> = {}): KTable<K, V> {
    return this.aggregateWith(
      'reduce()',
      options,
      options.value ?? this.valueSerde,
      undefined,
      (k, v, agg) => (agg === undefined ? v : adder(agg, v, k)),
      (k, v, agg) => subtractor(agg, v, k),
    );
  }

  /**
   * Folds the rows' values per group into an aggregate of another type, starting from
   * `initializer()`: `adder` adds a row's new value, `subtractor` removes a row's old one.
   *
   * @example
   * // Names per team.
   * members.groupBy((_id, m) => [m.team, m.name], { key: serdes.string(), value: serdes.string() }).aggregate(
   *   () => [] as string[],
   *   (_team, name, names) => [...names, name],
   *   (_team, name, names) => names.filter((n) => n !== name),
   *   { store: 'team-names', value: serdes.json<string[]>() },
   * );
   */
  aggregate<VA, N extends string = string>(
    initializer: () => VA,
    adder: (key: K, value: V, aggregate: VA) => VA,
    subtractor: (key: K, value: V, aggregate: VA) => VA,
    options: AggregateOptions<VA> & { store: N } & StoreTypeCheck<KeyValueStoreType<K, VA>>,
  ): KTable<K, VA> & NamedStore<N, KeyValueStoreType<K, VA>>;
  /** Folds the rows per group, in a store of a generated name unless `name` is given. */
  aggregate<VA>(
    initializer: () => VA,
    adder: (key: K, value: V, aggregate: VA) => VA,
    subtractor: (key: K, value: V, aggregate: VA) => VA,
    options?: AggregateOptions<VA> & StoreTypeCheck<KeyValueStoreType<K, VA>>,
  ): KTable<K, VA>;
  aggregate<VA>(
    initializer: () => VA,
    adder: (key: K, value: V, aggregate: VA) => VA,
    subtractor: (key: K, value: V, aggregate: VA) => VA,
    options: AggregateOptions<VA> = {},
  ): KTable<K, VA> {
    return this.aggregateWith('aggregate()', options, options.value, initializer, (k, v, agg) => adder(k, v, agg as VA), subtractor);
  }

  private aggregateWith<VA>(
    what: string,
    options: AggregateOptions<VA>,
    valueSerde: Serde<VA> | undefined,
    initializer: (() => VA) | undefined,
    adder: (key: K, value: V, aggregate: VA | undefined) => VA,
    subtractor: (key: K, value: V, aggregate: VA) => VA,
  ): KTable<K, VA> {
    const store = this.ctx.names.stateful('KTABLE-AGGREGATE-STATE-STORE', options.store ?? options.name, `the store of KGroupedTable.${what}`);
    const name = this.ctx.names.node('KTABLE-AGGREGATE', options.name === undefined ? undefined : `${options.name}-aggregate`);
    this.ctx.topology.addProcessor(name, () => new KTableAggregate<K, V, VA>(store, initializer, adder, subtractor), this.nodeName);
    this.ctx.topology.addStateStore(this.ctx.tableStore(store, this.keySerde, valueSerde, options), name);
    return new KTable<K, VA>(this.ctx, name, store, this.keySerde, valueSerde);
  }
}
