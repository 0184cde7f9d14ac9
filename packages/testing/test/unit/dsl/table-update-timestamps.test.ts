/**
 * The timestamps and tombstones of table updates, as Kafka Streams gives them: a non-windowed
 * aggregate update is stamped with the newest of its records (max of the record's and the
 * aggregate's timestamps), a table-table join result with the newer of its two rows, a join emits
 * nothing for a key that had no result before and has none after, and a table filter forwards a
 * tombstone only for a row that passed it before. The rows' timestamps live in the tables'
 * timestamped stores (value + timestamp per key).
 */
import type { TimestampedKeyValueStore } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver, type TestOutputTopic } from '../../../src/index.js';

const str = serdes.string();
const int = serdes.int32();
const long = serdes.int64();
const none = () => undefined;
const quiet = { debug: none, info: none, warn: none, error: none };

function newBuilder(): StreamsBuilder {
  return new StreamsBuilder({ warn: none });
}

/** [key, value, timestamp] of each output record. */
function rows<V>(topic: TestOutputTopic<string, V>): [string | null, V | null, number][] {
  return topic.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]);
}

describe('aggregate updates are stamped with the newest record aggregated (D1)', () => {
  it('groupByKey().count(): an out-of-order record keeps the aggregate timestamp; the store keeps it too', () => {
    const b = newBuilder();
    b.source('clicks', { key: str, value: str }).groupByKey().count({ store: 'counts' }).toStream().sink('out', { value: long });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    const clicks = driver.createInputTopic('clicks', str, str);
    clicks.pipeInput('a', 'p', 10);
    clicks.pipeInput('a', 'q', 5); // older than the aggregate: stamped 10
    clicks.pipeInput('b', 'p', 3);
    clicks.pipeInput('a', 'r', 20);
    expect(rows(driver.createOutputTopic('out', str, long))).toEqual([
      ['a', 1n, 10],
      ['a', 2n, 10],
      ['b', 1n, 3],
      ['a', 3n, 20],
    ]);
    const store = driver.getKeyValueStore<string, bigint>('counts');
    expect(store.get('a')).toBe(3n);
    expect((store as unknown as TimestampedKeyValueStore<string, bigint>).getWithTimestamp('a')).toEqual({ value: 3n, timestamp: 20 });
  });

  it('KTable.groupBy().count(): the subtraction and the addition are each stamped max(update, aggregate)', () => {
    const b = newBuilder();
    b.table('users', { key: str, value: str, store: 'users' })
      .groupBy((_id, region) => [region, region], { key: str, value: str, name: 'users-by-region' })
      .count({ store: 'users-per-region' })
      .toStream()
      .sink('out', { key: str, value: long });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    const users = driver.createInputTopic('users', str, str);
    users.pipeInput('u1', 'eu', 10);
    users.pipeInput('u2', 'eu', 5); // added to an aggregate stamped 10
    users.pipeInput('u1', 'us', 7); // leaves eu (stamped 10), starts us (stamped 7)
    users.pipeInput('u2', null, 1); // subtracted from eu (stamped 10)
    expect(rows(driver.createOutputTopic('out', str, long))).toEqual([
      ['eu', 1n, 10],
      ['eu', 2n, 10],
      ['eu', 1n, 10],
      ['us', 1n, 7],
      ['eu', 0n, 10],
    ]);
  });

  it('cogroup().aggregate(): an update from either input is stamped with the newest record of both', () => {
    const b = newBuilder();
    const clicks = b.source('clicks', { key: str, value: str }).groupByKey();
    const orders = b.source('orders', { key: str, value: int }).groupByKey();
    clicks
      .cogroup<{ clicks: number; spent: number }>((_c, _page, s) => ({ ...s, clicks: s.clicks + 1 }))
      .cogroup(orders, (_c, amount, s) => ({ ...s, spent: s.spent + amount }))
      .aggregate(() => ({ clicks: 0, spent: 0 }), { name: 'summary', value: serdes.json() })
      .toStream()
      .sink('summaries');
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    driver.createInputTopic('clicks', str, str).pipeInput('c1', 'home', 10);
    driver.createInputTopic('orders', str, int).pipeInput('c1', 4, 4);
    driver.createInputTopic('orders', str, int).pipeInput('c1', 6, 12);
    expect(rows(driver.createOutputTopic('summaries', str, serdes.json<{ clicks: number; spent: number }>()))).toEqual([
      ['c1', { clicks: 1, spent: 0 }, 10],
      ['c1', { clicks: 1, spent: 4 }, 10],
      ['c1', { clicks: 1, spent: 10 }, 12],
    ]);
  });
});

describe('table-table join results are stamped with the newer of the two rows (D2)', () => {
  it('join: max(this update, the other row), rows read from the tables’ timestamped stores', () => {
    const b = newBuilder();
    const users = b.table('users', { key: str, value: str, store: 'users' });
    const addresses = b.table('addresses', { key: str, value: str, store: 'addresses' });
    users.join(addresses, (u, a) => `${u}@${a}`).toStream().sink('profiles', { value: str });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    const userIn = driver.createInputTopic('users', str, str);
    const addressIn = driver.createInputTopic('addresses', str, str);
    userIn.pipeInput('u1', 'Ann', 10);
    addressIn.pipeInput('u1', 'Paris', 5); // the user row is newer: 10
    userIn.pipeInput('u1', 'Anna', 3); // the address row is newer: 5
    addressIn.pipeInput('u1', 'Rome', 4); // the user row is now 3: 4
    addressIn.pipeInput('u1', null, 2); // the deletion, stamped max(2, 3)
    expect(rows(driver.createOutputTopic('profiles', str, str))).toEqual([
      ['u1', 'Ann@Paris', 10],
      ['u1', 'Anna@Paris', 5],
      ['u1', 'Anna@Rome', 4],
      ['u1', null, 3],
    ]);
  });

  it('a join after a filter: the filtered side’s row timestamp counts too', () => {
    const b = newBuilder();
    const users = b.table('users', { key: str, value: str, store: 'users' });
    const addresses = b.table('addresses', { key: str, value: str, store: 'addresses' });
    users
      .filter((_k, name) => name.startsWith('A'))
      .join(addresses, (u, a) => `${u}@${a}`)
      .toStream()
      .sink('profiles', { value: str });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    driver.createInputTopic('users', str, str).pipeInput('u1', 'Ann', 10);
    driver.createInputTopic('addresses', str, str).pipeInput('u1', 'Paris', 20);
    driver.createInputTopic('users', str, str).pipeInput('u1', 'Anna', 15);
    expect(rows(driver.createOutputTopic('profiles', str, str))).toEqual([
      ['u1', 'Ann@Paris', 20],
      ['u1', 'Anna@Paris', 20],
    ]);
  });
});

describe('table-table joins forward nothing for a key that had no result and still has none (D3)', () => {
  it('left and outer joins: a deletion of a key that never had a result forwards nothing; one that had forwards a tombstone', () => {
    const b = newBuilder();
    const users = b.table('users', { key: str, value: str, store: 'users' });
    const addresses = b.table('addresses', { key: str, value: str, store: 'addresses' });
    users.leftJoin(addresses, (u, a) => `${u}@${a}`).toStream().sink('left', { value: str });
    users.outerJoin(addresses, (u, a) => `${u}@${a}`).toStream().sink('outer', { value: str });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    const userIn = driver.createInputTopic('users', str, str);
    const addressIn = driver.createInputTopic('addresses', str, str);
    userIn.pipeInput('u9', null, 1); // never had a row on either side
    addressIn.pipeInput('u9', null, 2);
    addressIn.pipeInput('u2', 'Rome', 3); // outer: a result; left: none
    addressIn.pipeInput('u2', null, 4); // outer: its tombstone; left: still none, nothing
    expect(rows(driver.createOutputTopic('left', str, str))).toEqual([]);
    expect(rows(driver.createOutputTopic('outer', str, str))).toEqual([
      ['u2', 'null@Rome', 3],
      ['u2', null, 4],
    ]);
  });
});

describe('table filters forward a tombstone only for a row that passed before (D7)', () => {
  it('filter and filterNot, plain and materialized; mapValues still forwards every tombstone', () => {
    const b = newBuilder();
    const prices = b.table('prices', { key: str, value: int, store: 'prices' });
    prices.filter((_k, v) => v >= 10).toStream().sink('plain', { value: int });
    prices.filterNot((_k, v) => v >= 10, { store: 'cheap' }).toStream().sink('materialized', { value: int });
    prices.mapValues((v) => v * 2).toStream().sink('doubled', { value: int });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    driver.createInputTopic('prices', str, int).pipeKeyValueList([
      ['a', 15],
      ['b', 5],
      ['a', 8],
      ['b', 20],
      ['c', null], // never seen
      ['a', null],
    ]);
    expect(driver.createOutputTopic('plain', str, int).readKeyValuesToList()).toEqual([
      ['a', 15],
      ['a', null],
      ['b', 20],
    ]);
    expect(driver.createOutputTopic('materialized', str, int).readKeyValuesToList()).toEqual([
      ['b', 5],
      ['a', 8],
      ['b', null],
      ['a', null],
    ]);
    expect(driver.createOutputTopic('doubled', str, int).readKeyValuesToList()).toEqual([
      ['a', 30],
      ['b', 10],
      ['a', 16],
      ['b', 40],
      ['c', null],
      ['a', null],
    ]);
    expect([...driver.getKeyValueStore<string, number>('cheap').all()]).toEqual([]);
  });
});
