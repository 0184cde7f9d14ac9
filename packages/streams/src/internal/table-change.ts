import { StreamRecord, type Processor, type ProcessorContext } from '@rivulet/core';
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
 *
 * `isLatest` is Kafka Streams' `Change.isLatest` (KIP-914): false for an out-of-order update of a
 * versioned table (older than the key's latest version). Such an update is forwarded, so `toStream()`
 * and the stream operators see it, but the nodes with table semantics skip it (see
 * {@link isOutOfOrderVersion}): the table's latest value did not change.
 */
export class TableChange<K, V> extends StreamRecord<K, V | null> {
  constructor(
    key: K,
    value: V | null,
    /** The row's value before this update: null when it did not exist. */
    readonly oldValue: V | null,
    timestamp: number,
    headers?: Headers,
    /** False for an out-of-order update of a versioned table: not the key's latest version. */
    readonly isLatest: boolean = true,
  ) {
    super(key, value, timestamp, headers);
  }
}

/**
 * Whether `record` is an out-of-order update of a versioned table (KIP-914): a TableChange that is
 * not its key's latest version. Table-table joins, foreign-key joins, `KTable.groupBy` and
 * `suppress` skip such updates, as Kafka Streams' processors do for a versioned table; `toStream()`,
 * `filter` and `mapValues` pass them on.
 *
 * @example
 * if (isOutOfOrderVersion(record)) return; // first line of a node with table semantics
 */
export function isOutOfOrderVersion(record: StreamRecord<unknown, unknown>): boolean {
  return record instanceof TableChange && !record.isLatest;
}

/**
 * `processor`, skipping the out-of-order updates of a versioned table (see {@link isOutOfOrderVersion}):
 * for the node a join adds to materialize a table that has no store of its own, so that its store
 * holds the table's latest values, as Kafka Streams' value getter of such a table reads them.
 *
 * @internal
 */
export function skippingOutOfOrderVersions<KIn, VIn, KOut, VOut>(processor: Processor<KIn, VIn, KOut, VOut>): Processor<KIn, VIn, KOut, VOut> {
  return {
    init: (context) => processor.init?.(context),
    process: (record) => {
      if (!isOutOfOrderVersion(record)) processor.process(record);
    },
    pending: () => processor.pending?.(),
    close: () => processor.close?.(),
  };
}

/**
 * The value a table row had before the update `record` carries: null when the row did not exist,
 * undefined when the record does not know (it did not come from a table node that tracks it).
 */
export function oldValueOf<V>(record: StreamRecord<unknown, V | null>): V | null | undefined {
  return record instanceof TableChange ? (record.oldValue as V | null) : undefined;
}

/**
 * The update of `record`'s key to `newValue` from `oldValue`, with `record`'s timestamp and headers;
 * `isLatest` false marks an out-of-order update of a versioned table (see {@link TableChange}).
 */
export function tableChange<K, V>(record: StreamRecord<K, unknown>, newValue: V | null, oldValue: V | null, isLatest = true): TableChange<K, V> {
  return new TableChange<K, V>(record.key, newValue, oldValue, record.timestamp, record.headers, isLatest);
}

/**
 * Forwards the update of `record`'s key from `oldValue` to `newValue` (see {@link TableChange}); an
 * unknown old value (undefined) forwards a plain record with the new value. `isLatest` false
 * forwards an out-of-order update of a versioned table (always a TableChange, its old value null
 * when unknown, so the nodes downstream can tell).
 */
export function forwardChange<K, V>(
  ctx: ProcessorContext<K, V | null>,
  record: StreamRecord<K, unknown>,
  newValue: V | null,
  oldValue: V | null | undefined,
  isLatest = true,
): void {
  if (!isLatest) ctx.forward(tableChange(record, newValue, oldValue ?? null, false));
  else ctx.forward(oldValue === undefined ? record.withValue(newValue) : tableChange(record, newValue, oldValue));
}
