import type { ProcessorContext } from '@rivulet/core';

/** What the log line of a `null-key-or-value` drop says of the record: constants, so a drop builds no text. */
const NULL_KEY = 'a null key';
const NULL_VALUE = 'a null value';

/** The part of a processor's context that counts drops. */
type DropContext = Pick<ProcessorContext, 'reportDropped'>;

/**
 * Reports a record with a null key or value as dropped (`null-key-or-value`) and returns true;
 * false, reporting nothing, for a record with both. What the aggregations (Kafka Streams'
 * "Skipping record due to null key or value") and stream-stream joins do with such records.
 *
 * @internal
 */
export function dropsNullKeyOrValue(context: DropContext, key: unknown, value: unknown): boolean {
  if (key === null || key === undefined) {
    context.reportDropped('null-key-or-value', NULL_KEY);
    return true;
  }
  if (value === null || value === undefined) {
    context.reportDropped('null-key-or-value', NULL_VALUE);
    return true;
  }
  return false;
}

/** Reports a record with a null key as dropped (`null-key-or-value`): a table's source, a table-table join. @internal */
export function dropNullKey(context: DropContext): void {
  context.reportDropped('null-key-or-value', NULL_KEY);
}

/** Reports a record with a null value as dropped (`null-key-or-value`): a stream-table or stream-stream join. @internal */
export function dropNullValue(context: DropContext): void {
  context.reportDropped('null-key-or-value', NULL_VALUE);
}

/**
 * Reports a record with a negative timestamp as dropped (`invalid-timestamp`) and returns true. A
 * source never lets one through (the runtime drops it there); a processor may still forward one.
 *
 * @internal
 */
export function dropsNegativeTimestamp(context: DropContext, timestamp: number): boolean {
  if (timestamp >= 0) return false;
  context.reportDropped('invalid-timestamp', () => `a windowed aggregation cannot place timestamp ${timestamp}`);
  return true;
}
