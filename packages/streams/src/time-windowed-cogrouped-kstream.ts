import type { NamedStore, Windowed, WindowStoreType } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import type { BuilderContext } from './internal/builder-context.js';
import { addCogroupAggregate, type CogroupInput } from './internal/cogroup-builder.js';
import { StreamSlidingWindowAggregate } from './internal/processors/stream-sliding-window-aggregate.js';
import { StreamWindowAggregate } from './internal/processors/stream-window-aggregate.js';
import { counterOrNew, LateRecords } from './internal/processors/window-support.js';
import { registerWindowGrace } from './internal/window-grace.js';
import { KTable } from './ktable.js';
import { SlidingWindows } from './sliding-windows.js';
import { emitsFinal, retentionOf, windowStore } from './time-windowed-kstream.js';
import type { TimeWindows } from './time-windows.js';
import type { StoreTypeCheck } from './materialized.js';
import type { WindowedAggregateOptions } from './windowed-options.js';
import { windowedSerde } from './windowed-serde.js';

/**
 * A cogroup cut into time windows (tumbling, hopping or sliding): the records of all inputs are
 * aggregated per key and window into one window store, each through its input's aggregator. The
 * options are those of {@link TimeWindowedKStream}'s aggregations (emit strategy, retention, late
 * records, store). Stream time is the task's, over all inputs: a record of any input closes the
 * windows it moves past, and with `emit: 'final'` each window is emitted once, with what every
 * input added to it.
 *
 * @example
 * clicks
 *   .groupByKey()
 *   .cogroup<number>((_user, _click, n) => n + 1)
 *   .cogroup(views.groupByKey(), (_user, _view, n) => n + 1)
 *   .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000))
 *   .aggregate(() => 0, { store: 'events-per-minute', value: serdes.int32() });
 */
export class TimeWindowedCogroupedKStream<K, VA> {
  /** @internal */
  constructor(
    private readonly ctx: BuilderContext,
    private readonly inputs: readonly CogroupInput<K, VA>[],
    private readonly keySerde: Serde<K> | undefined,
    /** The windows records are aggregated in. */
    readonly windows: TimeWindows | SlidingWindows,
  ) {}

  /**
   * Folds the records of all inputs per key and window into an aggregate, each window starting
   * from `initializer()`. Returns a table keyed by {@link Windowed} keys, whose key serde writes
   * Kafka Streams' windowed layout; the window store is queryable by its name.
   *
   * @example
   * cogrouped.windowedBy(TimeWindows.ofSizeWithNoGrace(60_000)).aggregate(() => 0, { store: 'per-minute', value: serdes.int32(), emit: 'final' });
   */
  aggregate<N extends string = string>(
    initializer: () => VA,
    options: WindowedAggregateOptions<VA> & { store: N } & StoreTypeCheck<WindowStoreType<K, VA>>,
  ): KTable<Windowed<K>, VA> & NamedStore<N, WindowStoreType<K, VA>>;
  /** Aggregates every input per key and window, in a store of a generated name unless `name` is given. */
  aggregate(initializer: () => VA, options?: WindowedAggregateOptions<VA> & StoreTypeCheck<WindowStoreType<K, VA>>): KTable<Windowed<K>, VA>;
  aggregate(initializer: () => VA, options: WindowedAggregateOptions<VA> = {}): KTable<Windowed<K>, VA> {
    const what = 'cogroup aggregate()';
    const keySerde = this.ctx.requireSerde(this.keySerde, 'key', `windowed ${what}`);
    const windows = this.windows;
    const sizeMs = windows instanceof SlidingWindows ? windows.timeDifferenceMs : windows.sizeMs;
    const retentionMs = retentionOf(what, windows.minRetentionMs, options.retentionMs);
    const store = this.ctx.names.stateful('COGROUPKSTREAM-AGGREGATE-STATE-STORE', options.store ?? options.name, `the window store of a ${what}`);
    const emitFinal = emitsFinal(options.emit);
    // One counter for all inputs: a late record counts once, whichever input it came from.
    const counter = counterOrNew(options.lateRecords);
    const merge = addCogroupAggregate<K, VA>(
      this.ctx,
      this.inputs,
      options.name,
      windowStore(store, keySerde, options.value, retentionMs, sizeMs, options),
      (aggregator) =>
        windows instanceof SlidingWindows
          ? () => new StreamSlidingWindowAggregate<K, unknown, VA>(store, windows, initializer, aggregator, emitFinal, new LateRecords(counter))
          : () => new StreamWindowAggregate<K, unknown, VA>(store, windows, initializer, aggregator, emitFinal, new LateRecords(counter)),
    );
    // What suppress(untilWindowCloses) downstream reads: windows close grace after their end.
    registerWindowGrace(this.ctx, merge, windows.graceMs);
    return new KTable<Windowed<K>, VA>(this.ctx, merge, undefined, windowedSerde(keySerde, sizeMs), options.value, store);
  }
}
