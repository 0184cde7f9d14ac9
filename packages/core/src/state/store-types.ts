import type { ReadOnlyKeyValueStore } from './key-value-store.js';
import type { VersionedRecord } from './versioned-key-value-store.js';
import type { Topology } from '../topology/topology.js';

/**
 * The kinds of store an interactive query reads, each with its accessor: `'key-value'`
 * (`app.store`), `'versioned'` (`app.versionedStore`, and `app.store` for the latest versions),
 * `'window'` (`app.windowStore`) and `'session'` (`app.sessionStore`).
 */
export type StoreKind = 'key-value' | 'versioned' | 'window' | 'session';

/**
 * The key type, value type and kind of one named store. It exists for the type checker only
 * (nothing of this type is made at run time): a typed `Topology` maps store names to it, and
 * `app.store(name)` reads the types from there instead of taking them as type arguments.
 *
 * @example
 * type Stores = { 'word-counts': KeyValueStoreType<string, bigint>; 'clicks-per-minute': WindowStoreType<string, bigint> };
 */
export interface StoreType<K = unknown, V = unknown, Kind extends StoreKind = StoreKind> {
  /** The kind of store, which fixes the accessor that reads it. */
  readonly kind: Kind;
  /** The type of its keys (for a window or session store: the record key, without the window). */
  readonly key: K;
  /** The type of its values (for the DSL's stores: the aggregate or the table's value). */
  readonly value: V;
}

/** A key-value store of `K` to `V` (a table's or a non-windowed aggregation's); read with `app.store`. */
export type KeyValueStoreType<K, V> = StoreType<K, V, 'key-value'>;
/** A versioned key-value store of `K` to `V` (a versioned table's); read with `app.versionedStore`. */
export type VersionedStoreType<K, V> = StoreType<K, V, 'versioned'>;
/** A window store of `K` to `V` (a time-windowed aggregation's); read with `app.windowStore`. */
export type WindowStoreType<K, V> = StoreType<K, V, 'window'>;
/** A session store of `K` to `V` (a session-windowed aggregation's); read with `app.sessionStore`. */
export type SessionStoreType<K, V> = StoreType<K, V, 'session'>;

/** Store names mapped to their {@link StoreType}: the type parameter of a typed `Topology`. */
export type StoreTypes = { readonly [name: string]: StoreType };

/**
 * A store's name carrying its {@link StoreType}: what the DSL returns for a named store (a KTable
 * made with `{ store: 'word-counts' }` is one) and what `Materialized.as<K, V>('word-counts')`
 * declares. Pass it to `builder.build(...)` to type the topology, or straight to `app.store(it)`.
 *
 * @example
 * const counts = grouped.count({ store: 'word-counts' }); // KTable<string, bigint> & NamedStore<'word-counts', KeyValueStoreType<string, bigint>>
 * app.store(counts).get('kafka'); // bigint | undefined
 */
export interface NamedStore<N extends string = string, T extends StoreType = StoreType> {
  /** The store's name, as the topology names it. */
  readonly queryableStoreName: N;
  /** For the type checker only: always undefined at run time. */
  readonly storeType?: T;
}

/** The store map of a list of {@link NamedStore}s: each name to its type (names typed `string`, not a literal, are left out). */
export type StoresOf<R extends readonly NamedStore[]> = {
  [E in R[number] as string extends E['queryableStoreName'] ? never : E['queryableStoreName']]: NonNullable<E['storeType']>;
};

/**
 * The names in `S` of the stores of the given kinds; `never` for an untyped topology (whose names
 * are given with explicit type arguments instead).
 */
export type StoreNames<S extends StoreTypes, Kinds extends StoreKind> = string extends keyof S
  ? never
  : { [N in keyof S & string]: S[N]['kind'] extends Kinds ? N : never }[keyof S & string];

/** What `app.store` reads of a store of type `T`: a versioned store's latest versions, any other's values. */
export type KeyValueView<T extends StoreType> = T['kind'] extends 'versioned'
  ? ReadOnlyKeyValueStore<T['key'], VersionedRecord<T['value']>>
  : ReadOnlyKeyValueStore<T['key'], T['value']>;

/**
 * The parameter type of the explicit form `app.store<K, V>(name)`: any name when the topology is
 * untyped or the types are given; on a typed topology, `never` when `K` was left out, so that a name
 * it does not know (`app.store('misspelled')`) is a type error rather than a store of unknowns.
 */
export type ExplicitStoreName<S extends StoreTypes, K> = string extends keyof S ? string : [K] extends [never] ? never : string;

/** `K` of the explicit form, `unknown` when it was left out (as the untyped form always gave). */
export type ExplicitKeyType<K> = [K] extends [never] ? unknown : K;

/**
 * The name of a store given by name or as a {@link NamedStore}.
 *
 * @internal
 */
export function storeNameOf(store: string | NamedStore): string {
  return typeof store === 'string' ? store : store.queryableStoreName;
}

/**
 * The store types of a typed topology, e.g. for `StreamsApp.fromModule`, whose topology is built in
 * the stream threads: `StreamsApp.fromModule<StoreTypesOf<ReturnType<typeof buildTopology>>>(...)`.
 */
export type StoreTypesOf<T> = T extends Topology<infer S> ? S : never;
