/**
 * Issue 12, item 0: a task reads its input partitions in timestamp order. A stream-table join
 * started on topics filled beforehand (the customers table, then orders stamped later than every
 * customer) must read each customer before the orders that follow it in time, so every order is
 * joined: 3,000 of 3,000, in every run. Before the partition group, the task took the partitions in
 * arrival order and joined 1,480, 780 and 0 of 3,000 in three runs.
 */
import { StreamsApp, type ProcessingGuarantee, type Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaTestHarness } from '../src/index.js';
import { brokers, createTopics, eventually, produce, readAll, uniqueName } from './support/broker.js';

const str = serdes.string();
const apps: StreamsApp[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const CUSTOMERS = 500;
const ORDERS = 3_000;
const PARTITIONS = 2;

/** Orders (key: customer id, value: amount) joined with the customers table (key: customer id, value: name). */
function enrichOrders(orders: string, customers: string, out: string): Topology {
  const builder = new StreamsBuilder({ warn: () => undefined });
  const table = builder.table(customers, { key: str, value: str, store: 'customers' });
  builder
    .source(orders, { key: str, value: str })
    .join(table, (amount, name, key) => `${key}/${name}/${amount}`)
    .sink(out, { value: str });
  return builder.build();
}

/** Fills both topics before the app starts, runs it until it committed both topics' ends, and returns the output. */
async function bootstrapJoin(processingGuarantee: ProcessingGuarantee): Promise<{ values: string[]; expected: string[] }> {
  const orders = uniqueName('bootstrap-orders');
  const customers = uniqueName('bootstrap-customers');
  const out = uniqueName('bootstrap-enriched');
  const applicationId = uniqueName('bootstrap-join');
  await createTopics([
    { topic: orders, partitions: PARTITIONS },
    { topic: customers, partitions: PARTITIONS },
    { topic: out, partitions: PARTITIONS },
  ]);
  // Every customer is stamped before every order: in event time, the table is complete before the
  // first order, so an inner join of each order finds its customer.
  const t0 = Date.now() - 600_000;
  await produce(
    customers,
    Array.from({ length: CUSTOMERS }, (_, i) => ({ key: `c${i}`, value: `Name${i}`, timestamp: t0 + i })),
  );
  const orderRecords = Array.from({ length: ORDERS }, (_, i) => ({ key: `c${i % CUSTOMERS}`, value: String(i), timestamp: t0 + 60_000 + i }));
  await produce(orders, orderRecords);
  const expected = orderRecords.map((o) => `${o.key}/Name${o.key.slice(1)}/${o.value}`);

  const app = new StreamsApp(enrichOrders(orders, customers, out), {
    applicationId,
    brokers: brokers(),
    processingGuarantee,
    commitIntervalMs: 200,
    logLevel: 'error',
    stateDir: `/tmp/rivulet-test-state/${applicationId}`,
  });
  apps.push(app);
  await app.start();
  // Done when the group has committed the end of every input partition: all input processed.
  const harness = new KafkaTestHarness(brokers());
  const ends = new Map([...(await harness.endOffsets(orders))].map(([p, o]) => [`${orders}:${p}`, o]));
  for (const [p, o] of await harness.endOffsets(customers)) ends.set(`${customers}:${p}`, o);
  await eventually(
    async () => {
      const committed = new Map([...(await harness.committedOffsets(applicationId, orders))].map(([p, o]) => [`${orders}:${p}`, o]));
      for (const [p, o] of await harness.committedOffsets(applicationId, customers)) committed.set(`${customers}:${p}`, o);
      return [...ends].every(([tp, end]) => committed.get(tp) === end) ? true : undefined;
    },
    'the app to commit the end of both input topics',
  );
  await app.close();
  const values = (await readAll(out)).map((r) => r.value!);
  return { values, expected };
}

describe('a stream-table join started on filled topics (issue 12, item 0)', () => {
  for (const run of [1, 2, 3]) {
    it(`joins every order with its customer, at_least_once, run ${run}`, async () => {
      const { values, expected } = await bootstrapJoin('at_least_once');
      expect(values.length).toBe(ORDERS);
      expect([...values].sort()).toEqual([...expected].sort());
    });
  }

  for (const run of [1, 2, 3]) {
    it(`joins every order with its customer, exactly_once, run ${run}`, async () => {
      const { values, expected } = await bootstrapJoin('exactly_once');
      expect(values.length).toBe(ORDERS);
      expect([...values].sort()).toEqual([...expected].sort());
    });
  }
});
