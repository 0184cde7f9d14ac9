import type { KeyValueStore } from './key-value-store.js';
import type { ValueAndTimestamp } from './value-and-timestamp.js';

/**
 * A key-value store that keeps, with each value, the timestamp of the row (Kafka Streams'
 * `TimestampedKeyValueStore`): what the DSL's tables and non-windowed aggregations keep, so that an
 * aggregate update is stamped with the newest of its records and a table-table join result with
 * the newer of its two rows, as in Kafka Streams.
 *
 * Unlike Kafka Streams' interface, the plain key-value methods read and write values alone (so the
 * store serves every reader of a plain store, and `app.store(name)` shows values); a plain `put`
 * stamps the value with the timestamp of the record being processed. The stored bytes, engine and
 * changelog alike, are `[8-byte big-endian timestamp][value bytes]`, so restoring rebuilds the
 * timestamps. Made by {@link Stores.timestampedKeyValueStoreBuilder}.
 */
export interface TimestampedKeyValueStore<K, V> extends KeyValueStore<K, V> {
  /** Always true: tells a timestamped store from a plain one. */
  readonly timestamped: true;
  /**
   * The value of `key` with the timestamp of its row; undefined when absent.
   *
   * @example
   * store.getWithTimestamp('alice'); // { value: 3n, timestamp: 1_700_000_000_000 }
   */
  getWithTimestamp(key: K): ValueAndTimestamp<V> | undefined;
  /**
   * Writes `value` with the row timestamp `timestamp`; null deletes the key.
   *
   * @example
   * store.putWithTimestamp('alice', 4n, Math.max(record.timestamp, old.timestamp));
   */
  putWithTimestamp(key: K, value: V | null, timestamp: number): void;
}

/** True when `store` keeps a timestamp with each value ({@link TimestampedKeyValueStore}). */
export function isTimestampedKeyValueStore<K, V>(store: KeyValueStore<K, V>): store is TimestampedKeyValueStore<K, V> {
  return (store as Partial<TimestampedKeyValueStore<K, V>>).timestamped === true && typeof (store as Partial<TimestampedKeyValueStore<K, V>>).getWithTimestamp === 'function';
}
