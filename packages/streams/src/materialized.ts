import type { NamedStore, StoreKind, StoreType } from '@rivulet/core';
import type { StoreOptions } from './internal/builder-context.js';

/**
 * The store types an operator makes, checked against a {@link Materialized} given as its options:
 * `count(Materialized.as<string, string>('word-counts'))` is a type error, a count being a bigint.
 */
export interface StoreTypeCheck<T extends StoreType> {
  /** For the type checker only: always undefined at run time. */
  readonly storeType?: T;
}

/**
 * A named store declared with its key and value types (Kafka Streams' `Materialized.as`): options
 * for the operator that makes the store (`count`, `reduce`, `aggregate`, `toTable`, `table`...),
 * which must agree with the types, and a {@link NamedStore} to query it by, `app.store(it)`.
 *
 * @typeParam K - The store's keys (for a window or session store: the record keys).
 * @typeParam V - The store's values.
 * @typeParam N - Its name.
 * @typeParam Kind - The kind of store the operator makes: `'key-value'`, `'window'`, `'session'` or `'versioned'`.
 */
export interface Materialized<K, V, N extends string = string, Kind extends StoreKind = 'key-value'> extends StoreOptions, NamedStore<N, StoreType<K, V, Kind>> {
  /** The store's name (also its changelog's: `<applicationId>-<store>-changelog`). */
  readonly store: N;
}

/** Makes {@link Materialized} store declarations. */
export const Materialized = {
  /**
   * A store named `name`. With type arguments it declares the store's key and value types (and its
   * kind, `'key-value'` unless given): the operator it is passed to must make a store of those
   * types, and `app.store(it)` is typed by them. TypeScript infers all type arguments or none, so
   * the name keeps its literal type only without them: `Materialized.as('word-counts')` is the same
   * as `{ store: 'word-counts' }`, and the operator's result types the store by name.
   *
   * @example
   * export const wordCounts = Materialized.as<string, bigint>('word-counts', { persistent: true });
   * grouped.count(wordCounts); // checked: a count of string keys
   * app.store(wordCounts).get('kafka'); // bigint | undefined, in another module
   * const perMinute = Materialized.as<string, bigint, 'window'>('clicks-per-minute');
   */
  as<K = never, V = never, Kind extends StoreKind = [K] extends [never] ? never : 'key-value', N extends string = string>(
    name: N,
    options: Omit<StoreOptions, 'store'> = {},
  ): Materialized<K, V, N, Kind> {
    return { ...options, store: name, queryableStoreName: name };
  },
};
