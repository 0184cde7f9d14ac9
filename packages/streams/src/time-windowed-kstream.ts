import { Stores, type StoreBuilder, type Windowed } from '@rivulet/core';
import type { NamedStore, WindowStoreType } from '@rivulet/core';
import { serdes, type Serde } from '@rivulet/serde';
import type { StoreTypeCheck } from './materialized.js';
import type { BuilderContext } from './internal/builder-context.js';
import { StreamSlidingWindowAggregate } from './internal/processors/stream-sliding-window-aggregate.js';
import { StreamWindowAggregate } from './internal/processors/stream-window-aggregate.js';
import { counterOrNew, LateRecords } from './internal/processors/window-support.js';
import { KTable } from './ktable.js';
import { SlidingWindows } from './sliding-windows.js';
import type { TimeWindows } from './time-windows.js';
import type { WindowedAggregateOptions } from './windowed-options.js';
import { windowedSerde } from './windowed-serde.js';
import { registerWindowGrace } from './internal/window-grace.js';

/**
 * A grouped stream cut into time windows (tumbling, hopping or sliding), ready for an aggregation.
 * Each aggregation keeps its results per key and window in a named window store (changelogged,
 * kept for `retentionMs`) and returns a table keyed by {@link Windowed} keys, whose key serde
 * writes Kafka Streams' windowed layout, so `toStream().sink(topic)` needs no key serde.
 *
 * @example
 * builder
 *   .source('clicks', { key: serdes.string(), value: serdes.json<Click>() })
 *   .groupByKey()
 *   .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 10_000))
 *   .count({ store: 'clicks-per-minute', emit: 'final' })
 *   .toStream()
 *   .sink('clicks-per-minute', { value: serdes.int64() });
 */
export class TimeWindowedKStream<K, V> {
  /** @internal */
  constructor(
    private readonly ctx: BuilderContext,
    private readonly nodeName: string,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
    /** The windows records are aggregated in. */
    readonly windows: TimeWindows | SlidingWindows,
  ) {}

  /** The number of records per key and window, as a bigint (written as Kafka's int64). */
  count<N extends string = string>(options: WindowedAggregateOptions<bigint> & { store: N } & StoreTypeCheck<WindowStoreType<K, bigint>>): KTable<Windowed<K>, bigint> & NamedStore<N, WindowStoreType<K, bigint>>;
  /** The number of records per key and window, in a store of a generated name unless `name` is given. */
  count(options?: WindowedAggregateOptions<bigint> & StoreTypeCheck<WindowStoreType<K, bigint>>): KTable<Windowed<K>, bigint>;
  count(options: WindowedAggregateOptions<bigint> = {}): KTable<Windowed<K>, bigint> {
    return this.aggregateWith('count()', options, serdes.int64(), () => 0n, (_k, _v, agg) => agg! + 1n);
  }

  /** Combines the values per key and window with `reducer`; a window's first value is its start. */
  reduce<N extends string = string>(
    reducer: (aggregate: V, value: V, key: K) => V,
    options: WindowedAggregateOptions<V> & { store: N } & StoreTypeCheck<WindowStoreType<K, V>>,
  ): KTable<Windowed<K>, V> & NamedStore<N, WindowStoreType<K, V>>;
  /** Combines the values per key and window, in a store of a generated name unless `name` is given. */
  reduce(reducer: (aggregate: V, value: V, key: K) => V, options?: WindowedAggregateOptions<V> & StoreTypeCheck<WindowStoreType<K, V>>): KTable<Windowed<K>, V>;
  reduce(reducer: (aggregate: V, value: V, key: K) => V, options: WindowedAggregateOptions<V> = {}): KTable<Windowed<K>, V> {
    return this.aggregateWith('reduce()', options, options.value ?? this.valueSerde, undefined, (k, v, agg) => (agg === undefined || agg === null ? v : reducer(agg, v, k)));
  }

  /** Folds the values per key and window into an aggregate, each window starting from `initializer()`. */
  aggregate<VA, N extends string = string>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    options: WindowedAggregateOptions<VA> & { store: N } & StoreTypeCheck<WindowStoreType<K, VA>>,
  ): KTable<Windowed<K>, VA> & NamedStore<N, WindowStoreType<K, VA>>;
  /** Folds the values per key and window, in a store of a generated name unless `name` is given. */
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    options?: WindowedAggregateOptions<VA> & StoreTypeCheck<WindowStoreType<K, VA>>,
  ): KTable<Windowed<K>, VA>;
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    options: WindowedAggregateOptions<VA> = {},
  ): KTable<Windowed<K>, VA> {
    return this.aggregateWith('aggregate()', options, options.value, initializer, (k, v, agg) => aggregator(k, v, agg as VA));
  }

  private aggregateWith<VA>(
    what: string,
    options: WindowedAggregateOptions<VA>,
    valueSerde: Serde<VA> | undefined,
    initializer: (() => VA) | undefined,
    aggregator: (key: K, value: V, aggregate: VA | undefined) => VA,
  ): KTable<Windowed<K>, VA> {
    const keySerde = this.ctx.requireSerde(this.keySerde, 'key', `windowed ${what}`);
    const windows = this.windows;
    const sizeMs = windows instanceof SlidingWindows ? windows.timeDifferenceMs : windows.sizeMs;
    const retentionMs = retentionOf(what, windows.minRetentionMs, options.retentionMs);
    const store = this.ctx.names.stateful('KSTREAM-AGGREGATE-STATE-STORE', options.store ?? options.name, `the window store of ${what}`);
    const name = this.ctx.names.node('KSTREAM-AGGREGATE', options.name === undefined ? undefined : `${options.name}-aggregate`);
    const emitFinal = emitsFinal(options.emit);
    const counter = counterOrNew(options.lateRecords);
    if (windows instanceof SlidingWindows) {
      this.ctx.topology.addProcessor(
        name,
        () => new StreamSlidingWindowAggregate<K, V, VA>(store, windows, initializer, aggregator, emitFinal, new LateRecords(counter)),
        this.nodeName,
      );
    } else {
      this.ctx.topology.addProcessor(
        name,
        () => new StreamWindowAggregate<K, V, VA>(store, windows, initializer, aggregator, emitFinal, new LateRecords(counter)),
        this.nodeName,
      );
    }
    this.ctx.topology.addStateStore(windowStore(store, keySerde, valueSerde, retentionMs, sizeMs, options), name);
    registerWindowGrace(this.ctx, name, windows.graceMs);
    return new KTable<Windowed<K>, VA>(this.ctx, name, undefined, windowedSerde(keySerde, sizeMs), valueSerde, store);
  }
}

/** @internal The window store of a windowed aggregation (a cogroup's too). */
export function windowStore<K, VA>(name: string, key: Serde<K>, value: Serde<VA> | undefined, retentionMs: number, windowSizeMs: number, options: WindowedAggregateOptions<VA>): StoreBuilder {
  const supplier = options.persistent
    ? Stores.persistentWindowStore(name, { retentionMs, windowSizeMs })
    : Stores.inMemoryWindowStore(name, { retentionMs, windowSizeMs });
  const builder = Stores.timestampedWindowStoreBuilder(supplier, key, value);
  return options.loggingDisabled ? builder.withLoggingDisabled() : builder;
}

/** @internal The store retention: the option, at least the windows' minimum. */
export function retentionOf(what: string, minimum: number, given: number | undefined): number {
  if (given === undefined) return minimum;
  if (!Number.isSafeInteger(given) || given < minimum) {
    throw new RangeError(
      `windowed ${what}: retentionMs must be an integer >= ${minimum} (the windows must be kept until they close), got ${String(given)}`,
    );
  }
  return given;
}

/** @internal */
export function emitsFinal(emit: string | undefined): boolean {
  if (emit === undefined || emit === 'update') return false;
  if (emit === 'final') return true;
  throw new TypeError(`emit must be 'update' or 'final', got ${JSON.stringify(emit)}`);
}
