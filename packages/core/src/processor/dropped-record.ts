// eslint-disable-next-line @typescript-eslint/no-unused-vars -- named by the doc comments
import type { ProcessorContext } from './processor-context.js';

/**
 * Why a record was dropped: it went no further through the topology, by design rather than by a
 * failure that stops the task. Every drop is counted per task and reason and logged (see
 * {@link ProcessorContext.reportDropped} and docs/failures.md#dropped-records). The union is kept
 * small and stable:
 *
 * - `null-key-or-value`: an operator that needs a key or a value got null (an aggregation, a join,
 *   a table's source): Kafka Streams' "Skipping record due to null key or value".
 * - `late`: too late for its window, which had closed (stream time past the window's end + grace).
 * - `expired`: older than a store's retention, such as a stream-stream join's window buffer: it is
 *   not kept for the other side's records to find.
 * - `invalid-timestamp`: the timestamp extractor gave a negative (or non-numeric) timestamp.
 * - `deserialization-error`, `processing-error`, `production-error`: the exception handler of that
 *   stage skipped the record (`log-and-continue`, a handler function that answered `continue`) or
 *   sent it to a dead-letter topic. A record larger than its topic accepts is a `production-error`.
 *
 * @see {@link DroppedRecordCounts}
 */
export type DroppedRecordReason =
  | 'null-key-or-value'
  | 'late'
  | 'expired'
  | 'invalid-timestamp'
  | 'deserialization-error'
  | 'processing-error'
  | 'production-error';

/**
 * Counts of dropped records: Kafka Streams' task-level `dropped-records-total`, and the same by
 * {@link DroppedRecordReason}.
 */
export interface DroppedRecordCounts {
  /** Records dropped, for all reasons. */
  readonly total: number;
  /** Records dropped per reason; a reason with none is absent. */
  readonly byReason: Readonly<Partial<Record<DroppedRecordReason, number>>>;
}
