/**
 * GlobalKTable on the real broker: a global topic of 4 partitions filled before the app starts is
 * loaded completely before the app is RUNNING (orders produced right after start() resolved all
 * join, on a stream topic of 2 partitions: no co-partitioning), then an update of the global table
 * while the app runs is seen by later orders, and `app.store(name)` answers, under at_least_once
 * and exactly_once. Under exactly_once the global topic is written in transactions, one aborted at
 * its end: the load reads read_committed and is not held up by the markers.
 */
import { StreamsApp, type ProcessingGuarantee } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { brokers, createTopics, eventually, produce, readAll, uniqueName } from './support/broker.js';

const str = serdes.string();
const apps: StreamsApp[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** Enough records that loading them takes a while: the app must wait for it before RUNNING. */
const COUNTRIES = 30_000;
const ORDERS = 600;

/** Writes `committed` in a transaction it commits, then `aborted` in one it aborts. */
async function produceInTransactions(topic: string, committed: readonly { key: string; value: string }[], aborted: readonly { key: string; value: string }[]): Promise<void> {
  const kafka = new Kafka({ clientId: 'global-ktable-tx', brokers: brokers(), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ transactionalId: uniqueName('countries-writer'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const tx = await producer.transaction();
    // In requests the broker accepts (its max message size).
    for (let i = 0; i < committed.length; i += 2_000) {
      await tx.send({ topic, acks: -1, messages: committed.slice(i, i + 2_000).map((r) => ({ key: r.key, value: r.value })) });
    }
    await tx.commit();
    const abortedTx = await producer.transaction();
    await abortedTx.send({ topic, acks: -1, messages: aborted.map((r) => ({ key: r.key, value: r.value })) });
    await abortedTx.abort();
  } finally {
    await producer.disconnect();
  }
}

async function run(processingGuarantee: ProcessingGuarantee): Promise<void> {
  const countries = uniqueName('global-countries');
  const orders = uniqueName('global-orders');
  const out = uniqueName('global-enriched');
  const applicationId = uniqueName('global-ktable');
  await createTopics([
    { topic: countries, partitions: 4 },
    { topic: orders, partitions: 2 },
    { topic: out, partitions: 2 },
  ]);
  const padding = 'x'.repeat(200);
  const table = Array.from({ length: COUNTRIES }, (_, i) => ({ key: `c${i}`, value: `Country${i}${padding}` }));
  if (processingGuarantee === 'exactly_once') {
    await produceInTransactions(countries, table, table.slice(0, 50).map((r) => ({ key: r.key, value: 'Aborted' })));
  } else {
    await produce(countries, table);
  }

  const builder = new StreamsBuilder({ warn: () => undefined });
  const global = builder.globalTable(countries, { key: str, value: str, store: 'countries' });
  builder
    .source(orders, { key: str, value: str })
    .join(global, (_id, country) => country, (country, name, id) => `${id}/${country}/${name}`)
    .sink(out, { value: str });
  const app = new StreamsApp(builder.build(), {
    applicationId,
    brokers: brokers(),
    processingGuarantee,
    commitIntervalMs: 200,
    logLevel: 'error',
    stateDir: `/tmp/rivulet-test-state/${applicationId}`,
  });
  apps.push(app);
  // What the store holds at the moment the app says RUNNING (a stale read never throws).
  let atRunning: number | undefined;
  app.state$.subscribe((state) => {
    if (state === 'RUNNING' && atRunning === undefined) atRunning = app.store<string, string>('countries', { staleReads: true }).approximateNumEntries();
  });
  await app.start();
  expect(atRunning).toBe(COUNTRIES);
  expect(app.state).toBe('RUNNING');
  // Loaded before RUNNING: every country is there already, the aborted values are not.
  const store = app.store<string, string>('countries');
  expect(store.approximateNumEntries()).toBe(COUNTRIES);
  for (const { key, value } of table) expect(store.get(key)).toBe(value);

  const first = Array.from({ length: ORDERS }, (_, i) => ({ key: `o${i}`, value: `c${(i * 7) % COUNTRIES}` }));
  await produce(orders, first);
  const expectedFirst = first.map((o) => `${o.key}/${o.value}/Country${o.value.slice(1)}${padding}`);
  const joined = await eventually(async () => {
    const values = (await readAll(out)).map((r) => r.value!);
    return values.length >= ORDERS ? values : undefined;
  }, `${ORDERS} joined orders`);
  // An inner join: an order whose country was not loaded yet would be missing.
  expect([...joined].sort()).toEqual([...expectedFirst].sort());
  expect(app.metrics().droppedRecords).toBe(0);

  // An update and a tombstone while running: seen by the store, then by later orders.
  await produce(countries, [
    { key: 'c1', value: 'Renamed1' },
    { key: 'c2', value: null },
    { key: 'c-new', value: 'Newland' },
  ]);
  await eventually(() => (store.get('c1') === 'Renamed1' && store.get('c2') === undefined && store.get('c-new') === 'Newland' ? true : undefined), 'the global store to take the update');
  await produce(orders, [
    { key: 'p1', value: 'c1' },
    { key: 'p2', value: 'c2' },
    { key: 'p3', value: 'c-new' },
    { key: 'p4', value: 'c3' },
  ]);
  const later = await eventually(async () => {
    const values = (await readAll(out)).map((r) => r.value!).slice(0);
    const tail = values.filter((v) => v.startsWith('p'));
    return tail.length >= 3 ? tail : undefined;
  }, 'the later orders joined');
  // Read a little longer: p2 (its country deleted) must not appear.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const all = (await readAll(out)).map((r) => r.value!);
  expect(all.filter((v) => v.startsWith('p')).sort()).toEqual(['p1/c1/Renamed1', 'p3/c-new/Newland', `p4/c3/Country3${padding}`]);
  expect(later.length).toBeGreaterThanOrEqual(3);
  expect(all).toHaveLength(ORDERS + 3);
  expect(app.store<string, string>('countries').approximateNumEntries()).toBe(COUNTRIES);
  await app.close();
  expect(app.state).toBe('NOT_RUNNING');
}

describe('GlobalKTable on the real broker', () => {
  it('loads the global table before RUNNING, joins every order, follows updates, queryable: at_least_once', async () => {
    await run('at_least_once');
  });

  it('loads the global table before RUNNING, joins every order, follows updates, queryable: exactly_once', async () => {
    await run('exactly_once');
  });
});
