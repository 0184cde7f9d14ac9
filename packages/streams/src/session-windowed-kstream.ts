import { Stores, type StoreBuilder, type Windowed } from '@rivulet/core';
import type { NamedStore, SessionStoreType } from '@rivulet/core';
import { serdes, type Serde } from '@rivulet/serde';
import type { StoreTypeCheck } from './materialized.js';
import type { BuilderContext } from './internal/builder-context.js';
import { StreamSessionWindowAggregate } from './internal/processors/stream-session-window-aggregate.js';
import { counterOrNew, LateRecords } from './internal/processors/window-support.js';
import { KTable } from './ktable.js';
import type { SessionWindows } from './session-windows.js';
import { emitsFinal, retentionOf } from './time-windowed-kstream.js';
import type { WindowedAggregateOptions } from './windowed-options.js';
import { sessionWindowedSerde } from './windowed-serde.js';
import { registerWindowGrace } from './internal/window-grace.js';

/**
 * A grouped stream cut into session windows, ready for an aggregation. Each aggregation keeps its
 * results per key and session in a named session store (changelogged, kept for `retentionMs`) and
 * returns a table keyed by {@link Windowed} keys (session start and end). When emitting updates,
 * sessions merged into a larger one are deleted downstream (null values) before the merged
 * session's result.
 *
 * @example
 * builder
 *   .source('clicks', { key: serdes.string(), value: serdes.string() })
 *   .groupByKey()
 *   .windowedBy(SessionWindows.ofInactivityGapAndGrace(1_800_000, 60_000))
 *   .count({ store: 'clicks-per-session' })
 *   .toStream()
 *   .sink('clicks-per-session', { value: serdes.int64() });
 */
export class SessionWindowedKStream<K, V> {
  /** @internal */
  constructor(
    private readonly ctx: BuilderContext,
    private readonly nodeName: string,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
    /** The session windows records are aggregated in. */
    readonly windows: SessionWindows,
  ) {}

  /** The number of records per key and session. */
  count<N extends string = string>(options: WindowedAggregateOptions<bigint> & { store: N } & StoreTypeCheck<SessionStoreType<K, bigint>>): KTable<Windowed<K>, bigint> & NamedStore<N, SessionStoreType<K, bigint>>;
  /** The number of records per key and session, in a store of a generated name unless `name` is given. */
  count(options?: WindowedAggregateOptions<bigint> & StoreTypeCheck<SessionStoreType<K, bigint>>): KTable<Windowed<K>, bigint>;
  count(options: WindowedAggregateOptions<bigint> = {}): KTable<Windowed<K>, bigint> {
    return this.aggregateWith(
      'count()',
      options,
      serdes.int64(),
      () => 0n,
      (_k, _v, agg) => agg! + 1n,
      (_k, agg, other) => agg! + other,
    );
  }

  /** Combines the values per key and session with `reducer`, which also combines merged sessions. */
  reduce<N extends string = string>(
    reducer: (aggregate: V, value: V, key: K) => V,
    options: WindowedAggregateOptions<V> & { store: N } & StoreTypeCheck<SessionStoreType<K, V>>,
  ): KTable<Windowed<K>, V> & NamedStore<N, SessionStoreType<K, V>>;
  /** Combines the values per key and session, in a store of a generated name unless `name` is given. */
  reduce(reducer: (aggregate: V, value: V, key: K) => V, options?: WindowedAggregateOptions<V> & StoreTypeCheck<SessionStoreType<K, V>>): KTable<Windowed<K>, V>;
  reduce(reducer: (aggregate: V, value: V, key: K) => V, options: WindowedAggregateOptions<V> = {}): KTable<Windowed<K>, V> {
    const valueSerde = options.value ?? this.valueSerde;
    const combine = (k: K, agg: V | undefined, v: V): V => (agg === undefined || agg === null ? v : reducer(agg, v, k));
    return this.aggregateWith('reduce()', options, valueSerde, undefined, (k, v, agg) => combine(k, agg, v), combine);
  }

  /**
   * Folds the values per key and session into an aggregate, each session starting from
   * `initializer()`; `merger` combines the aggregates of sessions a record joins together.
   *
   * @example
   * sessions.aggregate(() => [] as string[], (_k, page, pages) => [...pages, page], (_k, a, b) => [...a, ...b], { value: serdes.json<string[]>(), store: 'pages-per-session' });
   */
  aggregate<VA, N extends string = string>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    merger: (key: K, aggregate: VA, other: VA) => VA,
    options: WindowedAggregateOptions<VA> & { store: N } & StoreTypeCheck<SessionStoreType<K, VA>>,
  ): KTable<Windowed<K>, VA> & NamedStore<N, SessionStoreType<K, VA>>;
  /** Folds the values per key and session, in a store of a generated name unless `name` is given. */
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    merger: (key: K, aggregate: VA, other: VA) => VA,
    options?: WindowedAggregateOptions<VA> & StoreTypeCheck<SessionStoreType<K, VA>>,
  ): KTable<Windowed<K>, VA>;
  aggregate<VA>(
    initializer: () => VA,
    aggregator: (key: K, value: V, aggregate: VA) => VA,
    merger: (key: K, aggregate: VA, other: VA) => VA,
    options: WindowedAggregateOptions<VA> = {},
  ): KTable<Windowed<K>, VA> {
    return this.aggregateWith(
      'aggregate()',
      options,
      options.value,
      initializer,
      (k, v, agg) => aggregator(k, v, agg as VA),
      (k, agg, other) => merger(k, agg as VA, other),
    );
  }

  private aggregateWith<VA>(
    what: string,
    options: WindowedAggregateOptions<VA>,
    valueSerde: Serde<VA> | undefined,
    initializer: (() => VA) | undefined,
    aggregator: (key: K, value: V, aggregate: VA | undefined) => VA,
    merger: (key: K, aggregate: VA | undefined, other: VA) => VA,
  ): KTable<Windowed<K>, VA> {
    const keySerde = this.ctx.requireSerde(this.keySerde, 'key', `session-windowed ${what}`);
    const windows = this.windows;
    const retentionMs = retentionOf(what, windows.minRetentionMs, options.retentionMs);
    const store = this.ctx.names.stateful('KSTREAM-AGGREGATE-STATE-STORE', options.store ?? options.name, `the session store of ${what}`);
    const name = this.ctx.names.node('KSTREAM-AGGREGATE', options.name === undefined ? undefined : `${options.name}-aggregate`);
    const emitFinal = emitsFinal(options.emit);
    const counter = counterOrNew(options.lateRecords);
    this.ctx.topology.addProcessor(
      name,
      () => new StreamSessionWindowAggregate<K, V, VA>(store, windows, initializer, aggregator, merger, emitFinal, new LateRecords(counter)),
      this.nodeName,
    );
    this.ctx.topology.addStateStore(sessionStore(store, keySerde, valueSerde, retentionMs, options), name);
    // A session closes gap + grace after its end (Kafka Streams' GraphGraceSearchUtil).
    registerWindowGrace(this.ctx, name, windows.inactivityGapMs + windows.graceMs);
    return new KTable<Windowed<K>, VA>(this.ctx, name, undefined, sessionWindowedSerde(keySerde), valueSerde, store);
  }
}

/** @internal The session store of a session-windowed aggregation (a cogroup's too). */
export function sessionStore<K, VA>(name: string, key: Serde<K>, value: Serde<VA> | undefined, retentionMs: number, options: WindowedAggregateOptions<VA>): StoreBuilder {
  const supplier = options.persistent ? Stores.persistentSessionStore(name, { retentionMs }) : Stores.inMemorySessionStore(name, { retentionMs });
  const builder = Stores.sessionStoreBuilder(supplier, key, value);
  return options.loggingDisabled ? builder.withLoggingDisabled() : builder;
}
