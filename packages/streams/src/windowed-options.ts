import type { AggregateOptions } from './kgrouped-stream.js';
import type { LateRecordCounter } from './late-record-counter.js';

/**
 * When a windowed aggregation sends results downstream:
 * - `'update'` (default): every change of a window's result, as each record arrives (Kafka
 *   Streams' `EmitStrategy.onWindowUpdate()`);
 * - `'final'`: one result per window, once it closes, i.e. when stream time passes the window's
 *   end + grace (sessions: end + gap + grace); Kafka Streams' `EmitStrategy.onWindowClose()`, the
 *   same output as `suppress(untilWindowCloses(...))`. Stream time is the task's: windows close on
 *   the arrival of a record that moves it, never on the wall clock.
 */
export type EmitStrategy = 'update' | 'final';

/** Options of a windowed count, reduce or aggregate. */
export interface WindowedAggregateOptions<VA> extends AggregateOptions<VA> {
  /** Every update (default) or the final result per window; see {@link EmitStrategy}. */
  emit?: EmitStrategy;
  /**
   * How long the store keeps windows; also sets the changelog's `retention.ms` (+ 1 day). Default
   * and minimum: size + grace (sliding windows: 2 × difference + grace; sessions: gap + grace).
   */
  retentionMs?: number;
  /** Counts the late records the aggregation drops; see {@link LateRecordCounter}. */
  lateRecords?: LateRecordCounter;
}
