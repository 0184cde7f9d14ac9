/**
 * Issue 12, item 0: a task reads its input partitions in timestamp order. A stream-table join
 * started on topics filled beforehand (the customers table, then orders stamped later than every
 * customer) must read each customer before the orders that follow it in time, so every order is
 * joined: 3,000 of 3,000, in every run. Before the partition group, the task took the partitions in
 * arrival order and joined 1,480, 780 and 0 of 3,000 in three runs. And a table whose end offset is
 * past its last readable record (transaction markers, aborted records) is not waited for.
 */
import { StreamsApp, type Logger, type ProcessingGuarantee, type Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { Kafka, logLevel } from 'kafkajs';
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

/** Writes `committed` in one transaction it commits, then `aborted` in one it aborts: the topic ends with an abort marker. */
async function produceInTransactions(topic: string, committed: readonly { key: string; value: string; timestamp: number }[], aborted: readonly { key: string; value: string }[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'bootstrap-tx', brokers: brokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: uniqueName('customers-writer'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const first = await producer.transaction();
    await first.send({ topic, acks: -1, messages: committed.map((r) => ({ key: r.key, value: r.value, timestamp: String(r.timestamp) })) });
    await first.commit();
    const second = await producer.transaction();
    await second.send({ topic, acks: -1, messages: aborted.map((r) => ({ key: r.key, value: r.value })) });
    await second.abort();
  } finally {
    await producer.disconnect();
  }
}

/** A logger that keeps the warnings and errors. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: () => undefined, info: () => undefined, warn: (m) => void lines.push(m), error: (m) => void lines.push(m) };
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

  it('does not wait for a table that ends in transaction markers and aborted records, at the first start and after a restart', async () => {
    const orders = uniqueName('bootstrap-orders');
    const customers = uniqueName('bootstrap-customers');
    const out = uniqueName('bootstrap-enriched');
    const applicationId = uniqueName('bootstrap-join-tx');
    await createTopics([
      { topic: orders, partitions: PARTITIONS },
      { topic: customers, partitions: PARTITIONS },
      { topic: out, partitions: PARTITIONS },
    ]);
    const t0 = Date.now() - 600_000;
    // The table ends, on every partition, with records of an aborted transaction and its marker:
    // its end offset is past its last readable record, and no fetch hands those records over.
    await produceInTransactions(
      customers,
      Array.from({ length: CUSTOMERS }, (_, i) => ({ key: `c${i}`, value: `Name${i}`, timestamp: t0 + i })),
      Array.from({ length: 20 }, (_, i) => ({ key: `c${i}`, value: 'Aborted' })),
    );
    const first = Array.from({ length: 1_000 }, (_, i) => ({ key: `c${i % CUSTOMERS}`, value: String(i), timestamp: t0 + 60_000 + i }));
    await produce(orders, first);
    const expectedOf = (list: typeof first) => list.map((o) => `${o.key}/Name${o.key.slice(1)}/${o.value}`);
    const logger = recordingLogger();
    const start = (): StreamsApp => {
      const app = new StreamsApp(enrichOrders(orders, customers, out), {
        applicationId,
        brokers: brokers(),
        commitIntervalMs: 200,
        // Were the task to wait for the aborted records until its bound, it would wait a minute.
        requestTimeoutMs: 60_000,
        logger,
        stateDir: `/tmp/rivulet-test-state/${applicationId}`,
      });
      apps.push(app);
      return app;
    };
    const outputs = async (n: number) => eventually(async () => ((await readAll(out)).length >= n ? readAll(out) : undefined), `${n} joined records`, 20_000);

    let startedAt = Date.now();
    const app = start();
    await app.start();
    expect((await outputs(first.length)).map((r) => r.value!).sort()).toEqual(expectedOf(first).sort());
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    await app.close();

    // Restarted: the customers' committed offsets point at their markers, which the consumer covers
    // before the task may even exist. The new orders must not wait either.
    const second = Array.from({ length: 500 }, (_, i) => ({ key: `c${i % CUSTOMERS}`, value: String(1_000 + i), timestamp: t0 + 120_000 + i }));
    await produce(orders, second);
    startedAt = Date.now();
    await start().start();
    const all = await outputs(first.length + second.length);
    expect(all.map((r) => r.value!).sort()).toEqual(expectedOf([...first, ...second]).sort());
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    expect(logger.lines.filter((l) => l.includes('enforced processing'))).toEqual([]);
  });
});
