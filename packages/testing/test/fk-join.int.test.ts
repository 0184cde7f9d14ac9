/**
 * Foreign-key table-table joins on the real broker: orders (3 partitions) joined with customers
 * (2 partitions) by the customer id in the order's value, inner and left, under exactly_once. The
 * subscription topic is co-partitioned with the customers and the response topic with the orders;
 * after inserts, foreign-key changes, null foreign keys and tombstones on both sides, the result
 * stores and the last value per key of the output topics are the join of the final tables.
 */
import { StreamsApp } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { brokers, createTopics, eventually, produce, readAll, uniqueName } from './support/broker.js';

const str = serdes.string();
const apps: StreamsApp[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** Order values are `item|customerId`; no bar: no customer (a null foreign key). */
const customerOf = (order: string): string | null => order.split('|')[1] ?? null;

type Table = Map<string, string>;

/** The join of the final tables, as Kafka Streams defines it: inner (rows with a customer) or left (every order). */
function expectedJoin(orders: Table, customers: Table, left: boolean): Table {
  const result = new Map<string, string>();
  for (const [id, order] of orders) {
    const fk = customerOf(order);
    const customer = fk === null ? undefined : customers.get(fk);
    if (customer !== undefined) result.set(id, `${order}+${customer}`);
    else if (left) result.set(id, `${order}+null`);
  }
  return result;
}

function apply(table: Table, records: readonly { key: string; value: string | null }[]): void {
  for (const r of records) {
    if (r.value === null) table.delete(r.key);
    else table.set(r.key, r.value);
  }
}

describe('foreign-key join on the broker', () => {
  it('joins orders (3 partitions) with customers (2 partitions) through updates and tombstones, inner and left', async () => {
    const ordersTopic = uniqueName('fk-orders');
    const customersTopic = uniqueName('fk-customers');
    const innerOut = uniqueName('fk-inner-out');
    const leftOut = uniqueName('fk-left-out');
    const applicationId = uniqueName('fk-join');
    await createTopics([
      { topic: ordersTopic, partitions: 3 },
      { topic: customersTopic, partitions: 2 },
      { topic: innerOut, partitions: 3 },
      { topic: leftOut, partitions: 3 },
    ]);

    const builder = new StreamsBuilder({ warn: () => undefined });
    const orders = builder.table(ordersTopic, { key: str, value: str, store: 'orders' });
    const customers = builder.table(customersTopic, { key: str, value: str, store: 'customers' });
    const joiner = (order: string, customer: string | null) => `${order}+${customer}`;
    orders.join(customers, customerOf, joiner, { name: 'fk-inner', store: 'inner-result', value: str }).toStream().sink(innerOut, { value: str });
    orders.leftJoin(customers, customerOf, joiner, { name: 'fk-left', store: 'left-result', value: str }).toStream().sink(leftOut, { value: str });
    const app = new StreamsApp(builder.build(), {
      applicationId,
      brokers: brokers(),
      processingGuarantee: 'exactly_once',
      commitIntervalMs: 200,
      logLevel: 'error',
      stateDir: `/tmp/rivulet-test-state/${applicationId}`,
    });
    apps.push(app);

    const orderIds = Array.from({ length: 30 }, (_, i) => `o${i}`);
    const finalOrders: Table = new Map();
    const finalCustomers: Table = new Map();
    const inner = app.store<string, string>('inner-result');
    const leftResult = app.store<string, string>('left-result');
    const converged = async (what: string) => {
      const wantInner = expectedJoin(finalOrders, finalCustomers, false);
      const wantLeft = expectedJoin(finalOrders, finalCustomers, true);
      await eventually(
        () => (orderIds.every((id) => inner.get(id) === wantInner.get(id) && leftResult.get(id) === wantLeft.get(id)) ? true : undefined),
        what,
      );
      return { wantInner, wantLeft };
    };

    await app.start();
    // Phase 1: customers c0..c5; orders referencing c0..c7 (c6, c7 do not exist yet), o29 none.
    const customers1 = Array.from({ length: 6 }, (_, i) => ({ key: `c${i}`, value: `Name${i}` }));
    const orders1 = orderIds.map((id, i) => ({ key: id, value: i === 29 ? `item${i}` : `item${i}|c${i % 8}` }));
    await produce(customersTopic, customers1);
    await produce(ordersTopic, orders1);
    apply(finalCustomers, customers1);
    apply(finalOrders, orders1);
    await converged('the results of the inserts');

    // Phase 2: foreign keys change (to an existing customer, to a missing one, to none), orders are
    // updated in place and deleted; customers are updated, deleted and added.
    const orders2 = [
      { key: 'o0', value: 'item0|c7' }, // c0 -> c7 (missing)
      { key: 'o1', value: 'item1|c2' }, // c1 -> c2
      { key: 'o2', value: null }, // deleted
      { key: 'o3', value: 'item3b|c3' }, // same customer, new value
      { key: 'o4', value: 'item4' }, // c4 -> no customer
      { key: 'o6', value: 'item6|c1' }, // c6 (missing) -> c1
      { key: 'o7', value: 'item7|c0' }, // c7 (missing) -> c0
      { key: 'o8', value: 'item8|c3' }, // c0 -> c3, then back
      { key: 'o8', value: 'item8|c0' },
      { key: 'o9', value: 'item9|c2' }, // c1 -> c2 -> c5 -> deleted
      { key: 'o9', value: 'item9|c5' },
      { key: 'o9', value: null },
      { key: 'o29', value: 'item29|c5' }, // none -> c5
      { key: 'o30', value: 'item30|c6' }, // a new order of a customer added below
      { key: 'o31', value: null }, // deleting an order that never existed
    ];
    const customers2 = [
      { key: 'c3', value: 'Name3b' }, // o3, o11, o19, o27, o8 (for a while) follow
      { key: 'c4', value: null }, // o12, o20, o28 lose their customer
      { key: 'c6', value: 'Name6' }, // o14, o22, o30 gain one
      { key: 'c5', value: 'Name5b' },
      { key: 'c1', value: null }, // deleted, then back
      { key: 'c1', value: 'Name1b' },
    ];
    orderIds.push('o30', 'o31');
    await produce(ordersTopic, orders2);
    await produce(customersTopic, customers2);
    apply(finalOrders, orders2);
    apply(finalCustomers, customers2);
    const { wantInner, wantLeft } = await converged('the results of the updates and tombstones');
    expect(wantInner.size).toBeGreaterThan(15);
    expect(wantLeft.size).toBe(29);

    // Each sub-topology has as many tasks as its table's topic has partitions: the subscription
    // topics took the customers' 2 partitions, the response topics the orders' 3.
    const tasks = app.metrics().tasks;
    expect(tasks.filter((t) => t.startsWith('0_')).sort()).toEqual(['0_0', '0_1', '0_2']);
    expect(tasks.filter((t) => t.startsWith('1_')).sort()).toEqual(['1_0', '1_1']);
    await app.close();

    // The output topics: the last value of each key is the final result (a tombstone for a row
    // without one), and every result row is there.
    for (const [topic, want] of [
      [innerOut, wantInner],
      [leftOut, wantLeft],
    ] as const) {
      const last = new Map<string, string | null>();
      for (const r of await readAll(topic)) last.set(r.key!, r.value);
      for (const [key, value] of last) expect([key, value]).toEqual([key, want.get(key) ?? null]);
      for (const [key, value] of want) expect([key, last.get(key)]).toEqual([key, value]);
    }
  });
});
