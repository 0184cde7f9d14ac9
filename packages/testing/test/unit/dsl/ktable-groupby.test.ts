/**
 * KTable.groupBy with count, reduce and aggregate on the TopologyTestDriver: an update of a source
 * row subtracts its old value from its old group and adds the new value to its new group (Kafka
 * Streams' KTableRepartitionMap + KTableAggregate, with KIP-904's single record when the group does
 * not change).
 */
import { serdes } from '@rivulet/serde';
import { StreamsBuilder, type KTable } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/index.js';

const str = serdes.string();
const long = serdes.int64();
const float = serdes.float64();
interface User {
  region: string;
  name: string;
}
const userSerde = serdes.json<User>();
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function newBuilder(): StreamsBuilder {
  return new StreamsBuilder({ warn: () => undefined });
}

function users(b: StreamsBuilder): KTable<string, User> {
  return b.table('users', { key: str, value: userSerde, store: 'users' });
}

const moves: [string, User | null][] = [
  ['u1', { region: 'eu', name: 'Ann' }],
  ['u2', { region: 'eu', name: 'Bob' }],
  ['u3', { region: 'us', name: 'Cy' }],
  ['u1', { region: 'us', name: 'Ann' }], // moves eu -> us: subtract from eu, then add to us
  ['u2', null], // deleted: only subtracted
  ['u3', { region: 'us', name: 'Cyrus' }], // same group: one update, no intermediate result
];

function pipe(driver: TopologyTestDriver, rows: [string, User | null][]): void {
  const input = driver.createInputTopic('users', str, userSerde);
  rows.forEach(([key, value], i) => input.pipeInput(key, value, (i + 1) * 10));
}

describe('KTable.groupBy', () => {
  it('count(): a row that moves leaves its old group; a deletion is subtracted; counts stay at 0', () => {
    const b = newBuilder();
    users(b)
      .groupBy((_id, u) => [u.region, u], { key: str, value: userSerde, name: 'users-by-region' })
      .count({ store: 'users-per-region' })
      .toStream()
      .sink('out', { key: str, value: long });
    const topology = b.build();
    expect([...topology.internalTopicDefs().keys()]).toEqual(['users-by-region-repartition']);
    const driver = new TopologyTestDriver(topology, { logger: quiet });
    pipe(driver, moves);
    expect(driver.createOutputTopic('out', str, long).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['eu', 1n, 10],
      ['eu', 2n, 20],
      ['us', 1n, 30],
      ['eu', 1n, 40],
      ['us', 2n, 40],
      ['eu', 0n, 50],
      ['us', 2n, 60],
    ]);
    const store = driver.getKeyValueStore<string, bigint>('users-per-region');
    expect([...store.all()].map(({ key, value }) => [key, value])).toEqual([
      ['eu', 0n],
      ['us', 2n],
    ]);
    driver.close();
  });

  it('aggregate(): the subtractor sees the old row, the adder the new one, in that order', () => {
    const b = newBuilder();
    const calls: string[] = [];
    users(b)
      .groupBy((_id, u) => [u.region, u.name], { key: str, value: str, name: 'names-by-region' })
      .aggregate(
        () => [] as string[],
        (region, name, names) => {
          calls.push(`+${region}:${name}`);
          return [...names, name].sort();
        },
        (region, name, names) => {
          calls.push(`-${region}:${name}`);
          return names.filter((n) => n !== name);
        },
        { store: 'region-names', value: serdes.json<string[]>() },
      )
      .toStream()
      .sink('out', { key: str, value: serdes.json<string[]>() });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    pipe(driver, moves);
    expect(driver.createOutputTopic('out', str, serdes.json<string[]>()).readKeyValuesToList()).toEqual([
      ['eu', ['Ann']],
      ['eu', ['Ann', 'Bob']],
      ['us', ['Cy']],
      ['eu', ['Bob']],
      ['us', ['Ann', 'Cy']],
      ['eu', []],
      ['us', ['Ann', 'Cyrus']],
    ]);
    expect(calls).toEqual(['+eu:Ann', '+eu:Bob', '+us:Cy', '-eu:Ann', '+us:Ann', '-eu:Bob', '-us:Cy', '+us:Cyrus']);
    driver.close();
  });

  it('reduce(): totals per group follow updates; the first value of a group is its start', () => {
    const b = newBuilder();
    b.table('accounts', { key: str, value: serdes.json<{ branch: string; balance: number }>(), store: 'accounts' })
      .groupBy((_id, a) => [a.branch, a.balance], { key: str, value: float, name: 'balance-by-branch' })
      .reduce(
        (total, balance) => total + balance,
        (total, balance) => total - balance,
        { store: 'branch-balance' },
      )
      .toStream()
      .sink('out', { key: str, value: float });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    const input = driver.createInputTopic('accounts', str, serdes.json<{ branch: string; balance: number }>());
    input.pipeInput('a1', { branch: 'north', balance: 100 }, 1);
    input.pipeInput('a2', { branch: 'north', balance: 50 }, 2);
    input.pipeInput('a1', { branch: 'north', balance: 70 }, 3);
    input.pipeInput('a2', { branch: 'south', balance: 50 }, 4);
    input.pipeInput('a1', null, 5);
    expect(driver.createOutputTopic('out', str, float).readKeyValuesToList()).toEqual([
      ['north', 100],
      ['north', 150],
      ['north', 120],
      ['north', 70],
      ['south', 50],
      ['north', 0],
    ]);
    driver.close();
  });

  it('groups a derived table: filter and mapValues pass the old value on', () => {
    const b = newBuilder();
    users(b)
      .filter((_id, u) => u.name !== 'Bob')
      .mapValues((u) => u.region.toUpperCase())
      .groupBy((_id, region) => [region, region], { key: str, value: str, name: 'derived' })
      .count({ store: 'derived-counts' })
      .toStream()
      .sink('out', { key: str, value: long });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    pipe(driver, moves);
    const last = new Map(driver.createOutputTopic('out', str, long).readKeyValuesToList());
    expect(last).toEqual(
      new Map([
        ['EU', 0n],
        ['US', 2n],
      ]),
    );
    driver.close();
  });

  it('groups the result of a table-table join, whose updates carry the old join result', () => {
    const b = newBuilder();
    const regions = b.table('regions', { key: str, value: str, store: 'regions' });
    b.table('homes', { key: str, value: str, store: 'homes' })
      .join(regions, (home, region) => `${home}@${region}`, { name: 'home-regions' })
      .groupBy((_k, joined) => [joined.split('@')[1]!, joined], { key: str, value: str, name: 'by-joined-region' })
      .count({ store: 'joined-counts' })
      .toStream()
      .sink('out', { key: str, value: long });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    const homes = driver.createInputTopic('homes', str, str);
    const regionsIn = driver.createInputTopic('regions', str, str);
    homes.pipeInput('h1', 'x', 1);
    regionsIn.pipeInput('h1', 'eu', 2); // join result h1 -> x@eu
    regionsIn.pipeInput('h1', 'us', 3); // old result x@eu is subtracted, x@us added
    homes.pipeInput('h1', null, 4); // result deleted: subtracted
    expect(driver.createOutputTopic('out', str, long).readKeyValuesToList()).toEqual([
      ['eu', 1n],
      ['eu', 0n],
      ['us', 1n],
      ['us', 0n],
    ]);
    driver.close();
  });

  it('a row mapped to a null group key is dropped and counted', () => {
    const b = newBuilder();
    users(b)
      .groupBy((_id, u) => [u.region === 'none' ? (null as unknown as string) : u.region, u], { key: str, value: userSerde, name: 'nullable' })
      .count({ store: 'nullable-counts' })
      .toStream()
      .sink('out', { key: str, value: long });
    const driver = new TopologyTestDriver(b.build(), { logger: quiet });
    pipe(driver, [
      ['u1', { region: 'none', name: 'Ann' }],
      ['u1', { region: 'eu', name: 'Ann' }],
    ]);
    expect(driver.createOutputTopic('out', str, long).readKeyValuesToList()).toEqual([['eu', 1n]]);
    expect(driver.droppedRecords()).toEqual({ total: 2, byReason: { 'null-key-or-value': 2 } });
    driver.close();
  });

  it('needs a value serde for its repartition topic when the table has none', () => {
    const b = newBuilder();
    const t = b.table<string, User>('users', { store: 'users' });
    expect(() => t.groupBy((_id, u) => [u.region, u.name])).toThrow(/KTable.groupBy\(\).*value/);
  });
});
