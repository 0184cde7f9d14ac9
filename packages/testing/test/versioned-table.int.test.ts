/**
 * Versioned tables on the real broker (KIP-889, KIP-914): a stream-table join against a versioned
 * table joins each order with the rate valid at the order's time, though the rates, an out-of-order
 * one included, were all processed before the orders came; the table forwards the out-of-order rate
 * too (KIP-914: Kafka Streams forwards it downstream marked not latest), so `toStream()` shows it. The changelog carries each version with its own timestamp, so a new instance of the
 * app (same application id, in-memory store) restores the history from it and still answers as-of
 * lookups and joins from it. With a grace period (KIP-923), orders wait for late rate updates in a
 * changelogged buffer that a restart restores.
 */
import { StreamsApp, type Topology, type VersionedRecord } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { brokers, createTopics, eventually, produce, readAll, uniqueName } from './support/broker.js';

const str = serdes.string();
/** Produces string records with their timestamps. */
const produceAt = (topic: string, records: { key: string; value: string; timestamp: number }[]): Promise<void> => produce(topic, records);
const apps: StreamsApp[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function pricing(rates: string, orders: string, priced: string, rateUpdates: string): Topology {
  const builder = new StreamsBuilder({ warn: () => undefined });
  const table = builder.table(rates, { key: str, value: str, store: 'rates', name: 'rates', versioned: { historyRetentionMs: 3_600_000 } });
  table.toStream({ name: 'rate-updates' }).sink(rateUpdates, { key: str, value: str });
  builder
    .source(orders, { key: str, value: str })
    .join(table, (order, rate) => `${order}@${rate}`, { name: 'price' })
    .sink(priced, { key: str, value: str });
  return builder.build();
}

describe('a versioned table on the broker', () => {
  it('joins orders with the rate as of their time, and answers from history after a restart that restores from the changelog', async () => {
    const rates = uniqueName('versioned-rates');
    const orders = uniqueName('versioned-orders');
    const priced = uniqueName('versioned-priced');
    const rateUpdates = uniqueName('versioned-rate-updates');
    const applicationId = uniqueName('versioned-table');
    await createTopics([
      { topic: rates, partitions: 1 },
      { topic: orders, partitions: 1 },
      { topic: priced, partitions: 1 },
      { topic: rateUpdates, partitions: 1 },
    ]);
    const t0 = Date.now() - 600_000;
    const start = async (): Promise<StreamsApp> => {
      const app = new StreamsApp(pricing(rates, orders, priced, rateUpdates), {
        applicationId,
        brokers: brokers(),
        commitIntervalMs: 200,
        logLevel: 'error',
        stateDir: `/tmp/rivulet-test-state/${applicationId}`,
      });
      apps.push(app);
      await app.start();
      return app;
    };
    const asOf = (app: StreamsApp, timestamp: number) =>
      eventually(
        () => {
          try {
            return app.versionedStore<string, string>('rates').get('EUR', timestamp) ?? undefined;
          } catch {
            return undefined; // still restoring
          }
        },
        `the rate as of ${timestamp}`,
        30_000,
      );

    // The rates, the last one out of order, all before any order.
    await produceAt(rates, [
      { key: 'EUR', value: '1.00', timestamp: t0 + 1000 },
      { key: 'EUR', value: '1.10', timestamp: t0 + 2000 },
      { key: 'EUR', value: '1.20', timestamp: t0 + 3000 },
      { key: 'EUR', value: '1.05', timestamp: t0 + 1500 },
    ]);
    const first = await start();
    expect(await asOf(first, t0 + 1700)).toEqual({ value: '1.05', timestamp: t0 + 1500, validTo: t0 + 2000 });

    await produceAt(orders, [
      { key: 'EUR', value: 'o1', timestamp: t0 + 1200 },
      { key: 'EUR', value: 'o2', timestamp: t0 + 1700 },
      { key: 'EUR', value: 'o3', timestamp: t0 + 2500 },
      { key: 'EUR', value: 'o4', timestamp: t0 + 3500 },
    ]);
    const joined = await eventually(async () => {
      const records = await readAll(priced);
      return records.length >= 4 ? records : undefined;
    }, '4 priced orders');
    expect(joined.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['EUR', 'o1@1.00', t0 + 1200],
      ['EUR', 'o2@1.05', t0 + 1700],
      ['EUR', 'o3@1.10', t0 + 2500],
      ['EUR', 'o4@1.20', t0 + 3500],
    ]);
    // The out-of-order rate went into the history and was forwarded (not the latest: the table's
    // value stays 1.20), as Kafka Streams forwards it (KIP-914).
    const updates = await eventually(async () => {
      const records = await readAll(rateUpdates);
      return records.length >= 4 ? records : undefined;
    }, '4 rate updates');
    expect(updates.map((r) => [r.value, r.timestamp])).toEqual([
      ['1.00', t0 + 1000],
      ['1.10', t0 + 2000],
      ['1.20', t0 + 3000],
      ['1.05', t0 + 1500],
    ]);
    // app.store(name) serves a versioned store too: its latest version.
    expect(first.store<string, VersionedRecord<string>>('rates').get('EUR')).toEqual({ value: '1.20', timestamp: t0 + 3000 });
    await first.close();

    // Each version is in the changelog with its own timestamp.
    const changelog = await readAll(`${applicationId}-rates-changelog`);
    expect(changelog.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['EUR', '1.00', t0 + 1000],
      ['EUR', '1.10', t0 + 2000],
      ['EUR', '1.20', t0 + 3000],
      ['EUR', '1.05', t0 + 1500],
    ]);

    // A new instance: its in-memory store restores from the changelog, history included (the rates
    // topic is not read again: its offsets were committed).
    const second = await start();
    expect(await asOf(second, t0 + 1700)).toEqual({ value: '1.05', timestamp: t0 + 1500, validTo: t0 + 2000 });
    const store = second.versionedStore<string, string>('rates');
    expect(store.get('EUR', t0 + 1000)).toEqual({ value: '1.00', timestamp: t0 + 1000, validTo: t0 + 1500 });
    expect(store.get('EUR', t0 + 2999)).toEqual({ value: '1.10', timestamp: t0 + 2000, validTo: t0 + 3000 });
    expect(store.get('EUR', t0 + 999)).toBeUndefined();
    expect(store.get('EUR')).toEqual({ value: '1.20', timestamp: t0 + 3000 });

    // An order older than every rate update still joins with the version of its time.
    await produceAt(orders, [
      { key: 'EUR', value: 'o5', timestamp: t0 + 1600 },
      { key: 'EUR', value: 'o6', timestamp: t0 + 2000 },
    ]);
    const after = await eventually(async () => {
      const records = await readAll(priced);
      return records.length >= 6 ? records : undefined;
    }, '6 priced orders');
    expect(after.slice(4).map((r) => [r.value, r.timestamp])).toEqual([
      ['o5@1.05', t0 + 1600],
      ['o6@1.10', t0 + 2000],
    ]);
  });

  it('with a grace period, holds orders for late rate updates, and keeps the held orders across a restart', async () => {
    const rates = uniqueName('grace-rates');
    const orders = uniqueName('grace-orders');
    const priced = uniqueName('grace-priced');
    const applicationId = uniqueName('grace-join');
    await createTopics([
      { topic: rates, partitions: 1 },
      { topic: orders, partitions: 1 },
      { topic: priced, partitions: 1 },
    ]);
    const topology = (): Topology => {
      const builder = new StreamsBuilder({ warn: () => undefined });
      const table = builder.table(rates, { key: str, value: str, store: 'rates', name: 'rates', versioned: { historyRetentionMs: 3_600_000 } });
      builder
        .source(orders, { key: str, value: str })
        .join(table, (order, rate) => `${order}@${rate}`, { name: 'price', gracePeriodMs: 1000 })
        .sink(priced, { key: str, value: str });
      return builder.build();
    };
    const start = async (): Promise<StreamsApp> => {
      const app = new StreamsApp(topology(), { applicationId, brokers: brokers(), commitIntervalMs: 200, logLevel: 'error', stateDir: `/tmp/rivulet-test-state/${applicationId}` });
      apps.push(app);
      await app.start();
      return app;
    };
    const until = <T>(read: () => T | undefined, what: string) =>
      eventually(
        () => {
          try {
            return read();
          } catch {
            return undefined; // still restoring
          }
        },
        what,
        30_000,
      );
    const held = (app: StreamsApp) => app.store<Buffer, Buffer>('price-buffer-store').approximateNumEntries();
    const t0 = Date.now() - 600_000;

    const first = await start();
    await produceAt(rates, [{ key: 'EUR', value: '1.00', timestamp: t0 + 1000 }]);
    await until(() => first.versionedStore<string, string>('rates').get('EUR'), 'the first rate');
    await produceAt(orders, [{ key: 'EUR', value: 'o1', timestamp: t0 + 2500 }]);
    await until(() => (held(first) === 1 ? true : undefined), 'o1 in the grace buffer');
    await produceAt(rates, [{ key: 'EUR', value: '1.05', timestamp: t0 + 1800 }]); // late, within the grace period
    await until(() => first.versionedStore<string, string>('rates').get('EUR', t0 + 1900), 'the late rate');
    expect(await readAll(priced)).toEqual([]);
    await first.close();

    // A new instance restores the buffer (and the table) from their changelogs; the next order moves
    // stream time past o1's grace period, and o1 joins with the rate of its time, the late one.
    const second = await start();
    await until(() => (held(second) === 1 ? true : undefined), 'o1 restored into the grace buffer');
    await produceAt(orders, [{ key: 'EUR', value: 'o2', timestamp: t0 + 4000 }]);
    const out = await eventually(async () => {
      const records = await readAll(priced);
      return records.length >= 1 ? records : undefined;
    }, 'o1 priced');
    expect(out.map((r) => [r.key, r.value, r.timestamp])).toEqual([['EUR', 'o1@1.05', t0 + 2500]]);
  });
});
