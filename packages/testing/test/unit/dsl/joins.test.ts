/**
 * Joins on the TopologyTestDriver: stream-table (inner, left), stream-stream within a join window
 * (inner, left, outer) and table-table (inner, left, outer), with exact outputs: keys, values and
 * timestamps, in order.
 */
import { serdes } from '@rivulet/serde';
import { JoinWindows, StreamsBuilder, type KStream, type KTable } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver, type TestOutputTopic } from '../../../src/index.js';

const str = serdes.string();

/** Records read from an output topic as [key, value, timestamp]. */
function read(topic: TestOutputTopic<string, string>): [string | null, string | null, number][] {
  return topic.readRecordsToList().map((r) => [r.key, r.value, r.timestamp]);
}

function builder(warnings: string[] = []): StreamsBuilder {
  return new StreamsBuilder({ warn: (m) => warnings.push(m) });
}

describe('stream-table join', () => {
  function setup(kind: 'join' | 'leftJoin') {
    const b = builder();
    const customers = b.table('customers', { key: str, value: str, store: 'customers' });
    const stream = b.source('orders', { key: str, value: str });
    const joined =
      kind === 'join'
        ? stream.join(customers, (order, customer) => `${order} by ${customer}`)
        : stream.leftJoin(customers, (order, customer) => `${order} by ${customer ?? 'nobody'}`);
    joined.sink('orders-out', { value: str });
    const topology = b.build();
    const driver = new TopologyTestDriver(topology);
    return {
      topology,
      driver,
      customers: driver.createInputTopic('customers', str, str),
      orders: driver.createInputTopic('orders', str, str),
      out: driver.createOutputTopic('orders-out', str, str),
    };
  }

  it('inner: joins each order with the customer as the table holds it then, and drops the rest', () => {
    const { customers, orders, out } = setup('join');
    orders.pipeInput('c1', 'o1', 10); // no customer yet: dropped
    customers.pipeInput('c1', 'Alice', 11);
    orders.pipeInput('c1', 'o2', 12);
    customers.pipeInput('c1', 'Alicia', 13); // a table update emits nothing
    orders.pipeInput('c1', 'o3', 9); // out of order: the table's current value, the order's timestamp
    customers.pipeInput('c1', null, 14); // tombstone: the customer is gone
    orders.pipeInput('c1', 'o4', 15);
    orders.pipeInput(null, 'o5', 16); // null key: dropped
    customers.pipeInput('c2', 'Bob', 17);
    orders.pipeInput('c2', null, 18); // null value: dropped
    orders.pipeInput('c2', 'o6', 19);
    expect(read(out)).toEqual([
      ['c1', 'o2 by Alice', 12],
      ['c1', 'o3 by Alicia', 9],
      ['c2', 'o6 by Bob', 19],
    ]);
  });

  it('left: joins every order, with null where the table has no row, and null keys with null (KIP-962)', () => {
    const { customers, orders, out } = setup('leftJoin');
    orders.pipeInput('c1', 'o1', 10);
    customers.pipeInput('c1', 'Alice', 11);
    orders.pipeInput('c1', 'o2', 12);
    customers.pipeInput('c1', null, 13);
    orders.pipeInput('c1', 'o3', 14);
    orders.pipeInput(null, 'o4', 15);
    orders.pipeInput('c1', null, 16); // null value: dropped
    expect(read(out)).toEqual([
      ['c1', 'o1 by nobody', 10],
      ['c1', 'o2 by Alice', 12],
      ['c1', 'o3 by nobody', 14],
      [null, 'o4 by nobody', 15],
    ]);
  });

  it('puts the join and the table source in one sub-topology whose topics form a co-partition group', () => {
    const { topology } = setup('join');
    const subs = topology.subTopologies();
    expect(subs).toHaveLength(1);
    expect(subs[0]!.copartitionGroups.map((g) => [...g].sort())).toEqual([['customers', 'orders']]);
  });

  it('repartitions a re-keyed stream through <applicationId>-<name>-repartition before the join', () => {
    const b = builder();
    const customers = b.table('customers', { key: str, value: str, store: 'customers' });
    b.source('orders', { key: str, value: serdes.json<{ customer: string; amount: number }>() })
      .selectKey((_id, order) => order.customer)
      .join(customers, (order, customer, key) => `${key}:${customer}:${order.amount}`, { name: 'orders-by-customer' })
      .sink('orders-out', { value: str });
    const topology = b.build();
    expect(b.warnings).toEqual([]);

    const text = topology.describe().toString();
    expect(text).toContain('Sink: orders-by-customer-repartition-sink');
    expect(text).toContain('(topic: orders-by-customer-repartition)');
    expect(text).toContain('(topics: [orders-by-customer-repartition])');
    expect(text).toContain('Processor: orders-by-customer (stores: [customers])');
    expect([...topology.internalTopicDefs().keys()]).toEqual(['orders-by-customer-repartition']);
    // The repartition topic splits the graph: the join reads it, co-partitioned with the table.
    const subs = topology.subTopologies();
    expect(subs).toHaveLength(2);
    expect(subs.map((s) => s.copartitionGroups.map((g) => [...g].sort()))).toEqual([[['customers', 'orders-by-customer-repartition']], []]);

    const driver = new TopologyTestDriver(topology, { applicationId: 'shop' });
    expect(driver.runner.topicName('orders-by-customer-repartition')).toBe('shop-orders-by-customer-repartition');
    driver.createInputTopic('customers', str, str).pipeInput('alice', 'Alice', 1);
    const input = driver.createInputTopic('orders', str, serdes.json<{ customer: string; amount: number }>());
    input.pipeInput('order-1', { customer: 'alice', amount: 30 }, 2);
    input.pipeInput('order-2', { customer: 'bob', amount: 5 }, 3);
    expect(read(driver.createOutputTopic('orders-out', str, str))).toEqual([['alice', 'alice:Alice:30', 2]]);
  });

  it('warns when the repartition topic of a join after a key change gets a generated name', () => {
    const warnings: string[] = [];
    const b = builder(warnings);
    const customers = b.table('customers', { key: str, value: str, store: 'customers' });
    b.source('orders', { key: str, value: str })
      .selectKey((_k, v) => v)
      .leftJoin(customers, (o, c) => `${o}/${c}`)
      .sink('out', { value: str });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^the repartition topic of a stream-table leftJoin\(\) has no name and got 'KSTREAM-JOIN-\d{10}'/);
    expect([...b.build().internalTopicDefs().keys()]).toEqual([warnings[0]!.match(/'(KSTREAM-JOIN-\d{10})'/)![1] + '-repartition']);
  });

  it('materializes a table without a store for the join, with a warning', () => {
    const warnings: string[] = [];
    const b = builder(warnings);
    const vip = b.table('customers', { key: str, value: str, store: 'customers' }).filter((_k, name) => name.startsWith('V'));
    b.source('orders', { key: str, value: str })
      .join(vip, (o, c) => `${o} for ${c}`)
      .sink('out', { value: str });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^the table of a stream-table join\(\) is not materialized, so the join materializes it; its store has no name/);
    const driver = new TopologyTestDriver(b.build());
    const customers = driver.createInputTopic('customers', str, str);
    const orders = driver.createInputTopic('orders', str, str);
    customers.pipeInput('c1', 'Vera', 1);
    customers.pipeInput('c2', 'Bob', 2);
    orders.pipeInput('c1', 'o1', 3);
    orders.pipeInput('c2', 'o2', 4);
    customers.pipeInput('c1', 'Vlad', 5);
    customers.pipeInput('c1', 'Carl', 6); // filtered out downstream: a tombstone for the join's store
    orders.pipeInput('c1', 'o3', 7);
    expect(read(driver.createOutputTopic('out', str, str))).toEqual([['c1', 'o1 for Vera', 3]]);
  });

  it('refuses a table of another builder', () => {
    const table = builder().table('customers', { key: str, value: str, store: 'customers' });
    const stream = builder().source('orders', { key: str, value: str });
    expect(() => stream.join(table, (o, c) => o + c)).toThrow(/one StreamsBuilder/);
  });
});

describe('stream-stream join', () => {
  type Kind = 'join' | 'leftJoin' | 'outerJoin';

  function setup(kind: Kind, windows: JoinWindows, named: { name?: string } = { name: 'lr' }) {
    const warnings: string[] = [];
    const b = builder(warnings);
    const left: KStream<string, string> = b.source('left', { key: str, value: str });
    const right: KStream<string, string> = b.source('right', { key: str, value: str });
    const joiner = (l: string | null, r: string | null) => `${l}+${r}`;
    const joined =
      kind === 'join'
        ? left.join(right, joiner, windows, named)
        : kind === 'leftJoin'
          ? left.leftJoin(right, joiner, windows, named)
          : left.outerJoin(right, joiner, windows, named);
    joined.sink('joined', { value: str });
    const topology = b.build();
    const driver = new TopologyTestDriver(topology);
    return {
      warnings,
      topology,
      left: driver.createInputTopic('left', str, str),
      right: driver.createInputTopic('right', str, str),
      out: driver.createOutputTopic('joined', str, str),
    };
  }

  it('inner: joins records of the same key within the time difference, either way, at the later timestamp', () => {
    const { left, right, out } = setup('join', JoinWindows.ofTimeDifferenceAndGrace(10, 5));
    left.pipeInput('k1', 'a', 100);
    right.pipeInput('k1', 'x', 105);
    right.pipeInput('k1', 'y', 111); // 11 ms after a: outside the window
    left.pipeInput('k1', 'b', 112); // within 10 ms of x and of y
    right.pipeInput('k2', 'z', 112); // no left record of k2
    left.pipeInput('k1', 'c', 104); // out of order, within grace: joins x and y
    right.pipeInput('k1', 'v', 90); // 10 ms before a (the bound is inclusive)
    left.pipeInput(null, 'n', 113); // null key: dropped
    left.pipeInput('k2', null, 113); // null value: dropped
    expect(read(out)).toEqual([
      ['k1', 'a+x', 105],
      ['k1', 'b+x', 112],
      ['k1', 'b+y', 112],
      ['k1', 'c+x', 105],
      ['k1', 'c+y', 111],
      ['k1', 'a+v', 100],
    ]);
  });

  it('inner: a record buffered longer than before + after + grace is gone', () => {
    const { left, right, out } = setup('join', JoinWindows.ofTimeDifferenceAndGrace(10, 5));
    left.pipeInput('k1', 'a', 100);
    left.pipeInput('k2', 'b', 125); // the left buffer's time: a (100) is expired at 125 - 25
    right.pipeInput('k1', 'x', 105); // 5 ms after a, but a is gone
    right.pipeInput('k2', 'y', 126);
    expect(read(out)).toEqual([['k2', 'b+y', 126]]);
  });

  it('left: emits a left record without a partner joined with null only once its window has closed', () => {
    const { left, right, out } = setup('leftJoin', JoinWindows.ofTimeDifferenceAndGrace(10, 5));
    left.pipeInput('k1', 'a', 100);
    right.pipeInput('k1', 'x', 105); // a found its partner: never emitted with null
    left.pipeInput('k2', 'b', 106);
    left.pipeInput('k3', 'c', 110);
    expect(read(out)).toEqual([['k1', 'a+x', 105]]);

    right.pipeInput('k9', 'q', 121); // b's window closes after 106 + 10 + 5 = 121: not yet
    expect(read(out)).toEqual([]);
    right.pipeInput('k9', 'q2', 122); // now b's has closed; c's (125) has not
    expect(read(out)).toEqual([['k2', 'b+null', 106]]);

    left.pipeInput('k2', 'b2', 104); // so late its window closed already: emitted at once
    left.pipeInput('k4', 'd', 115);
    right.pipeInput('k4', 'y', 108); // out of order, within d's window: joins, d leaves the buffer
    right.pipeInput('k3', 'z', 90); // outside c's window (20 ms before): c keeps waiting
    left.pipeInput('k5', 'e', 200); // closes c's and d's windows; e waits
    left.pipeInput(null, 'n', 201); // null key: joined with null at once (KIP-962)
    left.pipeInput('k6', null, 202); // null value: dropped
    right.pipeInput(null, 'r', 203); // null key on the inner side: dropped
    expect(read(out)).toEqual([
      ['k2', 'b2+null', 104],
      ['k4', 'd+y', 115],
      ['k3', 'c+null', 110],
      [null, 'n+null', 201],
    ]);
  });

  it('left: duplicates of one key and timestamp wait and are emitted each', () => {
    const { left, right, out } = setup('leftJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    left.pipeInput('k1', 'a', 100);
    left.pipeInput('k1', 'b', 100);
    right.pipeInput('k2', 'x', 111);
    expect(read(out)).toEqual([
      ['k1', 'a+null', 100],
      ['k1', 'b+null', 100],
    ]);
  });

  it('outer: emits records of either side without a partner joined with null once their windows close', () => {
    const { left, right, out } = setup('outerJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    left.pipeInput('k1', 'a', 100);
    right.pipeInput('k2', 'x', 103);
    left.pipeInput('k2', 'b', 104); // joins x, which leaves the buffer
    right.pipeInput('k3', 'y', 105);
    expect(read(out)).toEqual([['k2', 'b+x', 104]]);

    left.pipeInput('k9', 'z', 111); // a's window (100 + 10) has closed, y's (105 + 10) has not
    expect(read(out)).toEqual([['k1', 'a+null', 100]]);

    right.pipeInput('k9', 'w', 130); // y's and z's windows close first, then w (too far from z) waits
    right.pipeInput(null, 'r', 131); // null key on an outer side: joined with null at once
    left.pipeInput('k7', 'late', 95); // its window closed long ago: emitted at once
    expect(read(out)).toEqual([
      ['k3', 'null+y', 105],
      ['k9', 'z+null', 111],
      [null, 'null+r', 131],
      ['k7', 'late+null', 95],
    ]);
  });

  it('outer: an asymmetric window (before 0) joins right records only after the left one', () => {
    const { left, right, out } = setup('outerJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10).before(0));
    left.pipeInput('k1', 'a', 100);
    // Before a: no join. A right record joins left records up to 0 ms after it, so its window
    // ended at 99, before stream time (100): emitted at once.
    right.pipeInput('k1', 'early', 99);
    right.pipeInput('k1', 'x', 110); // 10 ms after a: joins
    right.pipeInput('k1', 'x2', 111); // 11 ms after a: waits for a left record up to 111 + 0
    left.pipeInput('k2', 'b', 120); // x2's window has closed
    expect(read(out)).toEqual([
      ['k1', 'null+early', 99],
      ['k1', 'a+x', 110],
      ['k1', 'null+x2', 111],
    ]);
  });

  it('keeps its buffers on disk (lmdb) when persistent, with the same results', async () => {
    const b = builder();
    const right = b.source('right', { key: str, value: str });
    b.source('left', { key: str, value: str })
      .leftJoin(right, (l, r) => `${l}+${r}`, JoinWindows.ofTimeDifferenceWithNoGrace(10), { name: 'disk', persistent: true })
      .sink('joined', { value: str });
    const topology = b.build();
    expect(topology.describe().toString()).toContain('Store: disk-this-join-store (persistent, changelog on)');
    const driver = await TopologyTestDriver.create(topology);
    const left = driver.createInputTopic('left', str, str);
    const rightInput = driver.createInputTopic('right', str, str);
    left.pipeInput('k1', 'a', 100);
    left.pipeInput('k2', 'b', 101);
    rightInput.pipeInput('k1', 'x', 105);
    rightInput.pipeInput('k3', 'y', 112);
    expect(read(driver.createOutputTopic('joined', str, str))).toEqual([
      ['k1', 'a+x', 105],
      ['k2', 'b+null', 101],
    ]);
    await driver.close();
  });

  it('names its stores after the join and buffers both sides', () => {
    const { topology } = setup('outerJoin', JoinWindows.ofTimeDifferenceWithNoGrace(10), { name: 'clicks' });
    expect([...topology.stores().keys()]).toEqual(['clicks-this-join-store', 'clicks-other-join-store', 'clicks-outer-shared-join-store']);
    const subs = topology.subTopologies();
    expect(subs).toHaveLength(1);
    expect(subs[0]!.copartitionGroups.map((g) => [...g].sort())).toEqual([
      ['left', 'right'],
      ['left', 'right'],
      ['left', 'right'],
    ]);
    const text = topology.describe().toString();
    expect(text).toContain('Processor: clicks-this-windowed (stores: [clicks-this-join-store])');
    expect(text).toContain('Processor: clicks-this-join (stores: [clicks-other-join-store, clicks-outer-shared-join-store])');
    expect(text).toContain('Processor: clicks-merge (stores: [])');
  });

  it('an inner join has no outer buffer; without a name its stores get generated names and a warning', () => {
    const { topology, warnings } = setup('join', JoinWindows.ofTimeDifferenceWithNoGrace(10), {});
    const stores = [...topology.stores().keys()];
    expect(stores).toHaveLength(2);
    expect(stores[0]).toMatch(/^KSTREAM-JOIN-\d{10}-this-join-store$/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^a stream-stream join\(\) \(its stores\) has no name and got 'KSTREAM-JOIN-\d{10}'/);
  });

  it('repartitions a re-keyed side through <applicationId>-<name>-left-repartition', () => {
    const b = builder();
    const views = b.source('views', { key: str, value: str }).selectKey((_k, user) => user);
    const clicks = b.source('clicks', { key: str, value: str });
    views.join(clicks, (v, c, user) => `${user}:${v}/${c}`, JoinWindows.ofTimeDifferenceWithNoGrace(100), { name: 'vc' }).sink('out', { value: str });
    const topology = b.build();
    expect([...topology.internalTopicDefs().keys()]).toEqual(['vc-left-repartition']);
    expect(topology.subTopologies().map((s) => s.copartitionGroups.map((g) => [...g].sort()))).toEqual([
      [],
      [
        ['clicks', 'vc-left-repartition'],
        ['clicks', 'vc-left-repartition'],
      ],
    ]);
    const driver = new TopologyTestDriver(topology, { applicationId: 'web' });
    expect(driver.runner.topicName('vc-left-repartition')).toBe('web-vc-left-repartition');
    driver.createInputTopic('views', str, str).pipeInput('page-1', 'ann', 10);
    driver.createInputTopic('clicks', str, str).pipeInput('ann', 'button', 20);
    expect(read(driver.createOutputTopic('out', str, str))).toEqual([['ann', 'ann:ann/button', 20]]);
  });

  it('needs JoinWindows and the serdes of its buffers', () => {
    const b = builder();
    const left = b.source('left', { key: str, value: str });
    const right = b.source('right', { key: str, value: str });
    expect(() => left.join(right, (l, r) => l + r, undefined as unknown as JoinWindows)).toThrow(/needs JoinWindows/);
    const mapped = left.mapValues((v) => v.length);
    expect(() => mapped.join(right, (l, r) => l + r, JoinWindows.ofTimeDifferenceWithNoGrace(5), { name: 'j' })).toThrow(
      /needs a serde for the value.*pass \{ value: serdes/,
    );
    expect(() => JoinWindows.ofTimeDifferenceAndGrace(-1, 0)).toThrow(RangeError);
    expect(() => JoinWindows.ofTimeDifferenceWithNoGrace(10).before(-11)).toThrow(/must be >= 0/);
  });
});

describe('table-table join', () => {
  type Kind = 'join' | 'leftJoin' | 'outerJoin';

  function setup(kind: Kind) {
    const b = builder();
    const users: KTable<string, string> = b.table('users', { key: str, value: str, store: 'users' });
    const addresses: KTable<string, string> = b.table('addresses', { key: str, value: str, store: 'addresses' });
    const options = { store: 'profiles', value: str };
    const joined =
      kind === 'join'
        ? users.join(addresses, (u, a) => `${u}@${a}`, options)
        : kind === 'leftJoin'
          ? users.leftJoin(addresses, (u, a) => `${u}@${a}`, options)
          : users.outerJoin(addresses, (u, a) => `${u}@${a}`, options);
    joined.toStream().sink('profiles', { value: str });
    const topology = b.build();
    const driver = new TopologyTestDriver(topology);
    return {
      topology,
      driver,
      users: driver.createInputTopic('users', str, str),
      addresses: driver.createInputTopic('addresses', str, str),
      out: driver.createOutputTopic('profiles', str, str),
      store: () => new Map([...driver.getKeyValueStore<string, string>('profiles').all()].map((e) => [e.key, e.value])),
    };
  }

  it('inner: a row where both tables have one; a deletion on either side deletes it', () => {
    const { users, addresses, out, store, topology } = setup('join');
    users.pipeInput('u1', 'Ann', 1); // no address yet
    addresses.pipeInput('u1', 'Paris', 2);
    users.pipeInput('u1', 'Anna', 3);
    expect(store()).toEqual(new Map([['u1', 'Anna@Paris']]));
    addresses.pipeInput('u1', null, 4); // tombstone: the result row goes
    users.pipeInput('u1', null, 5); // no address: there was no result row
    addresses.pipeInput('u2', 'Rome', 6);
    users.pipeInput('u2', null, 7); // an address but no user, and there was no result row: nothing, as in Kafka Streams
    users.pipeInput(null, 'Nobody', 8); // null key: dropped by the table
    expect(read(out)).toEqual([
      ['u1', 'Ann@Paris', 2],
      ['u1', 'Anna@Paris', 3],
      ['u1', null, 4],
    ]);
    expect(store()).toEqual(new Map());
    expect(topology.subTopologies()).toHaveLength(1);
    // Three stores meet both topics: each table's, and the result's.
    expect(topology.subTopologies()[0]!.copartitionGroups.map((g) => [...g].sort())).toEqual([
      ['addresses', 'users'],
      ['addresses', 'users'],
      ['addresses', 'users'],
    ]);
  });

  it('left: a row per left row, joined with null where the right has none', () => {
    const { users, addresses, out, store } = setup('leftJoin');
    users.pipeInput('u1', 'Ann', 1);
    addresses.pipeInput('u1', 'Paris', 2);
    addresses.pipeInput('u1', null, 3); // back to null on the right
    addresses.pipeInput('u2', 'Rome', 4); // no left row: nothing
    users.pipeInput('u2', 'Bob', 5);
    users.pipeInput('u1', null, 6); // the left row goes: the result row goes
    expect(read(out)).toEqual([
      ['u1', 'Ann@null', 1],
      ['u1', 'Ann@Paris', 2],
      ['u1', 'Ann@null', 3],
      ['u2', 'Bob@Rome', 5],
      ['u1', null, 6],
    ]);
    expect(store()).toEqual(new Map([['u2', 'Bob@Rome']]));
  });

  it('outer: a row where either table has one; deleted when both sides are', () => {
    const { users, addresses, out, store } = setup('outerJoin');
    addresses.pipeInput('u2', 'Rome', 1);
    users.pipeInput('u2', 'Bob', 2);
    users.pipeInput('u2', null, 3);
    users.pipeInput('u3', 'Cy', 4);
    addresses.pipeInput('u2', null, 5); // both sides gone: the result row goes
    expect(read(out)).toEqual([
      ['u2', 'null@Rome', 1],
      ['u2', 'Bob@Rome', 2],
      ['u2', 'null@Rome', 3],
      ['u3', 'Cy@null', 4],
      ['u2', null, 5],
    ]);
    expect(store()).toEqual(new Map([['u3', 'Cy@null']]));
  });

  it('joins a joined table again (the result materialized in its store) and reads it without a store', () => {
    const b = builder();
    const users = b.table('users', { key: str, value: str, store: 'users' });
    const addresses = b.table('addresses', { key: str, value: str, store: 'addresses' });
    const phones = b.table('phones', { key: str, value: str, store: 'phones' });
    users
      .join(addresses, (u, a) => `${u}@${a}`, { store: 'user-addresses', value: str })
      .leftJoin(phones, (ua, p) => `${ua}#${p ?? '-'}`)
      .toStream()
      .sink('contacts', { value: str });
    const driver = new TopologyTestDriver(b.build());
    driver.createInputTopic('users', str, str).pipeInput('u1', 'Ann', 1);
    driver.createInputTopic('phones', str, str).pipeInput('u1', '555', 2);
    driver.createInputTopic('addresses', str, str).pipeInput('u1', 'Paris', 3);
    expect(read(driver.createOutputTopic('contacts', str, str))).toEqual([['u1', 'Ann@Paris#555', 3]]);
  });
});
