import type { KeyValueStoreType, NamedStore } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import type { StoreTypeCheck } from './materialized.js';
import type { BuilderContext } from './internal/builder-context.js';
import { addCogroupAggregate, type CogroupInput } from './internal/cogroup-builder.js';
import { StreamAggregate } from './internal/processors/stream-aggregate.js';
import type { AggregateOptions, KGroupedStream } from './kgrouped-stream.js';
import { KTable } from './ktable.js';
import { SessionWindowedCogroupedKStream } from './session-windowed-cogrouped-kstream.js';
import { SessionWindows } from './session-windows.js';
import type { SlidingWindows } from './sliding-windows.js';
import { TimeWindowedCogroupedKStream } from './time-windowed-cogrouped-kstream.js';
import type { TimeWindows } from './time-windows.js';

/**
 * Several grouped streams with the same key type, aggregated into one aggregate per key (Kafka
 * Streams' cogroup, KIP-150): each input has its own aggregator, and all of them update one store,
 * so the result is one table (and one changelog), not one per input joined afterwards. Start with
 * `grouped.cogroup(aggregator)`, add inputs with `cogroup(other, aggregator)`, then `aggregate`, or
 * `windowedBy(...)` first for windowed aggregates.
 *
 * An input whose key changed (`groupBy`, or `groupByKey` after a key change) is repartitioned
 * through its own repartition topic. The topics of all inputs must be co-partitioned (same
 * partition count), as for a join; the app checks it at start. A record with a null key or value
 * is dropped and counted as the task's dropped records (reason `null-key-or-value`).
 *
 * @example
 * const customers = clicks
 *   .groupByKey()
 *   .cogroup<Summary>((_id, _click, s) => ({ ...s, clicks: s.clicks + 1 }))
 *   .cogroup(orders.groupByKey(), (_id, order, s) => ({ ...s, spent: s.spent + order.total }))
 *   .aggregate(() => ({ clicks: 0, spent: 0 }), { store: 'customer-summary', value: serdes.json<Summary>() });
 */
export class CogroupedKStream<K, VA> {
  /** @internal */
  constructor(
    private readonly ctx: BuilderContext,
    private readonly inputs: readonly (CogroupInput<K, VA> & { grouped: KGroupedStream<K, unknown> })[],
  ) {}

  /** @internal The cogroup of one grouped stream, as `grouped.cogroup(aggregator)` starts it. */
  static of<K, V, VA>(grouped: KGroupedStream<K, V>, aggregator: (key: K, value: V, aggregate: VA) => VA): CogroupedKStream<K, VA> {
    return new CogroupedKStream<K, VA>(grouped.ctx, []).cogroup(grouped, aggregator);
  }

  /**
   * Adds another grouped stream (same key type, any value type) with the aggregator that folds its
   * records into the shared aggregate. Returns a new cogrouped stream; this one is unchanged.
   *
   * @example
   * const both = clicks.groupByKey().cogroup(addClick).cogroup(orders.groupByKey(), addOrder);
   */
  cogroup<VO>(other: KGroupedStream<K, VO>, aggregator: (key: K, value: VO, aggregate: VA) => VA): CogroupedKStream<K, VA> {
    if (other.ctx !== this.ctx) throw new Error('cogroup() combines grouped streams of one StreamsBuilder; this grouped stream comes from another builder');
    if (this.inputs.some((input) => input.grouped === (other as KGroupedStream<K, unknown>))) {
      throw new Error('cogroup(): this grouped stream is already an input of the cogroup; give each grouped stream once, with one aggregator');
    }
    const input = { grouped: other as KGroupedStream<K, unknown>, nodeName: other.nodeName, aggregator: aggregator as (key: K, value: unknown, aggregate: VA) => VA };
    return new CogroupedKStream<K, VA>(this.ctx, [...this.inputs, input]);
  }

  /**
   * Aggregates all inputs into one aggregate per key, starting from `initializer()`: each record
   * goes through its own input's aggregator, and every update is sent downstream as the table's
   * new value. The store is queryable by its name (`store`, else `name`).
   *
   * @example
   * cogrouped.aggregate(() => ({ clicks: 0, spent: 0 }), { store: 'customer-summary', value: serdes.json<Summary>() });
   */
  aggregate<N extends string = string>(
    initializer: () => VA,
    options: AggregateOptions<VA> & { store: N } & StoreTypeCheck<KeyValueStoreType<K, VA>>,
  ): KTable<K, VA> & NamedStore<N, KeyValueStoreType<K, VA>>;
  /** Aggregates every input into one store, of a generated name unless `name` is given. */
  aggregate(initializer: () => VA, options?: AggregateOptions<VA> & StoreTypeCheck<KeyValueStoreType<K, VA>>): KTable<K, VA>;
  aggregate(initializer: () => VA, options: AggregateOptions<VA> = {}): KTable<K, VA> {
    const keySerde = this.keySerde();
    const valueSerde = options.value;
    const store = this.ctx.names.stateful('COGROUPKSTREAM-AGGREGATE-STATE-STORE', options.store ?? options.name, 'the store of a cogroup aggregate()');
    const merge = addCogroupAggregate<K, VA>(
      this.ctx,
      this.inputs,
      options.name,
      this.ctx.tableStore(store, keySerde, valueSerde, options),
      (aggregator) => () => new StreamAggregate<K, unknown, VA>(store, initializer, aggregator),
    );
    return new KTable<K, VA>(this.ctx, merge, store, keySerde, valueSerde);
  }

  /**
   * Cuts each key's records, from all inputs, into windows for a windowed aggregate: time windows
   * (tumbling, hopping) or sliding windows give a {@link TimeWindowedCogroupedKStream}, session
   * windows a {@link SessionWindowedCogroupedKStream}.
   *
   * @example
   * cogrouped.windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000)).aggregate(() => 0, { store: 'per-minute', value: serdes.int32() });
   */
  windowedBy(windows: TimeWindows | SlidingWindows): TimeWindowedCogroupedKStream<K, VA>;
  windowedBy(windows: SessionWindows): SessionWindowedCogroupedKStream<K, VA>;
  windowedBy(windows: TimeWindows | SlidingWindows | SessionWindows): TimeWindowedCogroupedKStream<K, VA> | SessionWindowedCogroupedKStream<K, VA> {
    if (windows instanceof SessionWindows) return new SessionWindowedCogroupedKStream<K, VA>(this.ctx, this.inputs, this.keySerde(), windows);
    return new TimeWindowedCogroupedKStream<K, VA>(this.ctx, this.inputs, this.keySerde(), windows);
  }

  /** The key serde of the first input that knows one (undefined: the app's default). */
  private keySerde(): Serde<K> | undefined {
    return this.inputs.find((input) => input.grouped.keySerde !== undefined)?.grouped.keySerde;
  }
}
