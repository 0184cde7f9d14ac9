import type { Serde } from '@rivulet/serde';
import type { Named } from './kstream.js';

/**
 * Options of a stream-table join (`stream.join(table, ...)`, `stream.leftJoin(table, ...)`).
 *
 * When the stream's key changed before the join (`map`, `selectKey`...), it is repartitioned first
 * through `<applicationId>-<name>-repartition`, written with the `key` and `value` serdes (default:
 * the stream's, and the table's key serde). Give a `name`: a generated one changes when the
 * topology changes.
 *
 * @example
 * orders.selectKey((_id, o) => o.customerId).join(customers, (order, customer) => ({ ...order, customer }), {
 *   name: 'orders-by-customer',
 *   value: serdes.json<Order>(),
 * });
 */
export interface StreamTableJoinOptions<K, V> extends Named {
  /** Key serde of the repartition topic, when one is needed. */
  key?: Serde<K>;
  /** Value serde of the repartition topic, when one is needed. */
  value?: Serde<V>;
  /**
   * A grace period for late table updates (Kafka Streams' `Joined.withGracePeriod`, KIP-923), for a
   * versioned table only and at most its history retention: stream records wait in a changelogged
   * buffer (`<name>-buffer-store`, serialized with `key` and `value`) until the stream time passes
   * their timestamp plus this, then join with the table as of their timestamps, in timestamp order.
   */
  gracePeriodMs?: number;
}

/**
 * Options of a stream-stream join (`join`, `leftJoin`, `outerJoin` with {@link JoinWindows}).
 *
 * Both sides buffer their records in key-value stores named after the join's `name`:
 * `<name>-this-join-store`, `<name>-other-join-store` and, for left and outer joins,
 * `<name>-outer-shared-join-store` (records still waiting for a partner), each changelogged unless
 * `loggingDisabled`. A side whose key changed is repartitioned through
 * `<applicationId>-<name>-left-repartition` / `-right-repartition`. The stores need serdes: `key`,
 * `value` (this stream's values) and `otherValue` (the other stream's), defaulting to the streams' own.
 *
 * @example
 * views.leftJoin(clicks, (view, click) => ({ view, click }), JoinWindows.ofTimeDifferenceWithNoGrace(60_000), {
 *   name: 'views-clicks',
 *   otherValue: serdes.json<Click>(),
 * });
 */
export interface StreamJoinOptions<K, V, VO> extends Named {
  /** The key serde of the join buffers; default: this stream's, else the other's. */
  key?: Serde<K>;
  /** The value serde of this stream's buffer; default: the stream's. */
  value?: Serde<V>;
  /** The value serde of the other stream's buffer; default: the other stream's. */
  otherValue?: Serde<VO>;
  /** Keep the join's buffers on disk (lmdb) instead of in memory (the default). */
  persistent?: boolean;
  /** No changelogs for the buffers: they start empty after a restart or a move. Default: logged. */
  loggingDisabled?: boolean;
}
