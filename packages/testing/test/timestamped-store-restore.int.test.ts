/**
 * Timestamped key-value stores on the real broker: a count's store keeps each aggregate's timestamp
 * in its changelog, so an instance that restores the store from the changelog (a new state
 * directory) stamps the next update of a key with the newest record aggregated before the restart,
 * as Kafka Streams does, and interactive queries still read the plain count.
 */
import { StreamsApp, type Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { brokers, createTopics, eventually, produce, readAll, uniqueName } from './support/broker.js';

const str = serdes.string();
const apps: StreamsApp[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function clickCounts(input: string, out: string): Topology {
  const builder = new StreamsBuilder({ warn: () => undefined });
  builder
    .source(input, { key: str, value: str })
    .groupByKey()
    .count({ store: 'click-counts', persistent: true })
    .toStream()
    .mapValues((count) => String(count))
    .sink(out, { key: str, value: str });
  return builder.build();
}

describe('timestamped key-value store on the broker', () => {
  it('restores the aggregate timestamps from the changelog: an older record after a restart is stamped with the newest before it', async () => {
    const input = uniqueName('clicks');
    const out = uniqueName('click-counts');
    const applicationId = uniqueName('timestamped-restore');
    await createTopics([
      { topic: input, partitions: 1 },
      { topic: out, partitions: 1 },
    ]);
    const base = Date.now();
    const start = async (stateDir: string): Promise<StreamsApp> => {
      const app = new StreamsApp(clickCounts(input, out), { applicationId, brokers: brokers(), commitIntervalMs: 200, logLevel: 'error', stateDir });
      apps.push(app);
      await app.start();
      return app;
    };
    const rows = async (n: number) =>
      eventually(async () => {
        const records = await readAll(out);
        return records.length >= n ? records.map((r) => [r.key, r.value, r.timestamp - base]) : undefined;
      }, `${n} counts`);

    const first = await start(`/tmp/rivulet-test-state/${applicationId}-1`);
    const newer: { key: string; value: string; timestamp: number }[] = [{ key: 'a', value: 'home', timestamp: base + 20_000 }];
    await produce(input, newer);
    expect(await rows(1)).toEqual([['a', '1', 20_000]]);
    await first.close();

    // A new state directory: the store is rebuilt from its changelog, timestamps included.
    const second = await start(`/tmp/rivulet-test-state/${applicationId}-2`);
    const older: { key: string; value: string; timestamp: number }[] = [{ key: 'a', value: 'cart', timestamp: base + 5_000 }];
    await produce(input, older);
    expect(await rows(2)).toEqual([
      ['a', '1', 20_000],
      ['a', '2', 20_000],
    ]);
    expect(await second.store<string, bigint>('click-counts').get('a')).toBe(2n);
  });
});
