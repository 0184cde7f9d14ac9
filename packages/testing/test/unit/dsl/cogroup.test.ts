/**
 * cogroup (KIP-150) on the TopologyTestDriver: several grouped streams aggregated into one store,
 * one aggregator per input, windowed and not; the layout Kafka Streams builds (one aggregate node
 * per input, one store, a merge node) and what it outputs, record by record.
 */
import type { Windowed } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import {
  BufferConfig,
  LateRecordCounter,
  SessionWindows,
  SlidingWindows,
  StreamsBuilder,
  Suppressed,
  TimeWindows,
  sessionWindowedSerde,
  windowedSerde,
} from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver, type TestOutputTopic } from '../../../src/index.js';

const str = serdes.string();
const int = serdes.int32();
const none = () => undefined;
const quiet = { debug: none, info: none, warn: none, error: none };

interface Summary {
  clicks: number;
  spent: number;
}
const summarySerde = serdes.json<Summary>();

function newBuilder(warnings: string[] = []): StreamsBuilder {
  return new StreamsBuilder({ warn: (m) => warnings.push(m) });
}

/** [key, value, timestamp] of each output record. */
function rows<V>(topic: TestOutputTopic<string, V>): [string | null, V | null, number][] {
  return topic.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]);
}

/** [key, window start, window end, value, timestamp] of each windowed output record. */
function windowedRows<V>(topic: TestOutputTopic<Windowed<string>, V>): [string, number, number, V | null, number][] {
  return topic.readRecordsToList().map((r) => [r.key!.key, r.key!.window.start, r.key!.window.end, r.value, r.timestamp]);
}

/** clicks (customer -> page) and orders (customer -> amount) cogrouped into a Summary per customer. */
function clicksAndOrders(warnings: string[] = []) {
  const b = newBuilder(warnings);
  const clicks = b.source('clicks', { key: str, value: str }).groupByKey();
  const orders = b.source('orders', { key: str, value: int }).groupByKey();
  const table = clicks
    .cogroup<Summary>((_c, _page, s) => ({ ...s, clicks: s.clicks + 1 }))
    .cogroup(orders, (_c, amount, s) => ({ ...s, spent: s.spent + amount }))
    .aggregate(() => ({ clicks: 0, spent: 0 }), { name: 'summary', value: summarySerde });
  table.toStream().sink('summaries');
  return { b, table };
}

describe('cogroup: non-windowed aggregate', () => {
  it('folds two streams into one aggregate per key, each through its own aggregator, in processing order', () => {
    const warnings: string[] = [];
    const { b, table } = clicksAndOrders(warnings);
    expect(table.queryableStoreName).toBe('summary');
    const topology = b.build();
    expect(warnings).toEqual([]);
    const driver = new TopologyTestDriver(topology, { logger: quiet });
    const clicks = driver.createInputTopic('clicks', str, str);
    const orders = driver.createInputTopic('orders', str, int);
    clicks.pipeInput('c1', 'home', 1);
    orders.pipeInput('c1', 30, 2);
    clicks.pipeInput('c2', 'cart', 3);
    orders.pipeInput('c2', 5, 4);
    clicks.pipeInput('c1', 'pay', 5);
    orders.pipeInput('c1', 12, 6);
    expect(rows(driver.createOutputTopic('summaries', str, summarySerde))).toEqual([
      ['c1', { clicks: 1, spent: 0 }, 1],
      ['c1', { clicks: 1, spent: 30 }, 2],
      ['c2', { clicks: 1, spent: 0 }, 3],
      ['c2', { clicks: 1, spent: 5 }, 4],
      ['c1', { clicks: 2, spent: 30 }, 5],
      ['c1', { clicks: 2, spent: 42 }, 6],
    ]);
    // One store for both inputs, queryable by its name.
    const store = driver.getKeyValueStore<string, Summary>('summary');
    expect([...store.all()].map(({ key, value }) => [key, value])).toEqual([
      ['c1', { clicks: 2, spent: 42 }],
      ['c2', { clicks: 1, spent: 5 }],
    ]);
  });

  it("lays out one aggregate node per input writing one store, then a merge node; the inputs' topics form a co-partition group", () => {
    const { b } = clicksAndOrders();
    const topology = b.build();
    const text = topology.describe().toString();
    expect(text).toContain('Processor: summary-cogroup-agg-0 (stores: [summary])');
    expect(text).toContain('Processor: summary-cogroup-agg-1 (stores: [summary])');
    expect(text).toContain('Processor: summary-cogroup-merge (stores: [])');
    const subs = topology.subTopologies();
    expect(subs).toHaveLength(1);
    expect(subs[0]!.copartitionGroups.map((g) => [...g].sort())).toEqual([['clicks', 'orders']]);
  });

  it('cogroups three streams of three value types', () => {
    const b = newBuilder();
    const letters = b.source('letters', { key: str, value: str }).groupByKey();
    const numbers = b.source('numbers', { key: str, value: int }).groupByKey();
    const flags = b.source('flags', { key: str, value: serdes.json<boolean>() }).groupByKey();
    letters
      .cogroup<string>((_k, letter, agg) => `${agg}${letter}`)
      .cogroup(numbers, (_k, n, agg) => `${agg}${n * 10}`)
      .cogroup(flags, (_k, flag, agg) => `${agg}${flag ? '+' : '-'}`)
      .aggregate(() => '>', { store: 'trail', value: str })
      .toStream()
      .sink('trails', { value: str });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    const l = driver.createInputTopic('letters', str, str);
    const n = driver.createInputTopic('numbers', str, int);
    const f = driver.createInputTopic('flags', str, serdes.json<boolean>());
    l.pipeInput('k', 'a', 1);
    n.pipeInput('k', 1, 2);
    f.pipeInput('k', true, 3);
    n.pipeInput('j', 2, 4);
    l.pipeInput('k', 'b', 5);
    f.pipeInput('j', false, 6);
    expect(rows(driver.createOutputTopic('trails', str, str))).toEqual([
      ['k', '>a', 1],
      ['k', '>a10', 2],
      ['k', '>a10+', 3],
      ['j', '>20', 4],
      ['k', '>a10+b', 5],
      ['j', '>20-', 6],
    ]);
    expect(driver.getKeyValueStore<string, string>('trail').get('k')).toBe('>a10+b');
    expect(driver.getKeyValueStore<string, string>('trail').get('j')).toBe('>20-');
  });

  it('repartitions an input whose key changed through its own repartition topic, co-partitioned with the other input', () => {
    const warnings: string[] = [];
    const b = newBuilder(warnings);
    const clicks = b.source('clicks', { key: str, value: str }).groupByKey();
    // Orders are keyed by order id, valued `customer:amount`: grouped by customer.
    const orders = b
      .source('orders', { key: str, value: str })
      .groupBy((_id, order) => order.split(':')[0]!, { key: str, value: str, name: 'orders-by-customer' });
    clicks
      .cogroup<Summary>((_c, _page, s) => ({ ...s, clicks: s.clicks + 1 }))
      .cogroup(orders, (_c, order, s) => ({ ...s, spent: s.spent + Number(order.split(':')[1]) }))
      .aggregate(() => ({ clicks: 0, spent: 0 }), { store: 'summary', value: summarySerde })
      .toStream()
      .sink('summaries');
    const topology = b.build();
    expect(warnings).toEqual([]);
    expect([...topology.internalTopicDefs().keys()]).toEqual(['orders-by-customer-repartition']);
    // The repartition topic cuts the graph: the aggregation reads it with the clicks, co-partitioned.
    const subs = topology.subTopologies();
    expect(subs.map((s) => s.copartitionGroups.map((g) => [...g].sort()))).toEqual([[['clicks', 'orders-by-customer-repartition']], []]);

    const driver = new TopologyTestDriver(topology, { logger: quiet });
    const clickInput = driver.createInputTopic('clicks', str, str);
    const orderInput = driver.createInputTopic('orders', str, str);
    clickInput.pipeInput('alice', 'home', 1);
    orderInput.pipeInput('o1', 'alice:30', 2);
    orderInput.pipeInput('o2', 'bob:5', 3);
    clickInput.pipeInput('bob', 'cart', 4);
    expect(rows(driver.createOutputTopic('summaries', str, summarySerde))).toEqual([
      ['alice', { clicks: 1, spent: 0 }, 1],
      ['alice', { clicks: 1, spent: 30 }, 2],
      ['bob', { clicks: 0, spent: 5 }, 3],
      ['bob', { clicks: 1, spent: 5 }, 4],
    ]);
    expect(driver.getKeyValueStore<string, Summary>('summary').get('bob')).toEqual({ clicks: 1, spent: 5 });
  });

  it('drops records with a null key or value from any input and counts them', () => {
    const warnings: string[] = [];
    const { b } = clicksAndOrders();
    const driver = new TopologyTestDriver(b.build(), { logger: { ...quiet, warn: (m) => void warnings.push(m) } });
    const clicks = driver.createInputTopic('clicks', str, str);
    const orders = driver.createInputTopic('orders', str, int);
    clicks.pipeInput(null, 'home', 1);
    orders.pipeInput('c1', 7, 2);
    orders.pipeInput(null, 8, 3);
    clicks.pipeInput('c1', null, 4);
    orders.pipeInput('c1', null, 5);
    expect(rows(driver.createOutputTopic('summaries', str, summarySerde))).toEqual([['c1', { clicks: 0, spent: 7 }, 2]]);
    expect(driver.droppedRecords()).toEqual({ total: 4, byReason: { 'null-key-or-value': 4 } });
    expect(warnings.filter((w) => w.includes('null-key-or-value'))[0]).toContain("at node 'summary-cogroup-agg-0'");
    expect([...driver.getKeyValueStore<string, Summary>('summary').all()].map(({ key, value }) => [key, value])).toEqual([
      ['c1', { clicks: 0, spent: 7 }],
    ]);
  });

  it('refuses the same grouped stream twice and grouped streams of another builder', () => {
    const b = newBuilder();
    const clicks = b.source('clicks', { key: str, value: str }).groupByKey();
    const cogrouped = clicks.cogroup<number>((_k, _v, n) => n + 1);
    expect(() => cogrouped.cogroup(clicks, (_k, _v, n) => n + 2)).toThrow(/already an input of the cogroup/);
    const other = newBuilder().source('other', { key: str, value: str }).groupByKey();
    expect(() => cogrouped.cogroup(other, (_k, _v, n) => n)).toThrow(/one StreamsBuilder/);
  });
});

/** clicks and views (both customer -> page), each counted by its aggregator into one windowed count. */
function windowedSetup() {
  const b = newBuilder();
  const clicks = b.source('clicks', { key: str, value: str }).groupByKey();
  const views = b.source('views', { key: str, value: str }).groupByKey();
  const cogrouped = clicks.cogroup<string>((_k, page, agg) => `${agg}c:${page};`).cogroup(views, (_k, page, agg) => `${agg}v:${page};`);
  return { b, cogrouped };
}

function windowedDriver(b: StreamsBuilder, outputKey: ReturnType<typeof windowedSerde<string>>) {
  const driver = new TopologyTestDriver(b.build(), { logger: quiet });
  const clicks = driver.createInputTopic('clicks', str, str);
  const views = driver.createInputTopic('views', str, str);
  const output = driver.createOutputTopic('out', outputKey, str);
  return { driver, clicks, views, output };
}

describe('cogroup: time windows', () => {
  it('aggregates both inputs per key and tumbling window into one window store; a late record of either input is dropped and counted once', () => {
    const { b, cogrouped } = windowedSetup();
    const late = new LateRecordCounter();
    cogrouped
      .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
      .aggregate(() => '', { store: 'per-window', value: str, lateRecords: late })
      .toStream()
      .sink('out', { value: str });
    const { driver, clicks, views, output } = windowedDriver(b, windowedSerde(str, 10));
    clicks.pipeInput('a', 'p1', 1);
    views.pipeInput('a', 'p2', 4);
    views.pipeInput('a', 'p3', 12);
    clicks.pipeInput('a', 'p4', 8); // stream time 12, window [0, 10) open until 15
    views.pipeInput('b', 'p5', 16); // stream time 16 closes [0, 10)
    clicks.pipeInput('a', 'late', 9);
    views.pipeInput('a', 'late', 3);
    expect(windowedRows(output)).toEqual([
      ['a', 0, 10, 'c:p1;', 1],
      ['a', 0, 10, 'c:p1;v:p2;', 4],
      ['a', 10, 20, 'v:p3;', 12],
      ['a', 0, 10, 'c:p1;v:p2;c:p4;', 8],
      ['b', 10, 20, 'v:p5;', 16],
    ]);
    expect(late.count).toBe(2);
    expect(driver.droppedRecords()).toEqual({ total: 2, byReason: { late: 2 } });
    expect(driver.getTimestampedWindowStore<string, string>('per-window').fetch('a', 0)).toEqual({ value: 'c:p1;v:p2;c:p4;', timestamp: 8 });
    expect(driver.getWindowStore<string, string>('per-window').fetch('a', 10)).toBe('v:p3;');
  });

  it("with emit 'final', emits each window once with every input's records, whichever input's record closes it", () => {
    const { b, cogrouped } = windowedSetup();
    cogrouped
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .aggregate(() => '', { store: 'final-windows', value: str, emit: 'final' })
      .toStream()
      .sink('out', { value: str });
    const { clicks, views, output } = windowedDriver(b, windowedSerde(str, 10));
    clicks.pipeInput('a', 'p1', 1);
    views.pipeInput('a', 'p2', 2);
    expect(windowedRows(output)).toEqual([]);
    // A click closes [0, 10), which holds a click and a view.
    clicks.pipeInput('a', 'p3', 10);
    expect(windowedRows(output)).toEqual([['a', 0, 10, 'c:p1;v:p2;', 2]]);
    views.pipeInput('a', 'p4', 15);
    // A view closes [10, 20): [0, 10) is not emitted again by the views' aggregate node.
    views.pipeInput('b', 'p5', 25);
    expect(windowedRows(output)).toEqual([['a', 10, 20, 'c:p3;v:p4;', 15]]);
  });

  it('gives suppress(untilWindowCloses) its grace: one final result per window, after end + grace', () => {
    const { b, cogrouped } = windowedSetup();
    cogrouped
      .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
      .aggregate(() => '', { store: 'suppressed-windows', value: str })
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final'))
      .toStream()
      .sink('out', { value: str });
    const { clicks, views, output } = windowedDriver(b, windowedSerde(str, 10));
    clicks.pipeInput('a', 'p1', 1);
    views.pipeInput('a', 'p2', 9);
    views.pipeInput('a', 'p3', 14); // [0, 10) stays open until stream time 15
    expect(windowedRows(output)).toEqual([]);
    clicks.pipeInput('b', 'p4', 15);
    expect(windowedRows(output)).toEqual([['a', 0, 10, 'c:p1;v:p2;', 9]]);
  });

  it('aggregates both inputs in sliding windows', () => {
    const { b, cogrouped } = windowedSetup();
    cogrouped
      .windowedBy(SlidingWindows.ofTimeDifferenceWithNoGrace(10))
      .aggregate(() => '', { store: 'slides', value: str })
      .toStream()
      .sink('out', { value: str });
    const { driver, clicks, views, output } = windowedDriver(b, windowedSerde(str, 10));
    clicks.pipeInput('a', 'p1', 10);
    views.pipeInput('a', 'p2', 15);
    expect(windowedRows(output)).toEqual([
      ['a', 0, 10, 'c:p1;', 10],
      // The click's right window, created by the view, and the view's left window.
      ['a', 11, 21, 'v:p2;', 15],
      ['a', 5, 15, 'c:p1;v:p2;', 15],
    ]);
    expect([...driver.getWindowStore<string, string>('slides').fetch('a', 0, 100)].map((w) => [w.key, w.value])).toEqual([
      [0, 'c:p1;'],
      [5, 'c:p1;v:p2;'],
      [11, 'v:p2;'],
    ]);
  });
});

describe('cogroup: session windows', () => {
  it("merges sessions across inputs with the merger, deleting the merged sessions downstream; the store holds the merged session", () => {
    const { b, cogrouped } = windowedSetup();
    cogrouped
      .windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 20))
      .aggregate(() => '', (_k, a, b2) => `${a}${b2}`, { store: 'sessions', value: str })
      .toStream()
      .sink('out', { value: str });
    const { driver, clicks, views, output } = windowedDriver(b, sessionWindowedSerde(str));
    clicks.pipeInput('a', 'p1', 0);
    views.pipeInput('a', 'p2', 20);
    // A view within the gap of both sessions bridges them into one.
    views.pipeInput('a', 'p3', 10);
    clicks.pipeInput('a', 'p4', 25);
    expect(windowedRows(output)).toEqual([
      ['a', 0, 0, 'c:p1;', 0],
      ['a', 20, 20, 'v:p2;', 20],
      ['a', 0, 0, null, 0],
      ['a', 20, 20, null, 20],
      ['a', 0, 20, 'c:p1;v:p2;v:p3;', 20],
      ['a', 0, 20, null, 20],
      ['a', 0, 25, 'c:p1;v:p2;v:p3;c:p4;', 25],
    ]);
    const store = driver.getSessionStore<string, string>('sessions');
    expect([...store.fetch('a')].map((s) => [s.key.window.start, s.key.window.end, s.value])).toEqual([[0, 25, 'c:p1;v:p2;v:p3;c:p4;']]);
  });
});
