import type { KeyValueStoreType, NamedStore, ProcessorSupplier, StreamRecord } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { filter, map, mergeMap, tap } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import type { KGroupedStream } from './kgrouped-stream.js';
import type { KStream } from './kstream.js';
import type { KTable } from './ktable.js';
import { StreamsBuilder } from './streams-builder.js';

interface Order {
  id: string;
  total: number;
}

const builder = new StreamsBuilder({ warn: () => undefined });
const orders = builder.source('orders', { key: serdes.string(), value: serdes.json<Order>() });
const numbers = builder.source('numbers', { key: serdes.string(), value: serdes.int32() });

describe('KStream types', () => {
  it("a source's serdes fix K and V", () => {
    expectTypeOf(orders).toEqualTypeOf<KStream<string, Order>>();
    expectTypeOf(builder.source('n', { key: serdes.int64(), value: serdes.float64() })).toEqualTypeOf<KStream<bigint, number>>();
    expectTypeOf(builder.table('t', { key: serdes.string(), value: serdes.boolean(), store: 't' })).toEqualTypeOf<KTable<string, boolean> & NamedStore<'t', KeyValueStoreType<string, boolean>>>();
  });

  it('without serdes (the app defaults apply) the types come from type arguments, else unknown', () => {
    expectTypeOf(builder.source<string, Order>('o2')).toEqualTypeOf<KStream<string, Order>>();
    expectTypeOf(builder.source('o3')).toEqualTypeOf<KStream<unknown, unknown>>();
    expectTypeOf(builder.source('o4', { key: serdes.string() })).toEqualTypeOf<KStream<string, unknown>>();
    expectTypeOf(builder.table<string, Order>('t2', { store: 't2' })).toEqualTypeOf<KTable<string, Order>>();
  });

  it('map, mapValues, flatMap, flatMapValues and selectKey infer the next types', () => {
    expectTypeOf(orders.map((id, order) => [order.total, id.length])).toEqualTypeOf<KStream<number, number>>();
    expectTypeOf(orders.mapValues((order) => order.total > 100)).toEqualTypeOf<KStream<string, boolean>>();
    expectTypeOf(orders.flatMap((id, order) => [[order.total, id] as const])).toEqualTypeOf<KStream<number, string>>();
    expectTypeOf(orders.flatMapValues((order) => order.id.split(''))).toEqualTypeOf<KStream<string, string>>();
    expectTypeOf(orders.selectKey((_id, order) => order.total)).toEqualTypeOf<KStream<number, Order>>();
    expectTypeOf(orders.filter((_id, order) => order.total > 0)).toEqualTypeOf<KStream<string, Order>>();
    expectTypeOf(orders.peek(() => undefined)).toEqualTypeOf<KStream<string, Order>>();
  });

  it('mapAsync and flatMapAsync unwrap the promise and keep the key', () => {
    expectTypeOf(orders.mapAsync(async (order) => order.total)).toEqualTypeOf<KStream<string, number>>();
    expectTypeOf(orders.flatMapAsync(async (order, id) => [id, order.id], { concurrency: 4 })).toEqualTypeOf<KStream<string, string>>();
    // @ts-expect-error -- mapAsync takes an async function
    orders.mapAsync((order) => order.total);
  });

  it('a sink accepts only serdes that write the stream types', () => {
    orders.sink('out');
    orders.mapValues((o) => o.total).sink('totals', { value: serdes.int32() });
    // @ts-expect-error -- a string serde cannot write an Order
    orders.sink('out', { value: serdes.string() });
    // @ts-expect-error -- an int64 serde writes bigints, the keys are strings
    orders.sink('out', { key: serdes.int64() });
    // @ts-expect-error -- after mapValues the values are numbers, not Orders
    orders.mapValues((o) => o.total).sink('totals', { value: serdes.json<Order>() });
    // @ts-expect-error -- the topic extractor sees the stream's types
    orders.sink((_id, order: string) => order);
  });

  it('pipe() infers through standard RxJS operators', () => {
    expectTypeOf(orders.pipe(map((r) => r.withValue(r.value.total)))).toEqualTypeOf<KStream<string, number>>();
    expectTypeOf(
      numbers.pipe(
        filter((r) => r.value > 0),
        mergeMap((r) => [r.withKey(r.value), r.withKey(-r.value)]),
        tap((r) => void r.key.toFixed()),
        map((r) => r.withValue(r.value * 2)),
        map((r) => r.withValue(String(r.value))),
      ),
    ).toEqualTypeOf<KStream<number, string>>();
    // @ts-expect-error -- operators see StreamRecords, not bare values
    orders.pipe(map((order: Order) => order.total));
  });

  it('merge takes a stream of the same types; split names its branches', () => {
    expectTypeOf(numbers.merge(numbers)).toEqualTypeOf<KStream<string, number>>();
    // @ts-expect-error -- an Order stream does not merge into a number stream
    numbers.merge(orders);
    const branches = numbers
      .split()
      .branch('small', (_k, v) => v < 10)
      .defaultBranch('rest');
    expectTypeOf(branches).toEqualTypeOf<Record<'small' | 'rest', KStream<string, number>>>();
    // @ts-expect-error -- no branch of that name
    void branches.large;
  });

  it('process() takes its output types from the processor', () => {
    const toLength: ProcessorSupplier<string, Order, number, string> = () => ({ process: (_r: StreamRecord<string, Order>) => undefined });
    expectTypeOf(orders.process(toLength)).toEqualTypeOf<KStream<number, string>>();
    const readsNumbers: ProcessorSupplier<string, number, number, string> = () => ({ process: (_r: StreamRecord<string, number>) => undefined });
    // @ts-expect-error -- the processor reads numbers, the stream has Orders
    orders.process(readsNumbers);
  });
});

describe('grouping and aggregation types', () => {
  it("groupBy's key type flows into count()'s KTable", () => {
    const byTotal = orders.groupBy((_id, order) => order.total, { key: serdes.int32(), name: 'by-total' });
    expectTypeOf(byTotal).toEqualTypeOf<KGroupedStream<number, Order>>();
    expectTypeOf(byTotal.count({ store: 'counts' })).toEqualTypeOf<KTable<number, bigint> & NamedStore<'counts', KeyValueStoreType<number, bigint>>>();
    expectTypeOf(byTotal.count().toStream()).toEqualTypeOf<KStream<number, bigint>>();
    // @ts-expect-error -- the selector returns numbers, the key serde writes strings
    orders.groupBy((_id, order) => order.total, { key: serdes.string() });
  });

  it('reduce keeps V; aggregate takes its type from the initializer and needs its serde', () => {
    expectTypeOf(numbers.groupByKey().reduce((a, b) => a + b, { store: 'sums' })).toEqualTypeOf<KTable<string, number> & NamedStore<'sums', KeyValueStoreType<string, number>>>();
    expectTypeOf(
      orders.groupByKey().aggregate(
        () => [] as string[],
        (_id, order, ids) => [...ids, order.id],
        { store: 'ids', value: serdes.json<string[]>() },
      ),
    ).toEqualTypeOf<KTable<string, string[]> & NamedStore<'ids', KeyValueStoreType<string, string[]>>>();
    // @ts-expect-error -- the aggregate is a number, the serde writes strings
    orders.groupByKey().aggregate(() => 0, (_id, order, sum) => sum + order.total, { store: 's', value: serdes.string() });
  });

  it('KTable filter, mapValues and toStream infer', () => {
    const table = builder.table('t2', { key: serdes.string(), value: serdes.int32(), store: 't2' });
    expectTypeOf(table.filter((_k, v) => v > 0)).toEqualTypeOf<KTable<string, number>>();
    expectTypeOf(table.mapValues((v) => v > 0)).toEqualTypeOf<KTable<string, boolean>>();
    expectTypeOf(table.toStream()).toEqualTypeOf<KStream<string, number>>();
  });
});
