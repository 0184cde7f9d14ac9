/**
 * The app's default key and value serdes (Kafka Streams' default.key.serde / default.value.serde):
 * sources, sinks, repartition topics and stores that name no serde use them; their own serdes win;
 * a topology that needs a default the app does not set fails at construction, naming the node.
 */
import { ConfigError, Stores, StreamsApp, Topology, TopologyError, resolveConfig, type KeyValueStore, type ProcessorContext, type ProcessorSupplier } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder, TimeWindows } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/index.js';

const str = serdes.string();
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const defaults = { defaultKeySerde: str, defaultValueSerde: serdes.json<unknown>(), logger: quiet };

describe('default serdes in the DSL', () => {
  it('sources, repartition topics, stores and sinks without serdes use the defaults; given serdes win', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    interface Order {
      customer: string;
      amount: number;
    }
    b.source<string, Order>('orders')
      .groupBy((_id, order) => order.customer, { name: 'by-customer' })
      .reduce((a, o) => ({ customer: a.customer, amount: a.amount + o.amount }), { store: 'totals' })
      .toStream()
      .mapValues((o) => o.amount)
      .sink('totals-out', { value: serdes.int32() });
    const driver = new TopologyTestDriver(b.build(), defaults);
    const input = driver.createInputTopic('orders', str, serdes.json<Order>());
    input.pipeInput('o1', { customer: 'ann', amount: 5 });
    input.pipeInput('o2', { customer: 'bob', amount: 7 });
    input.pipeInput('o3', { customer: 'ann', amount: 10 });

    // The repartition topic (after groupBy) went through the defaults both ways; the sink's own
    // value serde (int32) wins over the default (json), and its key takes the default.
    const out = driver.createOutputTopic('totals-out', str, serdes.int32());
    expect(out.readKeyValuesToList()).toEqual([
      ['ann', 5],
      ['bob', 7],
      ['ann', 15],
    ]);
    // The store was written with the defaults: read back through them.
    expect(driver.getKeyValueStore<string, Order>('totals').get('ann')).toEqual({ customer: 'ann', amount: 15 });
  });

  it('a windowed reduce keeps its values with the default value serde in a timestamped window store', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    b.source<string, number>('clicks', { key: str })
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(100))
      .reduce((a, v) => a + v, { store: 'sums' });
    const driver = new TopologyTestDriver(b.build(), { ...defaults, defaultValueSerde: serdes.int32() });
    const input = driver.createInputTopic('clicks', str, serdes.int32());
    input.pipeInput('a', 1, 10);
    input.pipeInput('a', 2, 20);
    input.pipeInput('a', 4, 120);
    const store = driver.getWindowStore<string, number>('sums');
    expect([...store.fetch('a', 0, 200)].map((e) => [e.key, e.value])).toEqual([
      [0, 3],
      [100, 4],
    ]);
  });

  it('fails at construction, naming every source, sink and store that has no serde and no default', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    b.source<string, string>('in', { value: str }).groupByKey().count({ store: 'counts' }).toStream().sink('out', { value: serdes.int64() });
    const topology = b.build();
    let error: unknown;
    try {
      new TopologyTestDriver(topology, { logger: quiet });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TopologyError);
    const message = (error as Error).message;
    expect(message).toMatch(/source 'KSTREAM-SOURCE-\d+' \(topic 'in'\) has no key serde/);
    expect(message).toMatch(/sink 'KSTREAM-SINK-\d+' \(topic 'out'\) has no key serde/);
    expect(message).toMatch(/state store 'counts' has no key serde/);
    expect(message).not.toMatch(/no value serde/);
    expect(message).toMatch(/set defaultKeySerde \/ defaultValueSerde in the app's config/);
    // The StreamsApp checks the same before anything connects, and the default fixes it.
    expect(() => new StreamsApp(topology, { applicationId: 'defaults', brokers: '127.0.0.1:1' })).toThrow(TopologyError);
    expect(() => new StreamsApp(topology, { applicationId: 'defaults', brokers: '127.0.0.1:1', defaultKeySerde: str })).not.toThrow();
  });
});

describe('default serdes in the Processor API', () => {
  it('a source, sink and store builder without serdes use the defaults', () => {
    const counter: ProcessorSupplier<string, string, string, number> = () => {
      let store: KeyValueStore<string, number>;
      let context: ProcessorContext<string, number>;
      return {
        init: (ctx) => {
          context = ctx;
          store = ctx.getStateStore('seen');
        },
        process: (record) => {
          const n = (store.get(record.key!) ?? 0) + 1;
          store.put(record.key!, n);
          context.forward(record.withValue(n));
        },
      };
    };
    const topology = new Topology()
      .addSource('src', 'in', {})
      .addProcessor('count', counter, 'src')
      .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('seen')), 'count')
      .addSink('out', 'out', {}, 'count');
    const driver = new TopologyTestDriver(topology, { defaultKeySerde: str, defaultValueSerde: serdes.json<unknown>(), logger: quiet });
    const input = driver.createInputTopic('in', str, serdes.json<string>());
    input.pipeInput('x', 'a');
    input.pipeInput('x', 'b');
    expect(driver.createOutputTopic('out', str, serdes.json<number>()).readValuesToList()).toEqual([1, 2]);
    expect(driver.getKeyValueStore<string, number>('seen').get('x')).toBe(2);
  });
});

describe('defaultKeySerde / defaultValueSerde settings', () => {
  it('are checked at construction, naming the setting and the fix', () => {
    const bad = () => resolveConfig({ applicationId: 'a', brokers: 'b:1', defaultKeySerde: 'string' as never, defaultValueSerde: { name: 'x' } as never });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/defaultKeySerde = 'string' is not allowed: it must be a serde.*Fix: pass one from @rivulet\/serde/);
    expect(bad).toThrow(/defaultValueSerde = .* is not allowed/);
    const ok = resolveConfig({ applicationId: 'a', brokers: 'b:1', defaultValueSerde: str });
    expect(ok.defaultValueSerde).toBe(str);
    expect(ok.defaultKeySerde).toBeUndefined();
  });
});
