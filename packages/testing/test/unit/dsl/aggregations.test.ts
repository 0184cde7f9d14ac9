import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/index.js';

const str = serdes.string();
const int = serdes.int32();
const long = serdes.int64();
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function newBuilder(): StreamsBuilder {
  return new StreamsBuilder({ warn: () => undefined });
}

describe('groupByKey / groupBy with count, reduce and aggregate', () => {
  it('groupByKey().count(): one update per record; null keys and tombstones are skipped', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .groupByKey()
      .count({ store: 'counts' })
      .toStream()
      .sink('out', { value: long });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    driver.createInputTopic('in', str, str).pipeRecordList([
      { key: 'a', value: 'x', timestamp: 1 },
      { key: 'b', value: 'y', timestamp: 2 },
      { key: null, value: 'no key', timestamp: 3 },
      { key: 'a', value: null, timestamp: 4 },
      { key: 'a', value: 'z', timestamp: 5 },
    ]);
    expect(driver.createOutputTopic('out', str, long).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', 1n, 1],
      ['b', 1n, 2],
      ['a', 2n, 5],
    ]);
    const store = driver.getKeyValueStore<string, bigint>('counts');
    expect([...store.all()].map(({ key, value }) => [key, value])).toEqual([
      ['a', 2n],
      ['b', 1n],
    ]);
  });

  it('groupBy(selector).count(): repartitions by the new key; a null key from the selector is skipped', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: str })
      .groupBy((_k, v) => (v.startsWith('-') ? (null as unknown as string) : v[0]!), { key: str, value: str, name: 'by-initial' })
      .count({ store: 'initial-counts' })
      .toStream()
      .sink('out', { value: long });
    const topology = b.build();
    expect([...topology.internalTopicDefs().keys()]).toEqual(['by-initial-repartition']);
    const driver = new TopologyTestDriver(topology, { logger: quiet });
    driver.createInputTopic('in', str, str).pipeKeyValueList([
      ['1', 'apple'],
      ['2', 'avocado'],
      ['3', '-skip'],
      ['4', 'banana'],
    ]);
    expect(driver.createOutputTopic('out', str, long).readKeyValuesToList()).toEqual([
      ['a', 1n],
      ['a', 2n],
      ['b', 1n],
    ]);
    expect(driver.getKeyValueStore<string, bigint>('initial-counts').get('a')).toBe(2n);
  });

  it('reduce(): the first value per key starts it; tombstones skipped', () => {
    const b = newBuilder();
    b.source('in', { key: str, value: int })
      .groupByKey()
      .reduce((sum, v) => sum + v, { store: 'sums' })
      .toStream()
      .sink('out');
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    driver.createInputTopic('in', str, int).pipeKeyValueList([
      ['a', 5],
      ['b', 1],
      ['a', null],
      ['a', 7],
      ['b', 2],
    ]);
    expect(driver.createOutputTopic('out', str, int).readKeyValuesToList()).toEqual([
      ['a', 5],
      ['b', 1],
      ['a', 12],
      ['b', 3],
    ]);
    expect(driver.getKeyValueStore<string, number>('sums').get('a')).toBe(12);
  });

  it('aggregate(): folds into another type from the initializer, with its own serde', () => {
    interface Stats {
      count: number;
      total: number;
    }
    const b = newBuilder();
    b.source('in', { key: str, value: int })
      .groupBy((k) => k.toUpperCase(), { key: str, name: 'upper' })
      .aggregate<Stats>(
        () => ({ count: 0, total: 0 }),
        (_k, v, agg) => ({ count: agg.count + 1, total: agg.total + v }),
        { store: 'stats', value: serdes.json<Stats>() },
      )
      .toStream()
      .sink('out');
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    driver.createInputTopic('in', str, int).pipeKeyValueList([
      ['a', 10],
      ['A', 20],
      ['b', 1],
    ]);
    expect(driver.createOutputTopic('out', str, serdes.json<Stats>()).readKeyValuesToList()).toEqual([
      ['A', { count: 1, total: 10 }],
      ['A', { count: 2, total: 30 }],
      ['B', { count: 1, total: 1 }],
    ]);
    expect(driver.getKeyValueStore<string, Stats>('stats').get('A')).toEqual({ count: 2, total: 30 });
  });
});

describe('KTable', () => {
  it('builder.table(): the latest value per key in its store; a tombstone deletes the key and is forwarded', () => {
    const b = newBuilder();
    b.table('users', { key: str, value: str, store: 'users-store' }).toStream().sink('users-out');
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    driver.createInputTopic('users', str, str).pipeKeyValueList([
      ['u1', 'ann'],
      ['u2', 'bob'],
      ['u1', 'anna'],
      ['u2', null],
      [null, 'no key'],
    ]);
    expect(driver.createOutputTopic('users-out', str, str).readKeyValuesToList()).toEqual([
      ['u1', 'ann'],
      ['u2', 'bob'],
      ['u1', 'anna'],
      ['u2', null],
    ]);
    const store = driver.getKeyValueStore<string, string>('users-store');
    expect([...store.all()].map(({ key, value }) => [key, value])).toEqual([['u1', 'anna']]);
    expect(store.get('u2')).toBeUndefined();
  });

  it('filter(): a row it rejects becomes a tombstone downstream when it passed before (and is deleted from its store)', () => {
    const b = newBuilder();
    b.table('prices', { key: str, value: int, store: 'prices' })
      .filter((_k, v) => v >= 10, { store: 'expensive' })
      .toStream()
      .sink('expensive-out');
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    driver.createInputTopic('prices', str, int).pipeKeyValueList([
      ['a', 15],
      ['b', 5],
      ['a', 8],
      ['c', 20],
      ['c', null],
    ]);
    // 'b' never passed: no tombstone for it, as in Kafka Streams.
    expect(driver.createOutputTopic('expensive-out', str, int).readKeyValuesToList()).toEqual([
      ['a', 15],
      ['a', null],
      ['c', 20],
      ['c', null],
    ]);
    expect([...driver.getKeyValueStore<string, number>('expensive').all()]).toEqual([]);
    expect(driver.getKeyValueStore<string, number>('prices').get('a')).toBe(8);
  });

  it('mapValues() and toStream(): new values per row, deletions stay deletions', () => {
    const b = newBuilder();
    b.table('names', { key: str, value: str, store: 'names' })
      .mapValues((v, k) => `${k}=${v.length}`, { store: 'lengths', value: str })
      .toStream()
      .sink('lengths-out');
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    driver.createInputTopic('names', str, str).pipeKeyValueList([
      ['x', 'abc'],
      ['y', 'de'],
      ['x', null],
    ]);
    expect(driver.createOutputTopic('lengths-out', str, str).readKeyValuesToList()).toEqual([
      ['x', 'x=3'],
      ['y', 'y=2'],
      ['x', null],
    ]);
    expect([...driver.getKeyValueStore<string, string>('lengths').all()].map(({ key, value }) => [key, value])).toEqual([['y', 'y=2']]);
  });

  it('count() then filter() on the table of counts', () => {
    const b = newBuilder();
    b.source('clicks', { key: str, value: str })
      .groupByKey({ name: 'clicks-by-user' })
      .count({ store: 'click-counts' })
      .filter((_user, n) => n >= 2n)
      .toStream()
      .sink('frequent', { value: long });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    driver.createInputTopic('clicks', str, str).pipeKeyValueList([
      ['u1', 'p'],
      ['u2', 'p'],
      ['u1', 'q'],
    ]);
    // Counts below 2 never passed the filter: no tombstones for them, as in Kafka Streams.
    expect(driver.createOutputTopic('frequent', str, long).readKeyValuesToList()).toEqual([['u1', 2n]]);
  });
});
