import { StreamRecord, type ProcessorContext } from '@rivulet/core';
import type { Headers } from '@rivulet/serde';

/**
 * An update of a table, as the DSL's table nodes forward it: the new value (null: the row is
 * deleted) in `value`, and the value the row had before in `oldValue` (null: the row did not exist).
 * Kafka Streams forwards a `Change(newValue, oldValue)` between table nodes; here the update stays a
 * StreamRecord, so `toStream()` and every stream operator see the new value as they always did, and
 * the table nodes that need the old value (KTable.groupBy's subtractor, a foreign-key join when the
 * foreign key changes, a table-table join's result before the update) read it with `oldValueOf`.
 *
 * `withKey` / `withValue` / `withTimestamp` / `withHeaders` return a plain StreamRecord: a record
 * changed by a stream operator no longer knows its old value. The runtime forwards the record object
 * as it is, so the old value survives pass-through nodes.
 */
export class TableChange<K, V> extends StreamRecord<K, V | null> {
  constructor(
    key: K,
    value: V | null,
    /** The row's value before this update: null when it did not exist. */
    readonly oldValue: V | null,
    timestamp: number,
    headers?: Headers,
  ) {
    super(key, value, timestamp, headers);
  }
}

/**
 * The value a table row had before the update `record` carries: null when the row did not exist,
 * undefined when the record does not know (it did not come from a table node that tracks it).
 */
export function oldValueOf<V>(record: StreamRecord<unknown, V | null>): V | null | undefined {
  return record instanceof TableChange ? (record.oldValue as V | null) : undefined;
}

/** The update of `record`'s key to `newValue` from `oldValue`, with `record`'s timestamp and headers. */
export function tableChange<K, V>(record: StreamRecord<K, unknown>, newValue: V | null, oldValue: V | null): TableChange<K, V> {
  return new TableChange<K, V>(record.key, newValue, oldValue, record.timestamp, record.headers);
}

/**
 * Forwards the update of `record`'s key from `oldValue` to `newValue` (see {@link TableChange}); an
 * unknown old value (undefined) forwards a plain record with the new value.
 */
export function forwardChange<K, V>(
  ctx: ProcessorContext<K, V | null>,
  record: StreamRecord<K, unknown>,
  newValue: V | null,
  oldValue: V | null | undefined,
): void {
  ctx.forward(oldValue === undefined ? record.withValue(newValue) : tableChange(record, newValue, oldValue));
}
