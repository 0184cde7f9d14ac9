import type { NamedStore, SessionStoreType, Windowed, WindowStoreType } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { describe, expectTypeOf, it } from 'vitest';
import type { KTable } from './ktable.js';
import { SessionWindows } from './session-windows.js';
import type { SessionWindowedKStream } from './session-windowed-kstream.js';
import { SlidingWindows } from './sliding-windows.js';
import { StreamsBuilder } from './streams-builder.js';
import type { TimeWindowedKStream } from './time-windowed-kstream.js';
import { TimeWindows } from './time-windows.js';
import { sessionWindowedSerde, windowedSerde } from './windowed-serde.js';

interface Click {
  page: string;
  ms: number;
}

const grouped = () =>
  new StreamsBuilder({ warn: () => undefined }).source('clicks', { key: serdes.string(), value: serdes.json<Click>() }).groupByKey();

describe('windowed aggregations: types', () => {
  it('windowedBy picks the windowed stream by the kind of windows', () => {
    expectTypeOf(grouped().windowedBy(TimeWindows.ofSizeWithNoGrace(10))).toEqualTypeOf<TimeWindowedKStream<string, Click>>();
    expectTypeOf(grouped().windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10))).toEqualTypeOf<TimeWindowedKStream<string, Click>>();
    expectTypeOf(grouped().windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10))).toEqualTypeOf<SessionWindowedKStream<string, Click>>();
  });

  it('count is a table of windowed keys and bigints', () => {
    expectTypeOf(grouped().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count()).toEqualTypeOf<KTable<Windowed<string>, bigint>>();
    expectTypeOf(grouped().windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10)).count()).toEqualTypeOf<KTable<Windowed<string>, bigint>>();
  });

  it("aggregate's value type flows from the initializer, the aggregator and the serde", () => {
    const totals = grouped()
      .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 5_000).advanceBy(10_000))
      .aggregate(() => 0, (_key, click, total) => total + click.ms, { value: serdes.float64(), store: 'ms' });
    expectTypeOf(totals).toEqualTypeOf<KTable<Windowed<string>, number> & NamedStore<'ms', WindowStoreType<string, number>>>();
    expectTypeOf(totals.toStream().mapValues((total) => total.toFixed(1))).toHaveProperty('nodeName');
    const pages = grouped()
      .windowedBy(SessionWindows.ofInactivityGapAndGrace(1_000, 0))
      .aggregate(
        () => [] as string[],
        (_key, click, list) => [...list, click.page],
        (_key, a, b) => [...a, ...b],
        { value: serdes.json<string[]>(), store: 'pages' },
      );
    expectTypeOf(pages).toEqualTypeOf<KTable<Windowed<string>, string[]> & NamedStore<'pages', SessionStoreType<string, string[]>>>();
    expectTypeOf(grouped().windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(5, 1)).reduce((a, b) => ({ page: a.page, ms: a.ms + b.ms }))).toEqualTypeOf<
      KTable<Windowed<string>, Click>
    >();
  });

  it('rejects an aggregate whose serde or aggregator does not match its type', () => {
    grouped()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      // @ts-expect-error a string serde cannot write a number aggregate
      .aggregate(() => 0, (_key, click, total) => total + click.ms, { value: serdes.string() });
    grouped()
      .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10))
      // @ts-expect-error the merger must return the aggregate type
      .aggregate(() => 0, (_key, click, total) => total + click.ms, (_key, a, b) => `${a + b}`, { value: serdes.float64() });
  });

  it('windowed serdes write Windowed keys, and a sink takes only a matching key serde', () => {
    expectTypeOf(windowedSerde(serdes.string(), 10).serialize).parameter(1).toEqualTypeOf<Windowed<string>>();
    expectTypeOf(sessionWindowedSerde(serdes.int32()).serialize).parameter(1).toEqualTypeOf<Windowed<number>>();
    const counts = grouped().windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count({ store: 'c' });
    counts.toStream().sink('out', { key: windowedSerde(serdes.string(), 10), value: serdes.int64() });
    // @ts-expect-error a plain string serde cannot write Windowed<string> keys
    counts.toStream().sink('out', { key: serdes.string() });
    // @ts-expect-error the counts are bigints, not strings
    counts.toStream().sink('out', { value: serdes.string() });
  });
});
