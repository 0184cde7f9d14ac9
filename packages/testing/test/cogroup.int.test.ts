/**
 * cogroup (KIP-150) on the real broker: clicks (keyed by customer) and orders (keyed by order id,
 * re-keyed by customer through a repartition topic) aggregated into one store, under at_least_once
 * and exactly_once. The final store and the last value per key on the output topic are what the
 * TopologyTestDriver computes for the same input, and what the input says. And the app refuses to
 * start when the cogrouped topics are not co-partitioned.
 */
import { StreamsApp, TopologyError, type ProcessingGuarantee, type Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../src/index.js';
import { brokers, createTopics, eventually, produce, readAll, uniqueName } from './support/broker.js';

const str = serdes.string();
const apps: StreamsApp[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

interface Summary {
  clicks: number;
  spent: number;
}

const CUSTOMERS = 8;
const CLICKS = 120;
const ORDERS = 90;

/** clicks (customer -> page) and orders (order id -> `customer:amount`, grouped by customer) cogrouped into a Summary per customer. */
function summaries(clicks: string, orders: string, out: string, rekeyOrders = true): Topology {
  const builder = new StreamsBuilder({ warn: () => undefined });
  const clickGroups = builder.source(clicks, { key: str, value: str }).groupByKey();
  const orderStream = builder.source(orders, { key: str, value: str });
  const orderGroups = rekeyOrders
    ? orderStream.groupBy((_id, order) => order.split(':')[0]!, { key: str, value: str, name: 'orders-by-customer' })
    : orderStream.groupByKey();
  clickGroups
    .cogroup<Summary>((_c, _page, s) => ({ ...s, clicks: s.clicks + 1 }))
    .cogroup(orderGroups, (_c, order, s) => ({ ...s, spent: s.spent + Number(order.split(':')[1]) }))
    .aggregate(() => ({ clicks: 0, spent: 0 }), { name: 'summary', value: serdes.json<Summary>() })
    .toStream()
    .sink(out, { value: serdes.json<Summary>() });
  return builder.build();
}

function newApp(topology: Topology, applicationId: string, processingGuarantee: ProcessingGuarantee): StreamsApp {
  const app = new StreamsApp(topology, {
    applicationId,
    brokers: brokers(),
    processingGuarantee,
    commitIntervalMs: 200,
    logLevel: 'error',
    stateDir: `/tmp/rivulet-test-state/${applicationId}`,
  });
  apps.push(app);
  return app;
}

/** The last value per key of an output topic (each key is on one partition, read in offset order). */
function lastPerKey(records: readonly { key: string | null; value: string | null }[]): Record<string, Summary> {
  const last: Record<string, Summary> = {};
  for (const r of records) last[r.key!] = JSON.parse(r.value!) as Summary;
  return last;
}

/** The summaries as text, customers sorted: equal texts, equal summaries. */
function canonical(summaries: Record<string, Summary>): string {
  return JSON.stringify(Object.entries(summaries).sort(([a], [b]) => a.localeCompare(b)));
}

describe('cogroup on the broker', () => {
  for (const guarantee of ['at_least_once', 'exactly_once'] as const) {
    it(`aggregates two co-partitioned topics (one re-keyed) into one store, ${guarantee}`, async () => {
      const clicks = uniqueName('cogroup-clicks');
      const orders = uniqueName('cogroup-orders');
      const out = uniqueName('cogroup-summaries');
      const applicationId = uniqueName(`cogroup-${guarantee}`);
      await createTopics([
        { topic: clicks, partitions: 2 },
        { topic: orders, partitions: 2 },
        { topic: out, partitions: 2 },
      ]);
      const t0 = Date.now() - 600_000;
      const clickRecords = Array.from({ length: CLICKS }, (_, i) => ({ key: `c${i % CUSTOMERS}`, value: `page${i}`, timestamp: t0 + 2 * i }));
      const orderRecords = Array.from({ length: ORDERS }, (_, i) => ({ key: `o${i}`, value: `c${(i * 3) % CUSTOMERS}:${i + 1}`, timestamp: t0 + 2 * i + 1 }));

      // What the input says, and what the driver computes.
      const expected: Record<string, Summary> = {};
      for (const c of clickRecords) (expected[c.key] ??= { clicks: 0, spent: 0 }).clicks++;
      for (const o of orderRecords) {
        const [customer, amount] = o.value.split(':');
        (expected[customer!] ??= { clicks: 0, spent: 0 }).spent += Number(amount);
      }
      const driver = new TopologyTestDriver(summaries(clicks, orders, out), { applicationId });
      const clickInput = driver.createInputTopic(clicks, str, str);
      const orderInput = driver.createInputTopic(orders, str, str);
      for (let i = 0; i < Math.max(CLICKS, ORDERS); i++) {
        const c = clickRecords[i];
        const o = orderRecords[i];
        if (c !== undefined) clickInput.pipeInput(c.key, c.value, c.timestamp);
        if (o !== undefined) orderInput.pipeInput(o.key, o.value, o.timestamp);
      }
      const driverOut = driver.createOutputTopic(out, str, str).readKeyValuesToList();
      expect(driverOut).toHaveLength(CLICKS + ORDERS);
      expect(lastPerKey(driverOut.map(([key, value]) => ({ key, value })))).toEqual(expected);
      await driver.close();

      await produce(clicks, clickRecords);
      await produce(orders, orderRecords);
      const app = newApp(summaries(clicks, orders, out), applicationId, guarantee);
      await app.start();
      const store = app.store<string, Summary>('summary');
      await eventually(
        () => (Object.entries(expected).every(([k, v]) => JSON.stringify(store.get(k)) === JSON.stringify(v)) ? true : undefined),
        'the summary store to hold every customer',
      );
      const want = canonical(expected);
      await eventually(async () => (canonical(lastPerKey(await readAll(out))) === want ? true : undefined), 'the output topic to end with every final summary');
      expect(Object.fromEntries([...store.all()].map(({ key, value }) => [key, value]))).toEqual(expected);
      await app.close();

      // Read after the close (read_committed): one update per input record, each customer's last
      // update its final summary, and every customer's updates on one partition.
      const records = await readAll(out);
      expect(records).toHaveLength(CLICKS + ORDERS);
      expect(lastPerKey(records)).toEqual(expected);
      for (const customer of Object.keys(expected)) {
        expect(new Set(records.filter((r) => r.key === customer).map((r) => r.partition)).size).toBe(1);
      }
    });
  }

  it('refuses to start a cogroup of topics with 2 and 3 partitions, naming both', async () => {
    const clicks = uniqueName('cogroup-clicks');
    const orders = uniqueName('cogroup-orders');
    const out = uniqueName('cogroup-summaries');
    await createTopics([
      { topic: clicks, partitions: 2 },
      { topic: orders, partitions: 3 },
      { topic: out, partitions: 2 },
    ]);
    const app = newApp(summaries(clicks, orders, out, false), uniqueName('cogroup-copartition'), 'at_least_once');
    const error = await app.start().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TopologyError);
    const message = (error as Error).message;
    expect(message).toContain('must be co-partitioned');
    expect(message).toContain(`${clicks} (2)`);
    expect(message).toContain(`${orders} (3)`);
  });
});
