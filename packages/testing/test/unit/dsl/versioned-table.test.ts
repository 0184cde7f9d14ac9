/**
 * Versioned tables on the TopologyTestDriver (KIP-889, KIP-914): `builder.table(topic, { versioned })`
 * materializes the table in a versioned store; a stream-table join looks the table up as of each
 * stream record's timestamp; out-of-order table updates go into the history and are forwarded
 * marked not latest, so `toStream()`, `filter` and `mapValues` pass them on while table-table and
 * foreign-key joins, `groupBy` and `suppress` skip them, as Kafka Streams does; the store answers as-of queries; a grace period (KIP-923) holds stream records for late
 * table updates. Each case shows the exact output records.
 */
import { PUT_RETURN_CODE_NOT_PUT, PUT_RETURN_CODE_VALID_TO_UNDEFINED, Stores, Topology, type StreamRecord, type VersionedKeyValueStore } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { BufferConfig, StreamsBuilder, Suppressed, type TableSourceOptions } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver, type TestOutputTopic } from '../../../src/index.js';

const str = serdes.string();

function read(topic: TestOutputTopic<string, string>): [string | null, string | null, number][] {
  return topic.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]);
}

/** orders (stream) joined with rates (table), inner or left; the table versioned or not. */
function orderPricing(kind: 'join' | 'leftJoin', versioned: TableSourceOptions<string, string>['versioned']) {
  const b = new StreamsBuilder({ warn: () => {} });
  const rates = b.table('rates', { key: str, value: str, store: 'rates', ...(versioned ? { versioned } : {}) });
  rates.toStream({ name: 'rate-updates' }).sink('rate-updates', { key: str, value: str });
  const orders = b.source('orders', { key: str, value: str });
  const joined =
    kind === 'join'
      ? orders.join(rates, (order, rate) => `${order}@${rate}`, { name: 'price' })
      : orders.leftJoin(rates, (order, rate) => `${order}@${rate ?? 'none'}`, { name: 'price' });
  joined.sink('priced', { key: str, value: str });
  const driver = new TopologyTestDriver(b.build());
  return {
    driver,
    rates: driver.createInputTopic('rates', str, str),
    orders: driver.createInputTopic('orders', str, str),
    priced: driver.createOutputTopic('priced', str, str),
    updates: driver.createOutputTopic('rate-updates', str, str),
  };
}

describe('stream-table join against a versioned table', () => {
  it('joins each stream record with the table version valid at its timestamp, though newer updates came first', async () => {
    const { driver, rates, orders, priced } = orderPricing('join', { historyRetentionMs: 60_000 });
    rates.pipeInput('EUR', '1.00', 1000);
    rates.pipeInput('EUR', '1.10', 2000);
    rates.pipeInput('EUR', '1.20', 3000);
    rates.pipeInput('EUR', null, 4000); // deleted from 4000 on
    orders.pipeInput('EUR', 'o1', 1500);
    orders.pipeInput('EUR', 'o2', 2000); // a version starts at its timestamp
    orders.pipeInput('EUR', 'o3', 2999);
    orders.pipeInput('EUR', 'o4', 3999);
    orders.pipeInput('EUR', 'o5', 4000); // the rate was deleted then: no result
    orders.pipeInput('EUR', 'o0', 999); // before the first rate: no result
    orders.pipeInput('USD', 'o6', 2500); // no such key
    expect(read(priced)).toEqual([
      ['EUR', 'o1@1.00', 1500],
      ['EUR', 'o2@1.10', 2000],
      ['EUR', 'o3@1.10', 2999],
      ['EUR', 'o4@1.20', 3999],
    ]);
    await driver.close();
  });

  it('the same topology on a plain table joins every record with the latest value', async () => {
    const { driver, rates, orders, priced } = orderPricing('join', undefined);
    rates.pipeInput('EUR', '1.00', 1000);
    rates.pipeInput('EUR', '1.10', 2000);
    rates.pipeInput('EUR', '1.20', 3000);
    orders.pipeInput('EUR', 'o1', 1500);
    orders.pipeInput('EUR', 'o2', 2000);
    orders.pipeInput('EUR', 'o0', 999);
    expect(read(priced)).toEqual([
      ['EUR', 'o1@1.20', 1500],
      ['EUR', 'o2@1.20', 2000],
      ['EUR', 'o0@1.20', 999],
    ]);
    await driver.close();
  });

  it('left join: a record with no version at its time, or older than the history retention, joins with null', async () => {
    const { driver, rates, orders, priced } = orderPricing('leftJoin', { historyRetentionMs: 1000 });
    rates.pipeInput('EUR', '1.00', 1000);
    rates.pipeInput('EUR', '1.10', 2000);
    rates.pipeInput('GBP', '0.80', 5000); // stream time 5000: history before 4000 is gone
    orders.pipeInput('EUR', 'o1', 500);
    orders.pipeInput('EUR', 'o2', 1500); // out of retention: nothing as of 1500 any more
    orders.pipeInput('EUR', 'o3', 4000); // within retention: the version valid then (1.10)
    expect(read(priced)).toEqual([
      ['EUR', 'o1@none', 500],
      ['EUR', 'o2@none', 1500],
      ['EUR', 'o3@1.10', 4000],
    ]);
    await driver.close();
  });
});

describe('versioned table source', () => {
  it('puts out-of-order updates into the history and forwards them too, as Kafka Streams does (KIP-914)', async () => {
    const { driver, rates, orders, priced, updates } = orderPricing('join', { historyRetentionMs: 60_000 });
    rates.pipeInput('EUR', 'a', 1000);
    rates.pipeInput('EUR', 'c', 3000);
    rates.pipeInput('EUR', 'b', 2000); // out of order: into the history, forwarded (not the latest)
    rates.pipeInput('EUR', 'c2', 3000); // same timestamp as the latest: replaces it, forwarded
    rates.pipeInput('EUR', null, 2500); // an out-of-order deletion: into the history, forwarded
    rates.pipeInput('EUR', 'd', 4000);
    expect(read(updates)).toEqual([
      ['EUR', 'a', 1000],
      ['EUR', 'c', 3000],
      ['EUR', 'b', 2000],
      ['EUR', 'c2', 3000],
      ['EUR', null, 2500],
      ['EUR', 'd', 4000],
    ]);
    orders.pipeInput('EUR', 'x', 2200);
    orders.pipeInput('EUR', 'y', 2600); // deleted from 2500 to 3000
    orders.pipeInput('EUR', 'z', 3500);
    expect(read(priced)).toEqual([
      ['EUR', 'x@b', 2200],
      ['EUR', 'z@c2', 3500],
    ]);
    await driver.close();
  });

  it('a plain table forwards every update, in whatever order it comes', async () => {
    const { driver, rates, updates } = orderPricing('join', undefined);
    rates.pipeInput('EUR', 'a', 1000);
    rates.pipeInput('EUR', 'c', 3000);
    rates.pipeInput('EUR', 'b', 2000);
    expect(read(updates)).toEqual([
      ['EUR', 'a', 1000],
      ['EUR', 'c', 3000],
      ['EUR', 'b', 2000],
    ]);
    await driver.close();
  });

  it('drops an update older than the history retention, reporting it as expired', async () => {
    const { driver, rates, updates } = orderPricing('join', { historyRetentionMs: 1000 });
    rates.pipeInput('EUR', 'a', 5000);
    rates.pipeInput('GBP', 'g', 3999); // older than 5000 - 1000: not put, not forwarded
    rates.pipeInput('GBP', 'h', 4000);
    expect(read(updates)).toEqual([
      ['EUR', 'a', 5000],
      ['GBP', 'h', 4000],
    ]);
    expect(driver.droppedRecords()).toEqual({ total: 1, byReason: { expired: 1 } });
    expect(driver.getVersionedKeyValueStore<string, string>('rates').get('GBP')).toEqual({ value: 'h', timestamp: 4000 });
    await driver.close();
  });

  it('exposes the versioned store: latest and as-of reads, and puts with Kafka return codes', async () => {
    const { driver, rates } = orderPricing('join', { historyRetentionMs: 1000 });
    rates.pipeInput('EUR', '1.00', 1000);
    rates.pipeInput('EUR', '1.10', 2000);
    const store = driver.getVersionedKeyValueStore<string, string>('rates');
    expect(store.get('EUR')).toEqual({ value: '1.10', timestamp: 2000 });
    expect(store.get('EUR', 1999)).toEqual({ value: '1.00', timestamp: 1000, validTo: 2000 });
    expect(store.get('EUR', 999)).toBeUndefined();
    expect(store.put('EUR', 'old', 500)).toBe(PUT_RETURN_CODE_NOT_PUT);
    expect(() => driver.getVersionedKeyValueStore('nope')).toThrow(/no state store named 'nope'/);
    await driver.close();
  });
});

describe('other readers of a versioned table', () => {
  it('a table-table join reads the latest version of the versioned side', async () => {
    const b = new StreamsBuilder({ warn: () => {} });
    const rates = b.table('rates', { key: str, value: str, store: 'rates', versioned: { historyRetentionMs: 60_000 } });
    const names = b.table('names', { key: str, value: str, store: 'names' });
    names.join(rates, (name, rate) => `${name}=${rate}`, { name: 'named-rates' }).toStream().sink('named-rates', { key: str, value: str });
    const driver = new TopologyTestDriver(b.build());
    const ratesIn = driver.createInputTopic('rates', str, str);
    const namesIn = driver.createInputTopic('names', str, str);
    const out = driver.createOutputTopic('named-rates', str, str);
    ratesIn.pipeInput('EUR', '1.10', 2000);
    ratesIn.pipeInput('EUR', '1.00', 1000); // out of order: forwarded marked not latest, which the join skips
    namesIn.pipeInput('EUR', 'euro', 1500);
    ratesIn.pipeInput('EUR', '1.20', 3000);
    expect(read(out)).toEqual([
      ['EUR', 'euro=1.10', 1500],
      ['EUR', 'euro=1.20', 3000],
    ]);
    await driver.close();
  });

  it('a table-table join skips out-of-order updates from either side, and from a filter or mapValues of a versioned table', async () => {
    const b = new StreamsBuilder({ warn: () => {} });
    const rates = b.table('rates', { key: str, value: str, store: 'rates', versioned: { historyRetentionMs: 60_000 } });
    const names = b.table('names', { key: str, value: str, store: 'names' });
    const marked = rates.filter((_k, v) => v !== 'hidden').mapValues((v) => `${v}!`, { value: str });
    marked.toStream({ name: 'marked-updates' }).sink('marked-updates', { key: str, value: str });
    marked.join(names, (rate, name) => `${name}=${rate}`, { name: 'marked-names' }).toStream().sink('marked-names', { key: str, value: str });
    names.leftJoin(rates, (name, rate) => `${name}=${rate ?? 'none'}`, { name: 'names-rates' }).toStream().sink('names-rates', { key: str, value: str });
    const driver = new TopologyTestDriver(b.build());
    const ratesIn = driver.createInputTopic('rates', str, str);
    const namesIn = driver.createInputTopic('names', str, str);
    const markedUpdates = driver.createOutputTopic('marked-updates', str, str);
    const markedNames = driver.createOutputTopic('marked-names', str, str);
    const namesRates = driver.createOutputTopic('names-rates', str, str);
    namesIn.pipeInput('EUR', 'euro', 500);
    ratesIn.pipeInput('EUR', '1.10', 2000);
    ratesIn.pipeInput('EUR', '1.00', 1000); // out of order
    ratesIn.pipeInput('EUR', 'hidden', 1500); // out of order, filtered out: a tombstone, still not latest
    ratesIn.pipeInput('EUR', null, 1800); // an out-of-order deletion
    namesIn.pipeInput('EUR', 'Euro', 2500); // looks up the latest rate: still 1.10
    ratesIn.pipeInput('EUR', '1.20', 3000);
    // filter and mapValues pass the out-of-order updates on (toStream shows them)...
    expect(read(markedUpdates)).toEqual([
      ['EUR', '1.10!', 2000],
      ['EUR', '1.00!', 1000],
      ['EUR', null, 1500],
      ['EUR', null, 1800],
      ['EUR', '1.20!', 3000],
    ]);
    // ...and the joins after them skip them: the latest value never went back.
    expect(read(markedNames)).toEqual([
      ['EUR', 'euro=1.10!', 2000],
      ['EUR', 'Euro=1.10!', 2500],
      ['EUR', 'Euro=1.20!', 3000],
    ]);
    expect(read(namesRates)).toEqual([
      ['EUR', 'euro=none', 500],
      ['EUR', 'euro=1.10', 2000],
      ['EUR', 'Euro=1.10', 2500],
      ['EUR', 'Euro=1.20', 3000],
    ]);
    await driver.close();
  });

  it('KTable.groupBy skips out-of-order updates: the aggregate counts the latest versions only', async () => {
    const b = new StreamsBuilder({ warn: () => {} });
    const rates = b.table('rates', { key: str, value: str, store: 'rates', versioned: { historyRetentionMs: 60_000 } });
    rates
      .groupBy((_k, v) => [v, v] as const, { key: str, value: str, name: 'by-rate' })
      .count({ store: 'rate-counts' })
      .toStream()
      .mapValues((c) => String(c))
      .sink('rate-counts', { key: str, value: str });
    const driver = new TopologyTestDriver(b.build());
    const ratesIn = driver.createInputTopic('rates', str, str);
    const counts = driver.createOutputTopic('rate-counts', str, str);
    ratesIn.pipeInput('EUR', 'a', 1000);
    ratesIn.pipeInput('GBP', 'a', 1100);
    ratesIn.pipeInput('EUR', 'b', 2000);
    ratesIn.pipeInput('EUR', 'x', 1500); // out of order: not counted, and EUR's latest stays b
    ratesIn.pipeInput('EUR', null, 1700); // an out-of-order deletion: b is not subtracted
    ratesIn.pipeInput('EUR', 'c', 3000); // subtracts b (the latest), not x
    expect(read(counts)).toEqual([
      ['a', '1', 1000],
      ['a', '2', 1100],
      ['a', '1', 2000],
      ['b', '1', 2000],
      ['b', '0', 3000],
      ['c', '1', 3000],
    ]);
    const store = driver.getKeyValueStore<string, bigint>('rate-counts');
    expect([store.get('a'), store.get('b'), store.get('c'), store.get('x')]).toEqual([1n, 0n, 1n, undefined]);
    await driver.close();
  });

  it('suppress skips out-of-order updates: it buffers the latest versions only', async () => {
    const b = new StreamsBuilder({ warn: () => {} });
    const rates = b.table('rates', { key: str, value: str, store: 'rates', versioned: { historyRetentionMs: 60_000 } });
    rates
      .suppress(Suppressed.untilTimeLimit<string>(0, BufferConfig.unbounded()).withName('rates-now'))
      .toStream()
      .sink('suppressed-rates', { key: str, value: str });
    const driver = new TopologyTestDriver(b.build());
    const ratesIn = driver.createInputTopic('rates', str, str);
    const out = driver.createOutputTopic('suppressed-rates', str, str);
    ratesIn.pipeInput('EUR', '1.10', 2000);
    ratesIn.pipeInput('EUR', '1.00', 1000); // out of order: not the table's value, not emitted
    ratesIn.pipeInput('EUR', '1.20', 3000);
    expect(read(out)).toEqual([
      ['EUR', '1.10', 2000],
      ['EUR', '1.20', 3000],
    ]);
    await driver.close();
  });

  it('a foreign-key join skips out-of-order updates of a versioned table on either side', async () => {
    const b = new StreamsBuilder({ warn: () => {} });
    const orders = b.table('orders', { key: str, value: str, store: 'orders', versioned: { historyRetentionMs: 60_000 } });
    const products = b.table('products', { key: str, value: str, store: 'products', versioned: { historyRetentionMs: 60_000 } });
    orders
      .join(products, (order) => order.split(':')[0]!, (order, product) => `${order}/${product}`, { name: 'order-products' })
      .toStream()
      .sink('order-products', { key: str, value: str });
    const driver = new TopologyTestDriver(b.build());
    const ordersIn = driver.createInputTopic('orders', str, str);
    const productsIn = driver.createInputTopic('products', str, str);
    const out = driver.createOutputTopic('order-products', str, str);
    productsIn.pipeInput('p1', 'pen', 1000);
    productsIn.pipeInput('p2', 'ink', 1000);
    ordersIn.pipeInput('o1', 'p1:1', 2000);
    ordersIn.pipeInput('o1', 'p2:5', 1500); // out of order on the left: its foreign key does not change
    productsIn.pipeInput('p1', 'old pen', 500); // out of order on the right: no new result
    productsIn.pipeInput('p1', 'blue pen', 3000);
    ordersIn.pipeInput('o1', 'p1:2', 4000);
    expect(read(out)).toEqual([
      ['o1', 'p1:1/pen', 2000],
      ['o1', 'p1:1/blue pen', 3000],
      ['o1', 'p1:2/blue pen', 4000],
    ]);
    await driver.close();
  });
});

describe('a versioned store in the Processor API', () => {
  it('is built by Stores.versionedKeyValueStoreBuilder and read as of record timestamps by a processor', async () => {
    // Records "put:<value>" write a version at their timestamp; "get" reads the version as of theirs.
    const topology = new Topology()
      .addSource('in', 'commands', { key: str, value: str })
      .addProcessor(
        'apply',
        () => {
          let store!: VersionedKeyValueStore<string, string>;
          let forward!: (record: StreamRecord<string, string>) => void;
          return {
            init(ctx) {
              store = ctx.getStateStore<VersionedKeyValueStore<string, string>>('versions');
              forward = (r) => ctx.forward(r);
            },
            process(record: StreamRecord<string, string>) {
              if (record.value.startsWith('put:')) {
                forward(record.withValue(`validTo=${store.put(record.key, record.value.slice(4), record.timestamp)}`));
              } else {
                const found = store.get(record.key, record.timestamp);
                forward(record.withValue(found === undefined ? 'none' : `${found.value} [${found.timestamp}, ${found.validTo ?? 'now'})`));
              }
            },
          };
        },
        'in',
      )
      .addStateStore(Stores.versionedKeyValueStoreBuilder(Stores.inMemoryVersionedKeyValueStore('versions', 10_000), str, str), 'apply')
      .addSink('out', 'results', { key: str, value: str }, 'apply');
    const driver = new TopologyTestDriver(topology);
    const commands = driver.createInputTopic('commands', str, str);
    const results = driver.createOutputTopic('results', str, str);
    commands.pipeInput('k', 'put:b', 2000);
    commands.pipeInput('k', 'put:a', 1000);
    commands.pipeInput('k', 'get', 1500);
    commands.pipeInput('k', 'get', 2500);
    commands.pipeInput('k', 'get', 500);
    expect(read(results).map(([, value]) => value)).toEqual([`validTo=${PUT_RETURN_CODE_VALID_TO_UNDEFINED}`, 'validTo=2000', 'a [1000, 2000)', 'b [2000, now)', 'none']);
    await driver.close();
  });
});

describe('stream-table join with a grace period (KIP-923)', () => {
  function graceJoin(gracePeriodMs: number) {
    const b = new StreamsBuilder({ warn: () => {} });
    const rates = b.table('rates', { key: str, value: str, store: 'rates', versioned: { historyRetentionMs: 60_000 } });
    b.source('orders', { key: str, value: str })
      .join(rates, (order, rate) => `${order}@${rate}`, { name: 'price', gracePeriodMs })
      .sink('priced', { key: str, value: str });
    const driver = new TopologyTestDriver(b.build());
    return {
      driver,
      rates: driver.createInputTopic('rates', str, str),
      orders: driver.createInputTopic('orders', str, str),
      priced: driver.createOutputTopic('priced', str, str),
    };
  }

  it('holds stream records until stream time passes them plus the grace, so late table updates are seen, and emits in timestamp order', async () => {
    const { driver, rates, orders, priced } = graceJoin(1000);
    rates.pipeInput('EUR', '1.00', 1000);
    orders.pipeInput('EUR', 'o1', 2500, { trace: 'a' });
    orders.pipeInput('EUR', 'o2', 2000); // earlier than o1: emitted before it
    rates.pipeInput('EUR', '1.05', 1800); // a late table update, within the grace period
    expect(read(priced)).toEqual([]); // stream time 2500: nothing is due before 1500
    orders.pipeInput('EUR', 'o3', 3600); // stream time 3600: due up to 2600
    const out = priced.readRecordsToList();
    expect(out.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['EUR', 'o2@1.05', 2000],
      ['EUR', 'o1@1.05', 2500],
    ]);
    expect(out[1]!.headers).toEqual({ trace: 'a' });
    orders.pipeInput('EUR', 'o0', 500); // older than stream time minus the grace: joined at once, as of 500 (no rate)
    orders.pipeInput('EUR', 'o4', 2700); // within the grace: buffered
    orders.pipeInput('EUR', 'o5', 4700); // due up to 3700: o4, then o3
    expect(read(priced)).toEqual([
      ['EUR', 'o4@1.05', 2700],
      ['EUR', 'o3@1.05', 3600],
    ]);
    expect(driver.getKeyValueStore<Buffer, Buffer>('price-buffer-store').approximateNumEntries()).toBe(1); // o5 waits
    await driver.close();
  });

  it('without a grace period the same input joins each order on arrival, missing the late update', async () => {
    const { driver, rates, orders, priced } = graceJoin(0);
    rates.pipeInput('EUR', '1.00', 1000);
    orders.pipeInput('EUR', 'o1', 2500);
    orders.pipeInput('EUR', 'o2', 2000);
    rates.pipeInput('EUR', '1.05', 1800);
    expect(read(priced)).toEqual([
      ['EUR', 'o1@1.00', 2500],
      ['EUR', 'o2@1.00', 2000],
    ]);
    await driver.close();
  });

  it('refuses a grace period on a table that is not versioned, or longer than its history retention', () => {
    const b = new StreamsBuilder({ warn: () => {} });
    const plain = b.table('plain', { key: str, value: str, store: 'plain' });
    const versioned = b.table('rates', { key: str, value: str, store: 'rates', versioned: { historyRetentionMs: 1000 } });
    const orders = b.source('orders', { key: str, value: str });
    expect(() => orders.join(plain, (o, r) => `${o}${r}`, { name: 'j1', gracePeriodMs: 10 })).toThrow(
      "stream-table join(): a grace period needs a versioned table (builder.table(topic, { versioned: { historyRetentionMs } })); table store 'plain' is not versioned",
    );
    expect(() => orders.join(versioned, (o, r) => `${o}${r}`, { name: 'j2', gracePeriodMs: 1001 })).toThrow(
      "stream-table join(): gracePeriodMs (1001) must not exceed the table's historyRetentionMs (1000)",
    );
  });
});
