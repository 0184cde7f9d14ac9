import type { StateStore } from './state-store.js';

/**
 * What {@link VersionedKeyValueStore.put} returns when the record put is the key's latest version:
 * it has no end of validity yet. Kafka Streams uses `Long.MIN_VALUE`; JavaScript numbers cannot hold
 * it, so Rivulet uses the smallest safe integer, which no real timestamp reaches either.
 */
export const PUT_RETURN_CODE_VALID_TO_UNDEFINED = Number.MIN_SAFE_INTEGER;

/**
 * What {@link VersionedKeyValueStore.put} returns when the record was not put: its timestamp is
 * older than the store's history retention allows (Kafka Streams: `Long.MIN_VALUE + 1`).
 */
export const PUT_RETURN_CODE_NOT_PUT = Number.MIN_SAFE_INTEGER + 1;

/**
 * One version of a key's value in a versioned store (KIP-889): the value, the timestamp it became
 * valid at, and the timestamp the next version replaced it at (exclusive), undefined while it is the
 * latest version.
 */
export interface VersionedRecord<V> {
  /** The value; never null: a deletion is a version with no value, and no record is returned for it. */
  readonly value: V;
  /** The timestamp this version is valid from (inclusive). */
  readonly timestamp: number;
  /** The timestamp the next version (a value or a deletion) starts at, exclusive; undefined for the latest version. */
  readonly validTo?: number;
}

/**
 * The read side of a versioned key-value store: the latest value of a key, or its value as of a
 * point in time. What interactive queries see (`app.versionedStore(name)`).
 */
export interface ReadOnlyVersionedKeyValueStore<K, V> {
  /**
   * The latest version of `key`, or undefined when the key is absent or its latest version is a
   * deletion. With `asOfTimestamp`: the version valid at that time (the newest with a timestamp
   * `<= asOfTimestamp`), or undefined when there is none, it is a deletion, or `asOfTimestamp` is
   * older than the history the store keeps (observed stream time minus `historyRetentionMs`).
   *
   * @example
   * store.get('EUR');                // { value: 1.09, timestamp: 3000 }
   * store.get('EUR', 1500);          // { value: 1.07, timestamp: 1000, validTo: 3000 }
   */
  get(key: K, asOfTimestamp?: number): VersionedRecord<V> | undefined;
}

/**
 * A key-value store that keeps, per key, the versions of its value over time (Kafka Streams'
 * `VersionedKeyValueStore`, KIP-889). Each write carries a timestamp; writes may come out of order
 * and go into the history in timestamp order. History older than `historyRetentionMs` (relative to
 * the newest timestamp the store has seen, its observed stream time) is dropped, and a write older
 * than that is refused. With logging enabled every write goes to the changelog with its timestamp
 * as the record timestamp, so a restore rebuilds the history.
 *
 * @example
 * const rates = context.getStateStore<VersionedKeyValueStore<string, number>>('rates');
 * rates.put('EUR', 1.07, 1000);
 * rates.put('EUR', 1.09, 3000);
 * rates.get('EUR', 2000); // { value: 1.07, timestamp: 1000, validTo: 3000 }
 */
export interface VersionedKeyValueStore<K, V> extends ReadOnlyVersionedKeyValueStore<K, V>, StateStore {
  /**
   * Adds a version of `key` valid from `timestamp`; a null value is a deletion from `timestamp` on
   * (a tombstone version). A version with the same timestamp as an existing one replaces it.
   * Returns when the new version stops being valid: the timestamp of the next version,
   * {@link PUT_RETURN_CODE_VALID_TO_UNDEFINED} when it is the latest, or
   * {@link PUT_RETURN_CODE_NOT_PUT} when `timestamp` is older than the history retention.
   *
   * @example
   * store.put('EUR', 1.09, 3000); // PUT_RETURN_CODE_VALID_TO_UNDEFINED
   * store.put('EUR', 1.07, 1000); // 3000: valid until the version at 3000
   */
  put(key: K, value: V | null, timestamp: number): number;
  /**
   * Deletes `key` from `timestamp` on (puts a tombstone version) and returns the version that was
   * valid at `timestamp` before the deletion, if any.
   *
   * @example
   * store.delete('EUR', 5000); // { value: 1.09, timestamp: 3000 }
   */
  delete(key: K, timestamp: number): VersionedRecord<V> | undefined;
}
