/**
 * The code of docs/getting-started.md, docs/concepts.md and docs/testing.md, run: each block here
 * is a snippet of those pages (marked with the page), with the outputs the pages show asserted. A
 * snippet that stops compiling fails the typecheck, one whose output changes fails this test.
 * Lives with the integration tests (the examples project has no unit-test target): all but the
 * KafkaTestHarness snippet run on the TopologyTestDriver, that one on the suite's broker.
 */
import { DEAD_LETTER_HEADERS, ProcessingError, StreamRecord, StreamsApp, type ProcessorSupplier, type Windowed } from '@rivulet/core';
import { registryAvroSerde, serdes, type AvroValue } from '@rivulet/serde';
import { LateRecordCounter, StreamsBuilder, TimeWindows, windowedSerde } from '@rivulet/streams';
import { KafkaTestHarness, MockSchemaRegistry, TopologyTestDriver } from '@rivulet/testing';
import { describe, expect, it } from 'vitest';
import { wordCountTopology } from '../src/word-count/topology.js';

// getting-started.md: the first app's topology.
interface Order {
  id: string;
  customer: string;
  total: number;
}

function largeOrdersTopology() {
  const builder = new StreamsBuilder();
  const large = builder
    .source('orders', { key: serdes.string(), value: serdes.json<Order>() })
    .filter((_id, order) => order.total >= 100);
  large.sink('large-orders');
  large
    .groupBy((_id, order) => order.customer, { key: serdes.string(), name: 'large-orders-by-customer' })
    .count({ store: 'large-order-counts' })
    .toStream()
    .sink('large-order-counts', { value: serdes.int64() });
  return builder.build();
}

describe('docs/getting-started.md', () => {
  it('the first app, on the TopologyTestDriver', () => {
    const driver = new TopologyTestDriver(largeOrdersTopology());
    const orders = driver.createInputTopic('orders', serdes.string(), serdes.json<Order>());
    const large = driver.createOutputTopic('large-orders', serdes.string(), serdes.json<Order>());
    const counts = driver.createOutputTopic('large-order-counts', serdes.string(), serdes.int64());

    orders.pipeInput('o-1', { id: 'o-1', customer: 'ada', total: 250 });
    orders.pipeInput('o-2', { id: 'o-2', customer: 'bob', total: 20 });
    orders.pipeInput('o-3', { id: 'o-3', customer: 'ada', total: 120 });

    expect(large.readValuesToList().map((o) => o?.id)).toEqual(['o-1', 'o-3']);
    expect(counts.readKeyValuesToList()).toEqual([
      ['ada', 1n],
      ['ada', 2n],
    ]);
    expect(driver.getKeyValueStore<string, bigint>('large-order-counts').get('ada')).toBe(2n);
  });
});

describe('docs/concepts.md', () => {
  it('word count has two sub-topologies split by its repartition topic', () => {
    const topology = wordCountTopology({ input: 'text-lines', output: 'word-counts' });
    const text = topology.describe().toString();
    expect(text).toContain('Sub-topology: 0\n    Source: KSTREAM-SOURCE-0000000000 (topics: [text-lines])');
    expect(text).toContain('Sink: words-repartition-sink-0000000004 (topic: words-repartition)');
    expect(text).toContain('Sub-topology: 1\n    Source: words-repartition-source-0000000005 (topics: [words-repartition])');
    expect(text).toContain('Store: word-counts (in-memory, changelog on)');
  });

  it('tumbling windows with grace, emit final, late records dropped and counted', () => {
    const late = new LateRecordCounter();
    const builder = new StreamsBuilder();
    builder
      .source('clicks', { key: serdes.string(), value: serdes.string() })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 10_000))
      .count({ store: 'clicks-per-minute', emit: 'final', lateRecords: late })
      .toStream()
      .sink('clicks-per-minute', { value: serdes.int64() });

    const driver = new TopologyTestDriver(builder.build());
    const clicks = driver.createInputTopic('clicks', serdes.string(), serdes.string());
    const perMinute = driver.createOutputTopic('clicks-per-minute', windowedSerde(serdes.string(), 60_000), serdes.int64());
    const results = () => perMinute.readKeyValuesToList().map(([w, n]) => `${w!.key} [${w!.window.start}, ${w!.window.end}) = ${n}`);

    clicks.pipeInput('ada', 'home', 1_000);
    clicks.pipeInput('ada', 'cart', 30_000);
    clicks.pipeInput('ada', 'pay', 65_000); // stream time 65 s: [0, 60 s) still open (grace until 70 s)
    clicks.pipeInput('ada', 'back', 55_000); // out of order, within grace: counted
    expect(results()).toEqual([]); // 'final': nothing before the window closes
    clicks.pipeInput('bob', 'home', 70_000); // stream time 70 s: [0, 60 s) closes
    expect(results()).toEqual(['ada [0, 60000) = 3']);
    clicks.pipeInput('ada', 'lost', 59_000); // too late: dropped
    expect(late.count).toBe(1);
    expect(driver.getWindowStore<string, bigint>('clicks-per-minute').fetch('ada', 0)).toBe(3n);
  });
});

describe('docs/testing.md', () => {
  it('the README test', () => {
    const driver = new TopologyTestDriver(wordCountTopology({ input: 'text-lines', output: 'word-counts' }));
    const lines = driver.createInputTopic('text-lines', serdes.string(), serdes.string());
    const counts = driver.createOutputTopic('word-counts', serdes.string(), serdes.int64());
    lines.pipeInput(null, 'the cat and the hat');
    expect(counts.readKeyValuesToMap().get('the')).toBe(2n);
  });

  it('list variants and reading', () => {
    const driver = new TopologyTestDriver(wordCountTopology({ input: 'text-lines', output: 'word-counts' }));
    const lines = driver.createInputTopic('text-lines', serdes.string(), serdes.string());
    const counts = driver.createOutputTopic('word-counts', serdes.string(), serdes.int64());

    lines.pipeValueList(['to be', 'or not to be']);
    expect(counts.readKeyValuesToList()).toEqual([
      ['to', 1n],
      ['be', 1n],
      ['or', 1n],
      ['not', 1n],
      ['to', 2n],
      ['be', 2n],
    ]);
    lines.pipeKeyValueList([
      ['line-3', 'be quick'],
      ['line-4', 'quick'],
    ]);
    lines.pipeRecordList([{ key: null, value: 'done', timestamp: 5_000, headers: { source: 'test' } }]);
    expect(counts.getQueueSize()).toBe(4);
    const first = counts.readRecord();
    expect([first.key, first.value]).toEqual(['be', 3n]);
    expect(counts.readKeyValue()).toEqual(['quick', 1n]);
    expect(counts.readKeyValuesToMap()).toEqual(
      new Map([
        ['quick', 2n],
        ['done', 1n],
      ]),
    );
    expect(counts.isEmpty()).toBe(true);
    expect(driver.getKeyValueStore<string, bigint>('word-counts').get('to')).toBe(2n);
  });

  it('record timestamps: explicit, startTimestampMs, autoAdvanceMs, advanceTime', () => {
    const builder = new StreamsBuilder();
    builder.source('in', { key: serdes.string(), value: serdes.string() }).sink('out');
    const driver = new TopologyTestDriver(builder.build(), { startTimestampMs: 1_000, autoAdvanceMs: 100 });
    const input = driver.createInputTopic('in', serdes.string(), serdes.string());
    const output = driver.createOutputTopic('out', serdes.string(), serdes.string());
    input.pipeInput('a', 'x'); // 1000
    input.pipeInput('b', 'y'); // 1100
    input.advanceTime(5_000);
    input.pipeInput('c', 'z'); // 6200
    input.pipeInput('d', 'w', 42); // explicit: 42
    expect(output.readRecordsToList().map((r) => r.timestamp)).toEqual([1_000, 1_100, 6_200, 42]);
  });

  it('wall-clock punctuation with advanceWallClockTime', () => {
    const seenPerMinute: ProcessorSupplier<string, string, string, number> = () => {
      let seen = 0;
      return {
        init: (context) => {
          context.schedule(60_000, 'wall-clock-time', (now) => {
            context.forward(new StreamRecord('seen', seen, now));
            seen = 0;
          });
        },
        process: () => {
          seen++;
        },
      };
    };
    const builder = new StreamsBuilder();
    builder
      .source('events', { key: serdes.string(), value: serdes.string() })
      .process(seenPerMinute, { name: 'seen-per-minute' })
      .sink('seen', { key: serdes.string(), value: serdes.int32() });

    const driver = new TopologyTestDriver(builder.build()); // its wall clock starts at 0
    const events = driver.createInputTopic('events', serdes.string(), serdes.string());
    const seen = driver.createOutputTopic('seen', serdes.string(), serdes.int32());
    events.pipeValueList(['a', 'b', 'c']);
    expect(seen.isEmpty()).toBe(true);
    driver.advanceWallClockTime(60_000);
    expect(seen.readRecordsToList().map((r) => [r.value, r.timestamp])).toEqual([[3, 60_000]]);
  });

  it('error handlers: fail throws a ProcessingError, a dead-letter topic gets the original bytes', () => {
    const topology = () => {
      const builder = new StreamsBuilder();
      builder
        .source('orders', { key: serdes.string(), value: serdes.json<Order>() })
        .mapValues((order) => {
          if (order.total < 0) throw new Error(`negative total in ${order.id}`);
          return order.total;
        })
        .sink('totals', { value: serdes.int32() });
      return builder.build();
    };

    const failing = new TopologyTestDriver(topology());
    const input = failing.createInputTopic('orders', serdes.string(), serdes.json<Order>());
    expect(() => input.pipeInput('o-1', { id: 'o-1', customer: 'ada', total: -5 })).toThrow(ProcessingError);
    expect(() => input.pipeInput('o-1', { id: 'o-1', customer: 'ada', total: -5 })).toThrow(
      /processing failed for the record at orders-0 offset 1: negative total in o-1/,
    );

    const driver = new TopologyTestDriver(topology(), {
      processingExceptionHandler: { deadLetterTopic: 'orders-dlq' },
      deserializationExceptionHandler: { deadLetterTopic: 'orders-dlq' },
    });
    const raw = driver.createInputTopic('orders', serdes.string(), serdes.string());
    const totals = driver.createOutputTopic('totals', serdes.string(), serdes.int32());
    const dlq = driver.createOutputTopic('orders-dlq', serdes.string(), serdes.string());
    raw.pipeInput('o-1', '{"id":"o-1","customer":"ada","total":-5}');
    raw.pipeInput('o-2', 'not json');
    raw.pipeInput('o-3', '{"id":"o-3","customer":"bob","total":30}');

    expect(totals.readKeyValuesToList()).toEqual([['o-3', 30]]);
    const dead = dlq.readRecordsToList();
    expect(dead.map((r) => [r.key, r.value])).toEqual([
      ['o-1', '{"id":"o-1","customer":"ada","total":-5}'],
      ['o-2', 'not json'],
    ]);
    expect(dead.map((r) => r.headers[DEAD_LETTER_HEADERS.stage]?.toString())).toEqual(['processing', 'deserialization']);
    expect(dead[0]!.headers[DEAD_LETTER_HEADERS.offset]?.toString()).toBe('0');
    expect(dead[0]!.headers[DEAD_LETTER_HEADERS.errorMessage]?.toString()).toBe('negative total in o-1');
  });

  it('MockSchemaRegistry for registry serdes', () => {
    const Purchase = {
      type: 'record',
      name: 'Purchase',
      namespace: 'com.acme',
      fields: [
        { name: 'customer', type: 'string' },
        { name: 'cents', type: 'long' },
      ],
    } as const;
    type Purchase = AvroValue<typeof Purchase>;

    const registry = new MockSchemaRegistry();
    const purchases = registryAvroSerde({ registry, schema: Purchase });

    const builder = new StreamsBuilder();
    builder
      .source('purchases', { key: serdes.string(), value: purchases })
      .filter((_key, p) => p.cents >= 10_000)
      .sink('big-purchases');

    const driver = new TopologyTestDriver(builder.build());
    const input = driver.createInputTopic('purchases', serdes.string(), purchases);
    const output = driver.createOutputTopic('big-purchases', serdes.string(), purchases);
    input.pipeInput('p-1', { customer: 'ada', cents: 25_000 });
    input.pipeInput('p-2', { customer: 'bob', cents: 900 });

    expect(output.readValuesToList()).toEqual([{ customer: 'ada', cents: 25_000 }]);
    expect(registry.getSubjects()).toEqual(['purchases-value', 'big-purchases-value']);
  });

  it('windowed results read as Windowed keys', () => {
    const builder = new StreamsBuilder();
    builder
      .source('clicks', { key: serdes.string(), value: serdes.string() })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(60_000))
      .count({ store: 'clicks-per-minute' })
      .toStream()
      .sink('clicks-per-minute', { value: serdes.int64() });
    const driver = new TopologyTestDriver(builder.build());
    const clicks = driver.createInputTopic('clicks', serdes.string(), serdes.string());
    const counts = driver.createOutputTopic<Windowed<string>, bigint>('clicks-per-minute', windowedSerde(serdes.string(), 60_000), serdes.int64());
    clicks.pipeInput('ada', 'home', 10_000);
    clicks.pipeInput('ada', 'cart', 20_000);
    const [key, value] = counts.readKeyValuesToList().at(-1)!;
    expect([key?.key, key?.window, value]).toEqual(['ada', { start: 0, end: 60_000 }, 2n]);
  });

  it('KafkaTestHarness on a real broker', async () => {
    const kafka = new KafkaTestHarness(); // brokers from KAFKA_BROKERS, or pass them
    const input = kafka.uniqueName('text-lines'); // unique per test and run: no cleanup needed
    const output = kafka.uniqueName('word-counts');
    await Promise.all([kafka.createTopic(input, 2), kafka.createTopic(output, 2)]); // waits for leaders

    const app = new StreamsApp(wordCountTopology({ input, output }), {
      applicationId: kafka.uniqueName('word-count'),
      brokers: kafka.brokers,
      processingGuarantee: 'exactly_once',
      logLevel: 'error',
    });
    try {
      await app.start();
      await kafka.produce(input, [{ key: null, value: 'the cat and the hat' }]);
      const records = await kafka.readAtLeast(output, 5); // the=1, cat=1, and=1, the=2, hat=1: read_committed
      const counts = new Map(records.map((r) => [r.key, r.valueBytes!.readBigInt64BE()]));
      expect(records).toHaveLength(5);
      expect(counts).toEqual(new Map([['the', 2n], ['cat', 1n], ['and', 1n], ['hat', 1n]]));
    } finally {
      await app.close();
    }
  });
});
