/**
 * Joins on the real broker: the runtime refuses to start a join whose topics are not
 * co-partitioned, and a stream-table join through a repartition topic and a stream-stream join
 * produce under exactly_once what the TopologyTestDriver produces for the same input.
 */
import { StreamsApp, TopologyError, type Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { JoinWindows, StreamsBuilder } from '@rivulet/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../src/index.js';
import { brokers, createTopics, eventually, produce, readAll, uniqueName } from './support/broker.js';

const str = serdes.string();
const apps: StreamsApp[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function newApp(topology: Topology, applicationId: string): StreamsApp {
  const app = new StreamsApp(topology, {
    applicationId,
    brokers: brokers(),
    processingGuarantee: 'exactly_once',
    logLevel: 'error',
    stateDir: `/tmp/rivulet-test-state/${applicationId}`,
  });
  apps.push(app);
  return app;
}

/** Orders (value `customer:amount`) re-keyed by customer and joined with the customers table. */
function ordersByCustomer(orders: string, customers: string, out: string, rekey: boolean): Topology {
  const builder = new StreamsBuilder({ warn: () => undefined });
  const table = builder.table(customers, { key: str, value: str, store: 'customers' });
  const stream = builder.source(orders, { key: str, value: str });
  const keyed = rekey ? stream.selectKey((_id, order) => order.split(':')[0]!) : stream;
  keyed
    .join(table, (order, customer, key) => `${key}/${customer}/${order.split(':')[1]}`, { name: 'orders-by-customer' })
    .sink(out, { value: str });
  return builder.build();
}

describe('joins on the broker', () => {
  it('refuses to start a stream-table join of topics with 2 and 3 partitions, naming both', async () => {
    const orders = uniqueName('orders');
    const customers = uniqueName('customers');
    const out = uniqueName('enriched');
    await createTopics([
      { topic: orders, partitions: 2 },
      { topic: customers, partitions: 3 },
      { topic: out, partitions: 2 },
    ]);
    const app = newApp(ordersByCustomer(orders, customers, out, false), uniqueName('copartition'));
    const error = await app.start().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TopologyError);
    const message = (error as Error).message;
    expect(message).toContain('must be co-partitioned');
    expect(message).toContain(`${orders} (2)`);
    expect(message).toContain(`${customers} (3)`);
    expect(app.state).not.toBe('RUNNING');
  });

  it('sizes a repartition topic before a join to the partitions of the table it joins', async () => {
    const orders = uniqueName('orders');
    const customers = uniqueName('customers');
    const out = uniqueName('enriched');
    const applicationId = uniqueName('sized-repartition');
    await createTopics([
      { topic: orders, partitions: 2 },
      { topic: customers, partitions: 3 },
      { topic: out, partitions: 3 },
    ]);
    await produce(customers, [{ key: 'c1', value: 'Ada' }]);
    const app = newApp(ordersByCustomer(orders, customers, out, true), applicationId);
    await app.start();
    const table = app.store<string, string>('customers');
    await eventually(() => (table.get('c1') === 'Ada' ? true : undefined), 'the customers table');
    await produce(orders, [{ key: 'o1', value: 'c1:5' }]);
    await eventually(async () => ((await readAll(out)).length >= 1 ? true : undefined), 'a joined record');
    expect((await readAll(out)).map((r) => r.value)).toEqual(['c1/Ada/5']);
    // The join's sub-topology (0) runs 3 tasks, like the customers table: its repartition topic got
    // 3 partitions, not the 2 of the orders stream that writes it (sub-topology 1).
    const tasks = app.metrics().tasks;
    expect(tasks.filter((t) => t.startsWith('0_')).sort()).toEqual(['0_0', '0_1', '0_2']);
    expect(tasks.filter((t) => t.startsWith('1_')).sort()).toEqual(['1_0', '1_1']);
  });

  it('joins through a repartition topic under exactly_once as the TopologyTestDriver does', async () => {
    const orders = uniqueName('orders');
    const customers = uniqueName('customers');
    const out = uniqueName('enriched');
    const applicationId = uniqueName('orders-by-customer');
    await createTopics([
      { topic: orders, partitions: 2 },
      { topic: customers, partitions: 2 },
      { topic: out, partitions: 2 },
    ]);
    const customerRecords = Array.from({ length: 10 }, (_, i) => ({ key: `c${i}`, value: `Name${i}` }));
    // Customers c10 and c11 do not exist: their orders are dropped by the inner join.
    const orderRecords = Array.from({ length: 48 }, (_, i) => ({ key: `o${i}`, value: `c${i % 12}:${i * 10}` }));

    const driver = new TopologyTestDriver(ordersByCustomer(orders, customers, out, true), { applicationId });
    const tableInput = driver.createInputTopic(customers, str, str);
    for (const r of customerRecords) tableInput.pipeInput(r.key, r.value);
    const orderInput = driver.createInputTopic(orders, str, str);
    for (const r of orderRecords) orderInput.pipeInput(r.key, r.value);
    const expected = driver.createOutputTopic(out, str, str).readKeyValuesToList();
    expect(expected).toHaveLength(40);
    await driver.close();

    const topology = ordersByCustomer(orders, customers, out, true);
    await produce(customers, customerRecords);
    const app = newApp(topology, applicationId);
    await app.start();
    // The table first: a stream record joins the table as it is when the record is processed.
    const table = app.store<string, string>('customers');
    await eventually(() => (customerRecords.every((r) => table.get(r.key) === r.value) ? true : undefined), 'the customers table');
    await produce(orders, orderRecords);
    await eventually(async () => ((await readAll(out)).length >= expected.length ? true : undefined), `${expected.length} joined records`);
    await app.close();

    const actual = await readAll(out);
    const sorted = (list: readonly (readonly [string | null, string | null])[]) => list.map(([k, v]) => `${k}=${v}`).sort();
    expect(sorted(actual.map((r) => [r.key, r.value] as const))).toEqual(sorted(expected));
    // The repartition topic brought each customer's orders (read from both order partitions) to
    // the task of the customer's partition: one output partition per customer.
    for (const customer of new Set(actual.map((r) => r.key))) {
      expect(new Set(actual.filter((r) => r.key === customer).map((r) => r.partition)).size).toBe(1);
    }
  });

  it('joins two streams within a window under exactly_once as the TopologyTestDriver does', async () => {
    const views = uniqueName('views');
    const clicks = uniqueName('clicks');
    const out = uniqueName('view-clicks');
    const applicationId = uniqueName('view-clicks');
    await createTopics([
      { topic: views, partitions: 2 },
      { topic: clicks, partitions: 2 },
      { topic: out, partitions: 2 },
    ]);
    const topology = () => {
      const builder = new StreamsBuilder({ warn: () => undefined });
      const right = builder.source(clicks, { key: str, value: str });
      builder
        .source(views, { key: str, value: str })
        // An hour: every record of this test, produced within seconds, is in every other's window.
        .join(right, (view, click) => `${view}+${click}`, JoinWindows.ofTimeDifferenceWithNoGrace(3_600_000), { name: 'view-clicks' })
        .sink(out, { value: str });
      return builder.build();
    };
    const viewRecords = Array.from({ length: 18 }, (_, i) => ({ key: `u${i % 6}`, value: `view${i}` }));
    const clickRecords = Array.from({ length: 16 }, (_, i) => ({ key: `u${i % 8}`, value: `click${i}` }));

    // An inner join's results do not depend on how the two topics interleave: compare as sets.
    const driver = new TopologyTestDriver(topology(), { applicationId });
    const viewInput = driver.createInputTopic(views, str, str);
    const clickInput = driver.createInputTopic(clicks, str, str);
    for (const r of viewRecords) viewInput.pipeInput(r.key, r.value);
    for (const r of clickRecords) clickInput.pipeInput(r.key, r.value);
    const expected = driver.createOutputTopic(out, str, str).readKeyValuesToList();
    expect(expected).toHaveLength(36); // u0..u5: 3 views x 2 clicks each
    await driver.close();

    const app = newApp(topology(), applicationId);
    await app.start();
    await produce(views, viewRecords);
    await produce(clicks, clickRecords);
    await eventually(async () => ((await readAll(out)).length >= expected.length ? true : undefined), `${expected.length} joined records`);
    await app.close();
    const actual = await readAll(out);
    const sorted = (list: readonly (readonly [string | null, string | null])[]) => list.map(([k, v]) => `${k}=${v}`).sort();
    expect(sorted(actual.map((r) => [r.key, r.value] as const))).toEqual(sorted(expected));
  });
});
