import type { KeyValueStoreType, NamedStore, SessionStoreType, Windowed } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { describe, expectTypeOf, it } from 'vitest';
import type { CogroupedKStream } from './cogrouped-kstream.js';
import type { KTable } from './ktable.js';
import type { SessionWindowedCogroupedKStream } from './session-windowed-cogrouped-kstream.js';
import { SessionWindows } from './session-windows.js';
import { SlidingWindows } from './sliding-windows.js';
import { StreamsBuilder } from './streams-builder.js';
import type { TimeWindowedCogroupedKStream } from './time-windowed-cogrouped-kstream.js';
import { TimeWindows } from './time-windows.js';

interface Click {
  page: string;
}
interface Order {
  total: number;
}
interface Summary {
  clicks: number;
  spent: number;
}

const builder = () => new StreamsBuilder({ warn: () => undefined });
const clicks = (b = builder()) => b.source('clicks', { key: serdes.string(), value: serdes.json<Click>() }).groupByKey();
const orders = (b = builder()) => b.source('orders', { key: serdes.string(), value: serdes.json<Order>() }).groupByKey();
const addClick = (_k: string, _c: Click, s: Summary): Summary => ({ ...s, clicks: s.clicks + 1 });
const addOrder = (_k: string, o: Order, s: Summary): Summary => ({ ...s, spent: s.spent + o.total });
const zero = (): Summary => ({ clicks: 0, spent: 0 });

describe('cogroup: types', () => {
  it('cogroup takes the aggregate type from its type argument or aggregator; inputs keep their own value types', () => {
    const b = builder();
    const first = clicks(b).cogroup<Summary>((_id, click, s) => ({ ...s, clicks: s.clicks + click.page.length }));
    expectTypeOf(first).toEqualTypeOf<CogroupedKStream<string, Summary>>();
    expectTypeOf(clicks(b).cogroup(addClick)).toEqualTypeOf<CogroupedKStream<string, Summary>>();
    const both = first.cogroup(orders(b), (_id, order, s) => {
      expectTypeOf(order).toEqualTypeOf<Order>();
      expectTypeOf(s).toEqualTypeOf<Summary>();
      return { ...s, spent: s.spent + order.total };
    });
    expectTypeOf(both).toEqualTypeOf<CogroupedKStream<string, Summary>>();
  });

  it('aggregate gives a table of the aggregate type', () => {
    const b = builder();
    const table = clicks(b).cogroup(addClick).cogroup(orders(b), addOrder).aggregate(zero, { store: 'summary', value: serdes.json<Summary>() });
    expectTypeOf(table).toEqualTypeOf<KTable<string, Summary> & NamedStore<'summary', KeyValueStoreType<string, Summary>>>();
  });

  it('windowedBy picks the windowed cogroup by the kind of windows; windowed aggregates are tables of Windowed keys', () => {
    const b = builder();
    const cogrouped = clicks(b).cogroup(addClick).cogroup(orders(b), addOrder);
    expectTypeOf(cogrouped.windowedBy(TimeWindows.ofSizeWithNoGrace(10))).toEqualTypeOf<TimeWindowedCogroupedKStream<string, Summary>>();
    expectTypeOf(cogrouped.windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10))).toEqualTypeOf<TimeWindowedCogroupedKStream<string, Summary>>();
    expectTypeOf(cogrouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10))).toEqualTypeOf<SessionWindowedCogroupedKStream<string, Summary>>();
    expectTypeOf(cogrouped.windowedBy(TimeWindows.ofSizeWithNoGrace(10)).aggregate(zero, { emit: 'final', retentionMs: 100 })).toEqualTypeOf<
      KTable<Windowed<string>, Summary>
    >();
    const sessions = cogrouped
      .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10))
      .aggregate(zero, (_k, a, c) => ({ clicks: a.clicks + c.clicks, spent: a.spent + c.spent }), { store: 's', persistent: true });
    expectTypeOf(sessions).toEqualTypeOf<KTable<Windowed<string>, Summary> & NamedStore<'s', SessionStoreType<string, Summary>>>();
  });

  it('rejects inputs of another key type, aggregators and initializers of another aggregate type, and mismatched serdes', () => {
    const b = builder();
    const cogrouped = clicks(b).cogroup(addClick);
    const byNumber = b.source('n', { key: serdes.int32(), value: serdes.string() }).groupByKey();
    // @ts-expect-error the input's key type must match the cogroup's
    cogrouped.cogroup(byNumber, (_k, _v, s) => s);
    // @ts-expect-error the aggregator must return the aggregate type
    cogrouped.cogroup(orders(b), (_k, o, _s) => o.total);
    // @ts-expect-error the initializer must return the aggregate type
    cogrouped.aggregate(() => 0);
    // @ts-expect-error a string serde cannot write a Summary
    cogrouped.aggregate(zero, { value: serdes.string() });
    cogrouped
      .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10))
      // @ts-expect-error the merger must return the aggregate type
      .aggregate(zero, (_k, a, c) => a.clicks + c.clicks);
    // @ts-expect-error a time-windowed cogroup aggregate takes no merger
    cogrouped.windowedBy(TimeWindows.ofSizeWithNoGrace(10)).aggregate(zero, (_k: string, a: Summary) => a);
  });
});
