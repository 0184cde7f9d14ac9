import {
  observabilityHandler,
  PrometheusExporter,
  StreamsApp,
  Topology,
  type KeyValueStoreType,
  type NamedStore,
  type ReadOnlyKeyValueStore,
  type ReadOnlySessionStore,
  type ReadOnlyVersionedKeyValueStore,
  type ReadOnlyWindowStore,
  type RunnableApp,
  type SessionStoreType,
  type StoreTypesOf,
  type ValueAndTimestamp,
  type VersionedRecord,
  type VersionedStoreType,
  type WindowStoreType,
} from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { describe, expectTypeOf, it } from 'vitest';
import { Materialized } from './materialized.js';
import { SessionWindows } from './session-windows.js';
import { StreamsBuilder } from './streams-builder.js';
import { TimeWindows } from './time-windows.js';

interface Order {
  id: string;
  total: number;
}

const config = { applicationId: 'typed-stores', brokers: ['127.0.0.1:9092'] };

/** The word count of the README, its stores named in the chain. */
function wordCount() {
  const builder = new StreamsBuilder({ warn: () => undefined });
  const words = builder
    .source('text-lines', { key: serdes.string(), value: serdes.string() })
    .flatMapValues((line) => line.split(' '))
    .groupBy((_k, word) => word, { key: serdes.string(), name: 'words' });
  const counts = words.count({ store: 'word-counts' });
  counts.toStream().sink('word-counts', { value: serdes.int64() });
  const perMinute = words.windowedBy(TimeWindows.ofSizeWithNoGrace(60_000)).count({ store: 'words-per-minute' });
  const perSession = words.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(5_000)).reduce((a, b) => a + b, { store: 'words-per-session' });
  const orders = builder.table('orders', { key: serdes.string(), value: serdes.json<Order>(), store: 'orders' });
  const rates = builder.table('rates', { key: serdes.string(), value: serdes.float64(), store: 'rates', versioned: { historyRetentionMs: 60_000 } });
  const countries = builder.globalTable('countries', { key: serdes.string(), value: serdes.string(), store: 'countries' });
  return { builder, counts, perMinute, perSession, orders, rates, countries };
}

describe('the DSL types the stores it names', () => {
  it('each store-making operator given a literal name returns a NamedStore of its kind and types', () => {
    const { counts, perMinute, perSession, orders, rates, countries } = wordCount();
    expectTypeOf(counts).toMatchTypeOf<NamedStore<'word-counts', KeyValueStoreType<string, bigint>>>();
    expectTypeOf(perMinute).toMatchTypeOf<NamedStore<'words-per-minute', WindowStoreType<string, bigint>>>();
    expectTypeOf(perSession).toMatchTypeOf<NamedStore<'words-per-session', SessionStoreType<string, string>>>();
    expectTypeOf(orders).toMatchTypeOf<NamedStore<'orders', KeyValueStoreType<string, Order>>>();
    expectTypeOf(rates).toMatchTypeOf<NamedStore<'rates', VersionedStoreType<string, number>>>();
    expectTypeOf(countries).toMatchTypeOf<NamedStore<'countries', KeyValueStoreType<string, string>>>();
    expectTypeOf(counts.queryableStoreName).toEqualTypeOf<'word-counts'>();
  });

  it('a table without a store name is no NamedStore, and cannot type a topology', () => {
    const { builder, counts } = wordCount();
    const filtered = counts.filter((_k, n) => n > 1n);
    expectTypeOf(filtered.queryableStoreName).toEqualTypeOf<string | undefined>();
    // @ts-expect-error -- a table not materialized has no store to query
    builder.build(filtered);
  });

  it('toTable, KGroupedTable and cogroup aggregations are typed too', () => {
    const builder = new StreamsBuilder({ warn: () => undefined });
    const orders = builder.source('orders-in', { key: serdes.string(), value: serdes.json<Order>() });
    expectTypeOf(orders.toTable({ store: 'latest-order' })).toMatchTypeOf<NamedStore<'latest-order', KeyValueStoreType<string, Order>>>();
    const byTotal = builder
      .table('orders-t', { key: serdes.string(), value: serdes.json<Order>(), store: 'orders-t' })
      .groupBy((id, order) => [order.total, id] as const, { key: serdes.int32(), value: serdes.string() });
    expectTypeOf(byTotal.count({ store: 'ids-per-total' })).toMatchTypeOf<NamedStore<'ids-per-total', KeyValueStoreType<number, bigint>>>();
    const summary = orders
      .groupByKey()
      .cogroup<number>((_id, order, sum) => sum + order.total)
      .aggregate(() => 0, { store: 'order-sums', value: serdes.float64() });
    expectTypeOf(summary).toMatchTypeOf<NamedStore<'order-sums', KeyValueStoreType<string, number>>>();
    const cogrouped = orders.groupByKey().cogroup<number>((_id, order, sum) => sum + order.total);
    expectTypeOf(cogrouped.windowedBy(TimeWindows.ofSizeWithNoGrace(1_000)).aggregate(() => 0, { store: 'sums-per-second', value: serdes.float64() })).toMatchTypeOf<
      NamedStore<'sums-per-second', WindowStoreType<string, number>>
    >();
    expectTypeOf(
      cogrouped.windowedBy(SessionWindows.ofInactivityGapWithNoGrace(1_000)).aggregate(() => 0, (_id, a, b) => a + b, { store: 'sums-per-session', value: serdes.float64() }),
    ).toMatchTypeOf<NamedStore<'sums-per-session', SessionStoreType<string, number>>>();
    const table = builder.table('orders-t2', { key: serdes.string(), value: serdes.json<Order>(), store: 'orders-t2' });
    expectTypeOf(table.filter((_id, o) => o.total > 0, { store: 'paid-orders' })).toMatchTypeOf<NamedStore<'paid-orders', KeyValueStoreType<string, Order>>>();
    expectTypeOf(table.mapValues((o) => o.total, { store: 'order-totals' })).toMatchTypeOf<NamedStore<'order-totals', KeyValueStoreType<string, number>>>();
    // @ts-expect-error -- a filter keeps the value type: Order, not number
    table.filterNot((_id, o) => o.total > 0, Materialized.as<string, number>('wrong'));
  });
});

describe('app.store(name) on a topology typed by builder.build(...stores)', () => {
  const { builder, counts, perMinute, perSession, orders, rates, countries } = wordCount();
  const topology = builder.build(counts, perMinute, perSession, orders, rates, countries);
  const app = new StreamsApp(topology, config);

  it('infers the key and value types of every kind of store, with no type arguments', () => {
    expectTypeOf(app.store('word-counts')).toEqualTypeOf<ReadOnlyKeyValueStore<string, bigint>>();
    expectTypeOf(app.store('word-counts').get('kafka')).toEqualTypeOf<bigint | undefined>();
    expectTypeOf(app.store('orders')).toEqualTypeOf<ReadOnlyKeyValueStore<string, Order>>();
    expectTypeOf(app.store('countries')).toEqualTypeOf<ReadOnlyKeyValueStore<string, string>>();
    expectTypeOf(app.store('rates')).toEqualTypeOf<ReadOnlyKeyValueStore<string, VersionedRecord<number>>>();
    expectTypeOf(app.versionedStore('rates')).toEqualTypeOf<ReadOnlyVersionedKeyValueStore<string, number>>();
    expectTypeOf(app.windowStore('words-per-minute')).toEqualTypeOf<ReadOnlyWindowStore<string, bigint>>();
    expectTypeOf(app.timestampedWindowStore('words-per-minute')).toEqualTypeOf<ReadOnlyWindowStore<string, ValueAndTimestamp<bigint>>>();
    expectTypeOf(app.sessionStore('words-per-session')).toEqualTypeOf<ReadOnlySessionStore<string, string>>();
  });

  it('a misspelled name is a type error', () => {
    // @ts-expect-error -- the topology has no store 'word-count'
    app.store('word-count');
    // @ts-expect-error -- no window store 'words-per-hour'
    app.windowStore('words-per-hour');
    // @ts-expect-error -- a store the builder did not type, with no type arguments
    app.sessionStore('misspelled');
  });

  it('a store of another kind is a type error', () => {
    // @ts-expect-error -- 'words-per-minute' is a window store: app.windowStore reads it
    app.store('words-per-minute');
    // @ts-expect-error -- 'word-counts' is a key-value store
    app.windowStore('word-counts');
    // @ts-expect-error -- 'orders' is not versioned
    app.versionedStore('orders');
    // @ts-expect-error -- a window store is not a session store
    app.sessionStore(perMinute);
  });

  it('the table itself is a handle to its store', () => {
    expectTypeOf(app.store(counts)).toEqualTypeOf<ReadOnlyKeyValueStore<string, bigint>>();
    expectTypeOf(app.windowStore(perMinute)).toEqualTypeOf<ReadOnlyWindowStore<string, bigint>>();
    expectTypeOf(app.sessionStore(perSession)).toEqualTypeOf<ReadOnlySessionStore<string, string>>();
    expectTypeOf(app.versionedStore(rates)).toEqualTypeOf<ReadOnlyVersionedKeyValueStore<string, number>>();
  });

  it('the explicit form keeps compiling, for any name (a store added by the Processor API)', () => {
    expectTypeOf(app.store<string, bigint>('word-counts')).toEqualTypeOf<ReadOnlyKeyValueStore<string, bigint>>();
    expectTypeOf(app.store<string, number>('added-by-hand')).toEqualTypeOf<ReadOnlyKeyValueStore<string, number>>();
    expectTypeOf(app.windowStore<string, bigint>('words-per-minute')).toEqualTypeOf<ReadOnlyWindowStore<string, bigint>>();
  });

  it('StoreTypesOf reads the stores of a typed topology (for StreamsApp.fromModule)', () => {
    expectTypeOf<StoreTypesOf<typeof topology>['word-counts']>().toEqualTypeOf<KeyValueStoreType<string, bigint>>();
    const threads = StreamsApp.fromModule<StoreTypesOf<typeof topology>>('./topology.js', config);
    expectTypeOf(threads.store('word-counts')).toEqualTypeOf<ReadOnlyKeyValueStore<string, bigint>>();
    // @ts-expect-error -- misspelled, on the stream-threads app too
    threads.store('word-count');
  });
});

describe('untyped topologies work as before', () => {
  it('builder.build() with no stores: any name, types from the type arguments or unknown', () => {
    const { builder } = wordCount();
    const app = new StreamsApp(builder.build(), config);
    expectTypeOf(app.store<string, bigint>('word-counts')).toEqualTypeOf<ReadOnlyKeyValueStore<string, bigint>>();
    expectTypeOf(app.store('word-counts')).toEqualTypeOf<ReadOnlyKeyValueStore<unknown, unknown>>();
    expectTypeOf(app.windowStore<string, bigint>('anything')).toEqualTypeOf<ReadOnlyWindowStore<string, bigint>>();
  });

  it('a Processor API topology', () => {
    const app = new StreamsApp(new Topology(), config);
    expectTypeOf(app).toEqualTypeOf<StreamsApp>();
    expectTypeOf(app.versionedStore<string, number>('rates')).toEqualTypeOf<ReadOnlyVersionedKeyValueStore<string, number>>();
    expectTypeOf(app.sessionStore('sessions')).toEqualTypeOf<ReadOnlySessionStore<unknown, unknown>>();
  });

  it('an app typed by its topology is still a StreamsApp (for functions that take any app)', () => {
    const { builder, counts } = wordCount();
    const typed = new StreamsApp(builder.build(counts), config);
    expectTypeOf(typed).toMatchTypeOf<StreamsApp>();
    expectTypeOf(typed).toMatchTypeOf<RunnableApp>();
    expectTypeOf(new PrometheusExporter(typed)).toEqualTypeOf<PrometheusExporter>();
    expectTypeOf(observabilityHandler).toBeCallableWith(typed);
    const app: StreamsApp = typed;
    expectTypeOf(app.store<string, bigint>('word-counts').get('a')).toEqualTypeOf<bigint | undefined>();
    expectTypeOf(app.store('anything')).toEqualTypeOf<ReadOnlyKeyValueStore<unknown, unknown>>();
  });
});

describe('Materialized.as declares a store and the operator checks it', () => {
  it('the declared types must be the types the operator makes', () => {
    const { builder } = wordCount();
    const words = builder.source('w', { key: serdes.string(), value: serdes.string() }).groupByKey();
    const wordCounts = Materialized.as<string, bigint>('declared-counts', { persistent: true });
    expectTypeOf(words.count(wordCounts)).toMatchTypeOf<NamedStore<string, KeyValueStoreType<string, bigint>>>();
    // @ts-expect-error -- a count is a bigint, not a string
    words.count(Materialized.as<string, string>('wrong-counts'));
    // @ts-expect-error -- the keys are strings
    words.reduce((a, b) => a + b, Materialized.as<number, string>('wrong-keys'));
    // @ts-expect-error -- a windowed count makes a window store
    words.windowedBy(TimeWindows.ofSizeWithNoGrace(1_000)).count(Materialized.as<string, bigint>('wrong-kind'));
    words.windowedBy(TimeWindows.ofSizeWithNoGrace(1_000)).count(Materialized.as<string, bigint, 'window'>('right-kind'));
  });

  it('a declaration types app.store(it), even from another module than the topology', () => {
    const app = new StreamsApp(new Topology(), config);
    expectTypeOf(app.store(Materialized.as<string, bigint>('declared-counts'))).toEqualTypeOf<ReadOnlyKeyValueStore<string, bigint>>();
    expectTypeOf(app.windowStore(Materialized.as<string, bigint, 'window'>('per-minute'))).toEqualTypeOf<ReadOnlyWindowStore<string, bigint>>();
  });

  it('without type arguments it keeps the literal name and is the same as { store: name }', () => {
    const { builder } = wordCount();
    const counts = builder.source('w2', { key: serdes.string(), value: serdes.string() }).groupByKey().count(Materialized.as('w2-counts'));
    expectTypeOf(counts).toMatchTypeOf<NamedStore<'w2-counts', KeyValueStoreType<string, bigint>>>();
    const app = new StreamsApp(builder.build(counts), config);
    expectTypeOf(app.store('w2-counts')).toEqualTypeOf<ReadOnlyKeyValueStore<string, bigint>>();
  });
});
