/**
 * Foreign-key table-table joins (KIP-213) on the TopologyTestDriver: the cases of Kafka Streams'
 * KTableKTableForeignKeyJoinIntegrationTest (inner and left, result materialized or not, joined
 * again by key), with exact outputs: keys, values and timestamps, in order, and the result store.
 *
 * Left values are `lhsValueN|rhsN`: the foreign key is the part after the bar (none: null).
 */
import { serdes } from '@rivulet/serde';
import { StreamsBuilder, type KTable } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver, type TestInputTopic, type TestOutputTopic } from '../../../src/index.js';

const str = serdes.string();

/** Records read from an output topic as [key, value, timestamp]. */
function read(topic: TestOutputTopic<string, string>): [string | null, string | null, number][] {
  return topic.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]);
}

const extractor = (value: string): string | null => {
  const parts = value.split('|');
  return parts.length === 2 ? parts[1]! : null;
};
const joiner = (left: string, right: string | null): string => `(${left},${right})`;

interface Setup {
  left: TestInputTopic<string, string>;
  right: TestInputTopic<string, string>;
  out: TestOutputTopic<string, string>;
  rejoined: TestOutputTopic<string, string>;
  /** The result store's rows (materialized runs only). */
  store: () => Record<string, string>;
  driver: TopologyTestDriver;
  warnings: string[];
}

function setup(kind: 'join' | 'leftJoin', materialized: boolean, fk: (value: string) => string | null = extractor): Setup {
  const warnings: string[] = [];
  const b = new StreamsBuilder({ warn: (m) => warnings.push(m) });
  const left: KTable<string, string> = b.table('left-table', { key: str, value: str, store: 'left' });
  const right: KTable<string, string> = b.table('right-table', { key: str, value: str, store: 'right' });
  const options = { name: 'fk', value: str, ...(materialized ? { store: 'store' } : {}) };
  const joined = kind === 'join' ? left.join(right, fk, joiner, options) : left.leftJoin(right, fk, joiner, options);
  joined.toStream().sink('output', { value: str });
  // A downstream key join of the result: the result is a table like any other.
  const rejoin = (result: string | null, l: string | null): string => `rejoin(${result},${l})`;
  (kind === 'join' ? joined.join(left, rejoin, { name: 'rejoin', store: 'rejoin-store', value: str }) : joined.leftJoin(left, rejoin, { name: 'rejoin', store: 'rejoin-store', value: str }))
    .toStream()
    .sink('rejoin-output', { value: str });
  const driver = new TopologyTestDriver(b.build());
  return {
    left: driver.createInputTopic('left-table', str, str),
    right: driver.createInputTopic('right-table', str, str),
    out: driver.createOutputTopic('output', str, str),
    rejoined: driver.createOutputTopic('rejoin-output', str, str),
    store: () => Object.fromEntries([...driver.getKeyValueStore<string, string>('store').all()].map((e) => [e.key, e.value])),
    driver,
    warnings,
  };
}

const cases = [
  { kind: 'join', materialized: true },
  { kind: 'join', materialized: false },
  { kind: 'leftJoin', materialized: true },
  { kind: 'leftJoin', materialized: false },
] as const;

describe.each(cases)('foreign-key $kind (result materialized: $materialized)', ({ kind, materialized }) => {
  const left = kind === 'leftJoin';

  it('joins from the left, then a left deletion deletes the result row', () => {
    const t = setup(kind, materialized);
    t.right.pipeInput('rhs1', 'rhsValue1', 0);
    t.right.pipeInput('rhs2', 'rhsValue2', 1);
    t.right.pipeInput('rhs3', 'rhsValue3', 2); // referenced by nothing: in no result
    expect(read(t.out)).toEqual([]);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs1', 3);
    t.left.pipeInput('lhs2', 'lhsValue2|rhs2', 4);
    expect(read(t.out)).toEqual([
      ['lhs1', '(lhsValue1|rhs1,rhsValue1)', 3],
      ['lhs2', '(lhsValue2|rhs2,rhsValue2)', 4],
    ]);
    expect(read(t.rejoined)).toEqual([
      ['lhs1', 'rejoin((lhsValue1|rhs1,rhsValue1),lhsValue1|rhs1)', 3],
      ['lhs2', 'rejoin((lhsValue2|rhs2,rhsValue2),lhsValue2|rhs2)', 4],
    ]);
    // Another reference to an existing foreign key.
    t.left.pipeInput('lhs3', 'lhsValue3|rhs1', 5);
    expect(read(t.out)).toEqual([['lhs3', '(lhsValue3|rhs1,rhsValue1)', 5]]);
    t.left.pipeInput('lhs1', null, 6);
    expect(read(t.out)).toEqual([['lhs1', null, 6]]);
    expect(read(t.rejoined)).toContainEqual(['lhs1', null, 6]);
    if (materialized) {
      expect(t.store()).toEqual({ lhs2: '(lhsValue2|rhs2,rhsValue2)', lhs3: '(lhsValue3|rhs1,rhsValue1)' });
    }
  });

  it('follows a foreign key change and its revert (the old foreign key is unsubscribed)', () => {
    const t = setup(kind, materialized);
    t.right.pipeInput('rhs1', 'rhsValue1', 0);
    t.right.pipeInput('rhs2', 'rhsValue2', 1);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs1', 3);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs2', 5);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs1', 6);
    expect(read(t.out)).toEqual([
      ['lhs1', '(lhsValue1|rhs1,rhsValue1)', 3],
      ['lhs1', '(lhsValue1|rhs2,rhsValue2)', 5],
      ['lhs1', '(lhsValue1|rhs1,rhsValue1)', 6],
    ]);
    expect(subscriptionKeys(t.driver)).toEqual(['rhs1/lhs1']);
    // rhs2 is no longer referenced: its update reaches no row.
    t.right.pipeInput('rhs2', 'rhsValue2Delta', 7);
    expect(read(t.out)).toEqual([]);
    // rhs1 is: its update reaches lhs1, with the right update's timestamp.
    t.right.pipeInput('rhs1', 'rhsValue1Delta', 8);
    expect(read(t.out)).toEqual([['lhs1', '(lhsValue1|rhs1,rhsValue1Delta)', 8]]);
  });

  it('keeps the foreign key on a value update: one result, with the new left value', () => {
    const t = setup(kind, materialized);
    t.right.pipeInput('rhs1', 'rhsValue1', 0);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs1', 3);
    t.left.pipeInput('lhs1', 'lhsValue1b|rhs1', 4);
    expect(read(t.out)).toEqual([
      ['lhs1', '(lhsValue1|rhs1,rhsValue1)', 3],
      ['lhs1', '(lhsValue1b|rhs1,rhsValue1)', 4],
    ]);
    const subscriptions = [...t.driver.getKeyValueStore<Buffer, Buffer>('fk-subscription-store').all()];
    expect(subscriptions.map((e) => e.key.toString('latin1'))).toEqual(['\0\0\0\u0004rhs1lhs1']);
  });

  it('fans a right update out to every left row referencing it; a right deletion deletes (inner) or nulls (left) them', () => {
    const t = setup(kind, materialized);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs1', 0);
    t.left.pipeInput('lhs2', 'lhsValue2|rhs2', 1);
    t.left.pipeInput('lhs3', 'lhsValue3|rhs1', 2);
    expect(read(t.out)).toEqual(
      left
        ? [
            ['lhs1', '(lhsValue1|rhs1,null)', 0],
            ['lhs2', '(lhsValue2|rhs2,null)', 1],
            ['lhs3', '(lhsValue3|rhs1,null)', 2],
          ]
        : [],
    );
    t.right.pipeInput('rhs1', 'rhsValue1', 3);
    expect(read(t.out)).toEqual([
      ['lhs1', '(lhsValue1|rhs1,rhsValue1)', 3],
      ['lhs3', '(lhsValue3|rhs1,rhsValue1)', 3],
    ]);
    t.right.pipeInput('rhs2', 'rhsValue2', 4);
    expect(read(t.out)).toEqual([['lhs2', '(lhsValue2|rhs2,rhsValue2)', 4]]);
    t.right.pipeInput('rhs3', 'rhsValue3', 5); // referenced by nothing
    expect(read(t.out)).toEqual([]);
    t.right.pipeInput('rhs1', null, 6);
    expect(read(t.out)).toEqual([
      ['lhs1', left ? '(lhsValue1|rhs1,null)' : null, 6],
      ['lhs3', left ? '(lhsValue3|rhs1,null)' : null, 6],
    ]);
    if (materialized) {
      expect(t.store()).toEqual(
        left
          ? { lhs1: '(lhsValue1|rhs1,null)', lhs2: '(lhsValue2|rhs2,rhsValue2)', lhs3: '(lhsValue3|rhs1,null)' }
          : { lhs2: '(lhsValue2|rhs2,rhsValue2)' },
      );
    }
  });

  it('emits a tombstone when a row that never joined is deleted, and nothing when deleting it again', () => {
    const t = setup(kind, materialized);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs1', 0);
    expect(read(t.out)).toEqual(left ? [['lhs1', '(lhsValue1|rhs1,null)', 0]] : []);
    // Inner: an unnecessary tombstone (whether a result existed is not known); left: a needed one.
    t.left.pipeInput('lhs1', null, 1);
    expect(read(t.out)).toEqual([['lhs1', null, 1]]);
    t.left.pipeInput('lhs1', null, 2);
    expect(read(t.out)).toEqual([]);
    if (materialized) expect(t.store()).toEqual({});
  });

  it('emits nothing for the deletion of a row that never existed', () => {
    const t = setup(kind, materialized);
    t.left.pipeInput('lhs1', null, 0);
    expect(read(t.out)).toEqual([]);
  });

  it('moves between foreign keys without a right row: tombstones (inner) or null joins (left), then joins an existing one', () => {
    const t = setup(kind, materialized);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs1', 0);
    expect(read(t.out)).toEqual(left ? [['lhs1', '(lhsValue1|rhs1,null)', 0]] : []);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs2', 1);
    expect(read(t.out)).toEqual([['lhs1', left ? '(lhsValue1|rhs2,null)' : null, 1]]);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs3', 2);
    expect(read(t.out)).toEqual([['lhs1', left ? '(lhsValue1|rhs3,null)' : null, 2]]);
    // rhs1 was referenced once, not now: no change.
    t.right.pipeInput('rhs1', 'rhsValue1', 3);
    expect(read(t.out)).toEqual([]);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs1', 4);
    expect(read(t.out)).toEqual([['lhs1', '(lhsValue1|rhs1,rhsValue1)', 4]]);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs2', 5);
    expect(read(t.out)).toEqual([['lhs1', left ? '(lhsValue1|rhs2,null)' : null, 5]]);
    if (materialized) expect(t.store()).toEqual(left ? { lhs1: '(lhsValue1|rhs2,null)' } : {});
  });

  it('a null foreign key: dropped and counted (inner, deleting an earlier result) or joined with null (left, KIP-962)', () => {
    const t = setup(kind, materialized);
    t.right.pipeInput('rhs1', 'rhsValue1', 0);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs1', 1);
    t.left.pipeInput('lhs1', 'lhsValue1', 2); // no foreign key
    t.left.pipeInput('lhs2', 'lhsValue2', 3); // no foreign key, never joined
    expect(read(t.out)).toEqual(
      left
        ? [
            ['lhs1', '(lhsValue1|rhs1,rhsValue1)', 1],
            ['lhs1', '(lhsValue1,null)', 2],
            ['lhs2', '(lhsValue2,null)', 3],
          ]
        : [
            ['lhs1', '(lhsValue1|rhs1,rhsValue1)', 1],
            ['lhs1', null, 2],
          ],
    );
    expect(t.driver.droppedRecords()).toEqual(left ? { total: 0, byReason: {} } : { total: 2, byReason: { 'null-key-or-value': 2 } });
    // The old subscription is gone: rhs1's update reaches nobody.
    t.right.pipeInput('rhs1', 'rhsValue1Delta', 4);
    expect(read(t.out)).toEqual([]);
    expect([...t.driver.getKeyValueStore<Buffer, Buffer>('fk-subscription-store').all()]).toEqual([]);
  });

  it('unsubscribes the old foreign key when the left row moves to another', () => {
    const t = setup(kind, materialized);
    t.right.pipeInput('rhs1', 'rhsValue1', 0);
    t.right.pipeInput('rhs2', 'rhsValue2', 1);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs1', 2);
    t.left.pipeInput('lhs1', 'lhsValue1|rhs2', 3);
    expect(read(t.out)).toEqual([
      ['lhs1', '(lhsValue1|rhs1,rhsValue1)', 2],
      ['lhs1', '(lhsValue1|rhs2,rhsValue2)', 3],
    ]);
    // Only the new subscription is left (a stale one would also be answered, and dropped by the hash check).
    expect(subscriptionKeys(t.driver)).toEqual(['rhs2/lhs1']);
    t.right.pipeInput('rhs1', 'rhsValue1Delta', 4);
    expect(read(t.out)).toEqual([]);
    if (materialized) expect(t.store()).toEqual({ lhs1: '(lhsValue1|rhs2,rhsValue2)' });
    t.left.pipeInput('lhs1', null, 5);
    expect(read(t.out)).toEqual([['lhs1', null, 5]]);
    expect(subscriptionKeys(t.driver)).toEqual([]);
  });
});

/** The subscription store's keys as `foreignKey/primaryKey` (string keys). */
function subscriptionKeys(driver: TopologyTestDriver, store = 'fk-subscription-store'): string[] {
  return [...driver.getKeyValueStore<Buffer, Buffer>(store).all()].map((e) => {
    const length = e.key.readInt32BE(0);
    return `${e.key.subarray(4, 4 + length).toString()}/${e.key.subarray(4 + length).toString()}`;
  });
}

describe.each(['join', 'leftJoin'] as const)('foreign-key %s of versioned tables (KIP-914)', (kind) => {
  it('ignores out-of-order updates of either side; newer ones join', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    const versioned = { historyRetentionMs: 300_000 };
    const lhs = b.table('left-table', { key: str, value: str, store: 'left', versioned });
    const rhs = b.table('right-table', { key: str, value: str, store: 'right', versioned });
    const options = { name: 'fk', store: 'store', value: str };
    (kind === 'join' ? lhs.join(rhs, extractor, joiner, options) : lhs.leftJoin(rhs, extractor, joiner, options)).toStream().sink('output', { value: str });
    const driver = new TopologyTestDriver(b.build());
    const left = driver.createInputTopic('left-table', str, str);
    const right = driver.createInputTopic('right-table', str, str);
    const out = driver.createOutputTopic('output', str, str);
    const store = () => Object.fromEntries([...driver.getKeyValueStore<string, string>('store').all()].map((e) => [e.key, e.value]));
    const changes = () => read(out).map(([key, value]) => [key, value]);

    right.pipeInput('rhs1', 'rhsValue1', 4);
    left.pipeInput('lhs1', 'lhsValue1|rhs1', 3);
    left.pipeInput('lhs2', 'lhsValue2|rhs1', 5);
    expect(changes()).toEqual([
      ['lhs1', '(lhsValue1|rhs1,rhsValue1)'],
      ['lhs2', '(lhsValue2|rhs1,rhsValue1)'],
    ]);
    left.pipeInput('lhs2', null, 6);
    expect(changes()).toEqual([['lhs2', null]]);
    // Out of order on the left (older than the latest version, tombstone included): no result.
    left.pipeInput('lhs1', 'lhsValue1_ooo|rhs1', 2);
    left.pipeInput('lhs2', 'lhsValue2_ooo|rhs1', 2);
    left.pipeInput('lhs1', null, 2);
    expect(changes()).toEqual([]);
    expect(store()).toEqual({ lhs1: '(lhsValue1|rhs1,rhsValue1)' });
    left.pipeInput('lhs1', 'lhsValue1_new|rhs1', 8);
    left.pipeInput('lhs2', 'lhsValue2_new|rhs1', 8);
    expect(changes()).toEqual([
      ['lhs1', '(lhsValue1_new|rhs1,rhsValue1)'],
      ['lhs2', '(lhsValue2_new|rhs1,rhsValue1)'],
    ]);
    // Out of order on the right: no result either.
    right.pipeInput('rhs1', 'rhsValue1_ooo', 1);
    right.pipeInput('rhs1', null, 1);
    expect(changes()).toEqual([]);
    right.pipeInput('rhs1', 'rhsValue1_new', 6);
    expect(changes()).toEqual([
      ['lhs1', '(lhsValue1_new|rhs1,rhsValue1_new)'],
      ['lhs2', '(lhsValue2_new|rhs1,rhsValue1_new)'],
    ]);
    expect(store()).toEqual({ lhs1: '(lhsValue1_new|rhs1,rhsValue1_new)', lhs2: '(lhsValue2_new|rhs1,rhsValue1_new)' });
  });
});

describe('foreign-key join: layout and options', () => {
  it('shouldEmitRecordWhenOldAndNewFkDiffer: a left join to a null foreign key removes the old subscription', () => {
    const t = setup('leftJoin', true, (v) => (v.split('|')[1] === 'returnNull' ? null : v.split('|')[1]!));
    t.left.pipeInput('lhs1', 'lhsValue1|rhs1', 0);
    const subscriptions = () => [...t.driver.getKeyValueStore<Buffer, Buffer>('fk-subscription-store').all()].map((e) => e.key.toString('latin1'));
    expect(subscriptions()).toEqual(['\0\0\0\u0004rhs1lhs1']);
    t.left.pipeInput('lhs1', 'lhsValue1|returnNull', 0);
    expect(read(t.out)).toEqual([
      ['lhs1', '(lhsValue1|rhs1,null)', 0],
      ['lhs1', '(lhsValue1|returnNull,null)', 0],
    ]);
    expect(t.store()).toEqual({ lhs1: '(lhsValue1|returnNull,null)' });
    expect(subscriptions()).toEqual([]);
  });

  it('names its topics, store and nodes after the join, and co-partitions each internal topic with the table it meets', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    const left = b.table('orders', { key: str, value: str, store: 'orders' });
    const right = b.table('customers', { key: str, value: str, store: 'customers' });
    left.join(right, extractor, joiner, { name: 'order-customer' }).toStream().sink('out', { value: str });
    const topology = b.build();
    expect(b.warnings).toEqual([]);
    expect([...topology.internalTopicDefs().keys()]).toEqual([
      'order-customer-subscription-registration-topic',
      'order-customer-subscription-response-topic',
    ]);
    const text = topology.describe().toString();
    expect(text).toContain('Processor: order-customer-subscription-receive (stores: [order-customer-subscription-store, customers])');
    expect(text).toContain('Processor: order-customer-foreign-join-subscription (stores: [order-customer-subscription-store])');
    expect(text).toContain('Processor: order-customer-subscription-response-resolver (stores: [orders])');
    const groups = topology.subTopologies().flatMap((s) => s.copartitionGroups.map((g) => [...g].sort()));
    expect(groups).toContainEqual(['customers', 'order-customer-subscription-registration-topic']);
    expect(groups).toContainEqual(['order-customer-subscription-response-topic', 'orders']);
    const driver = new TopologyTestDriver(topology, { applicationId: 'shop' });
    expect(driver.runner.topicName('order-customer-subscription-registration-topic')).toBe('shop-order-customer-subscription-registration-topic');
  });

  it('warns about a generated name, and materializes an unmaterialized table with a warning', () => {
    const warnings: string[] = [];
    const b = new StreamsBuilder({ warn: (m) => warnings.push(m) });
    const left = b.table('l', { key: str, value: str, store: 'l' }).mapValues((v) => v.toUpperCase(), { value: str });
    const right = b.table('r', { key: str, value: str, store: 'r' });
    left.join(right, (v) => v.split('|')[1] ?? null, joiner).toStream().sink('out', { value: str });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^a foreign-key join\(\) \(its internal topics and subscription store\) has no name and got 'KTABLE-FK-JOIN-\d+'/);
    expect(warnings[1]).toMatch(/^the left table of foreign-key join 'KTABLE-FK-JOIN-\d+' is not materialized, so the join materializes it/);
    const driver = new TopologyTestDriver(b.build());
    driver.createInputTopic('r', str, str).pipeInput('RHS1', 'right', 0);
    const input = driver.createInputTopic('l', str, str);
    input.pipeInput('k', 'v|rhs1', 1);
    input.pipeInput('k', 'w|rhs1', 2);
    input.pipeInput('k', 'w|rhs2', 3);
    expect(read(driver.createOutputTopic('out', str, str))).toEqual([
      ['k', '(V|RHS1,right)', 1],
      ['k', '(W|RHS1,right)', 2],
      ['k', null, 3],
    ]);
  });

  it('needs the serdes of both tables: names the option when a type is unknown', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    const left = b.table('l', { key: str, value: str, store: 'l' });
    const right = b.table('r', { key: str, value: str, store: 'r' }).mapValues((v) => v.length);
    expect(() => left.join(right, extractor, (l, n) => `${l}${n}`, { name: 'x' })).toThrow(/pass \{ otherValue: serdes\.<type>\(\) \}/);
    const ok = left.join(right, extractor, (l, n) => `${l}:${n}`, { name: 'y', otherValue: serdes.int32(), value: str });
    ok.toStream().sink('out', { value: str });
    const driver = new TopologyTestDriver(b.build());
    driver.createInputTopic('r', str, str).pipeInput('rhs1', 'abc', 0);
    driver.createInputTopic('l', str, str).pipeInput('k', 'v|rhs1', 1);
    expect(read(driver.createOutputTopic('out', str, str))).toEqual([['k', 'v|rhs1:3', 1]]);
  });

  it('keeps the key-based join and leftJoin (the joiner gets the key)', () => {
    const b = new StreamsBuilder({ warn: () => undefined });
    const users = b.table('users', { key: str, value: str, store: 'users' });
    const addresses = b.table('addresses', { key: str, value: str, store: 'addresses' });
    users.join(addresses, (u, a, k) => `${k}:${u}@${a}`).toStream().sink('inner', { value: str });
    users.leftJoin(addresses, (u, a, k) => `${k}:${u}@${a}`, { store: 'left-profiles', value: str }).toStream().sink('left', { value: str });
    const driver = new TopologyTestDriver(b.build());
    driver.createInputTopic('addresses', str, str).pipeInput('u1', 'Paris', 0);
    driver.createInputTopic('users', str, str).pipeInput('u1', 'Ann', 1);
    expect(read(driver.createOutputTopic('inner', str, str))).toEqual([['u1', 'u1:Ann@Paris', 1]]);
    expect(read(driver.createOutputTopic('left', str, str))).toEqual([['u1', 'u1:Ann@Paris', 1]]);
  });
});
