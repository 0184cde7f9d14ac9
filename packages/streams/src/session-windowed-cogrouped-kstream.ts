import type { NamedStore, SessionStoreType, Windowed } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import type { BuilderContext } from './internal/builder-context.js';
import { addCogroupAggregate, type CogroupInput } from './internal/cogroup-builder.js';
import { StreamSessionWindowAggregate } from './internal/processors/stream-session-window-aggregate.js';
import { counterOrNew, LateRecords } from './internal/processors/window-support.js';
import { registerWindowGrace } from './internal/window-grace.js';
import { KTable } from './ktable.js';
import { sessionStore } from './session-windowed-kstream.js';
import type { SessionWindows } from './session-windows.js';
import { emitsFinal, retentionOf } from './time-windowed-kstream.js';
import type { StoreTypeCheck } from './materialized.js';
import type { WindowedAggregateOptions } from './windowed-options.js';
import { sessionWindowedSerde } from './windowed-serde.js';

/**
 * A cogroup cut into session windows: the records of all inputs are aggregated per key and
 * session into one session store, each through its input's aggregator, so a record of one input
 * can bridge sessions started by another (their aggregates combined by the merger). The options are
 * those of {@link SessionWindowedKStream}'s aggregations; when emitting updates, sessions merged
 * into a larger one are deleted downstream (null values) before the merged session's result.
 *
 * @example
 * clicks
 *   .groupByKey()
 *   .cogroup<string[]>((_user, click, pages) => [...pages, click.page])
 *   .cogroup(searches.groupByKey(), (_user, search, pages) => [...pages, `search:${search.query}`])
 *   .windowedBy(SessionWindows.ofInactivityGapAndGrace(1_800_000, 60_000))
 *   .aggregate(() => [], (_user, a, b) => [...a, ...b], { store: 'journeys', value: serdes.json<string[]>() });
 */
export class SessionWindowedCogroupedKStream<K, VA> {
  /** @internal */
  constructor(
    private readonly ctx: BuilderContext,
    private readonly inputs: readonly CogroupInput<K, VA>[],
    private readonly keySerde: Serde<K> | undefined,
    /** The session windows records are aggregated in. */
    readonly windows: SessionWindows,
  ) {}

  /**
   * Folds the records of all inputs per key and session into an aggregate, each session starting
   * from `initializer()`; `merger` combines the aggregates of sessions a record joins together.
   * Returns a table keyed by {@link Windowed} keys (session start and end); the session store is
   * queryable by its name.
   *
   * @example
   * cogrouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(300_000)).aggregate(() => 0, (_k, a, b) => a + b, { store: 'per-session', value: serdes.int32() });
   */
  aggregate<N extends string = string>(
    initializer: () => VA,
    merger: (key: K, aggregate: VA, other: VA) => VA,
    options: WindowedAggregateOptions<VA> & { store: N } & StoreTypeCheck<SessionStoreType<K, VA>>,
  ): KTable<Windowed<K>, VA> & NamedStore<N, SessionStoreType<K, VA>>;
  /** Aggregates every input per key and session, in a store of a generated name unless `name` is given. */
  aggregate(
    initializer: () => VA,
    merger: (key: K, aggregate: VA, other: VA) => VA,
    options?: WindowedAggregateOptions<VA> & StoreTypeCheck<SessionStoreType<K, VA>>,
  ): KTable<Windowed<K>, VA>;
  aggregate(
    initializer: () => VA,
    merger: (key: K, aggregate: VA, other: VA) => VA,
    options: WindowedAggregateOptions<VA> = {},
  ): KTable<Windowed<K>, VA> {
    const what = 'cogroup aggregate()';
    const keySerde = this.ctx.requireSerde(this.keySerde, 'key', `session-windowed ${what}`);
    const windows = this.windows;
    const retentionMs = retentionOf(what, windows.minRetentionMs, options.retentionMs);
    const store = this.ctx.names.stateful('COGROUPKSTREAM-AGGREGATE-STATE-STORE', options.store ?? options.name, `the session store of a ${what}`);
    const emitFinal = emitsFinal(options.emit);
    // One counter for all inputs: a late record counts once, whichever input it came from.
    const counter = counterOrNew(options.lateRecords);
    const merge = addCogroupAggregate<K, VA>(
      this.ctx,
      this.inputs,
      options.name,
      sessionStore(store, keySerde, options.value, retentionMs, options),
      (aggregator) => () =>
        new StreamSessionWindowAggregate<K, unknown, VA>(
          store,
          windows,
          initializer,
          aggregator,
          (key, aggregate, other) => merger(key, aggregate as VA, other),
          emitFinal,
          new LateRecords(counter),
        ),
    );
    // What suppress(untilWindowCloses) downstream reads: a session closes gap + grace after its end.
    registerWindowGrace(this.ctx, merge, windows.inactivityGapMs + windows.graceMs);
    return new KTable<Windowed<K>, VA>(this.ctx, merge, undefined, sessionWindowedSerde(keySerde), options.value, store);
  }
}
