import type { StateStore } from './state-store.js';

/** A key and its value, as ranges yield them. */
export interface KeyValue<K, V> {
  /** The key. */
  readonly key: K;
  /** The value. */
  readonly value: V;
}

/**
 * The read side of a key-value store: what a processor reads and what interactive queries see.
 * Synchronous: a read never waits for I/O.
 *
 * Order is the order of the serialized keys' bytes (unsigned, shorter first on a common prefix:
 * `a` < `a\0` < `b`), as in Kafka Streams; for a numeric key it is the order of its encoding, not of
 * the numbers.
 */
export interface ReadOnlyKeyValueStore<K, V> {
  /** The value of `key`, or undefined when absent. */
  get(key: K): V | undefined;
  /**
   * The entries with `from <= key <= to`, both bounds inclusive and optional, in key byte order;
   * none when `from` is after `to`.
   *
   * The iterable is lazy and weakly consistent: each key is yielded at most once and in order;
   * writes made while iterating may or may not be seen. Stop early with `break`.
   *
   * @example
   * for (const { key, value } of store.range('user-100', 'user-199')) total += value;
   */
  range(from?: K, to?: K): Iterable<KeyValue<K, V>>;
  /** All entries in key byte order; same consistency as {@link ReadOnlyKeyValueStore.range}. */
  all(): Iterable<KeyValue<K, V>>;
  /** The number of entries; stores may estimate it, as Kafka Streams' do. */
  approximateNumEntries(): number;
}

/**
 * A key-value state store. Writes are synchronous (they go to memory or to a bounded write buffer)
 * and, when logging is enabled, each one is also appended to the store's changelog.
 *
 * @example
 * const counts = context.getStateStore<KeyValueStore<string, number>>('word-counts');
 * counts.put(word, (counts.get(word) ?? 0) + 1);
 */
export interface KeyValueStore<K, V> extends ReadOnlyKeyValueStore<K, V>, StateStore {
  /** Sets the value of `key`. A null value deletes the key, as in Kafka Streams. */
  put(key: K, value: V | null): void;
  /** Sets the value only if `key` is absent; returns the existing value, or undefined if it was set. */
  putIfAbsent(key: K, value: V): V | undefined;
  /** Puts each entry in order; null values delete. */
  putAll(entries: Iterable<KeyValue<K, V | null>>): void;
  /** Deletes `key`; returns its previous value, or undefined when it was absent. */
  delete(key: K): V | undefined;
}
