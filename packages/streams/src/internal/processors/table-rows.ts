import { isTimestampedKeyValueStore, type KeyValueStore } from '@rivulet/core';

/**
 * A table row as the DSL's table processors read it: the value and the row's timestamp, undefined
 * when the store keeps none (a plain key-value store, or the latest-value view of a versioned one).
 *
 * @internal
 */
export interface TableRow<V> {
  readonly value: V;
  readonly timestamp: number | undefined;
}

/**
 * The row of `key` in a table's store, with its timestamp when the store is a timestamped one (the
 * DSL's table and aggregation stores are); undefined when the key is absent.
 *
 * @internal
 */
export function readRow<K, V>(store: KeyValueStore<K, V>, key: K): TableRow<V> | undefined {
  if (isTimestampedKeyValueStore(store)) return store.getWithTimestamp(key);
  const value = store.get(key);
  return value === undefined ? undefined : { value, timestamp: undefined };
}

/**
 * Writes the row of `key` with `timestamp` when the store keeps timestamps (a plain store stores
 * the value alone); null or undefined deletes the key.
 *
 * @internal
 */
export function writeRow<K, V>(store: KeyValueStore<K, V>, key: K, value: V | null | undefined, timestamp: number): void {
  if (value === null || value === undefined) store.delete(key);
  else if (isTimestampedKeyValueStore(store)) store.putWithTimestamp(key, value, timestamp);
  else store.put(key, value);
}

/**
 * The timestamp of an update computed from a record and a row (an aggregate, the other side of a
 * join): the newer of the two, as Kafka Streams stamps it; the record's when the row's is unknown.
 *
 * @internal
 */
export function newerTimestamp(recordTimestamp: number, row: TableRow<unknown> | undefined): number {
  return row?.timestamp === undefined ? recordTimestamp : Math.max(recordTimestamp, row.timestamp);
}
