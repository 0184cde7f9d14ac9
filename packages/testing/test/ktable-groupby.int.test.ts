/**
 * KTable.groupBy on the real broker: users move between regions and leave, across 3 partitions; the
 * count per region goes through the repartition topic (both the added and the subtracted value) and
 * ends where the TopologyTestDriver ends for the same input, under at_least_once and exactly_once.
 */
import { StreamsApp, type ProcessingGuarantee, type Topology } from '@rivulet/core';
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

/** Users (value `region|name`) counted per region. */
function usersPerRegion(users: string, out: string): Topology {
  const builder = new StreamsBuilder({ warn: () => undefined });
  builder
    .table(users, { key: str, value: str, store: 'users' })
    .groupBy((_id, user) => [user.split('|')[0]!, user], { key: str, value: str, name: 'users-by-region' })
    .count({ store: 'users-per-region' })
    .toStream()
    .mapValues((count) => String(count))
    .sink(out, { key: str, value: str });
  return builder.build();
}

/** 60 users over 4 regions, then 30 of them move one region on, then every fifth leaves. */
function updates(): { key: string; value: string | null }[] {
  const regions = ['eu', 'us', 'asia', 'africa'];
  const out: { key: string; value: string | null }[] = [];
  for (let i = 0; i < 60; i++) out.push({ key: `user-${i}`, value: `${regions[i % 4]}|name-${i}` });
  for (let i = 0; i < 60; i += 2) out.push({ key: `user-${i}`, value: `${regions[(i + 1) % 4]}|name-${i}` });
  for (let i = 0; i < 60; i += 5) out.push({ key: `user-${i}`, value: null });
  return out;
}

function expectedCounts(): Map<string, bigint> {
  const driver = new TopologyTestDriver(usersPerRegion('users', 'out'));
  const input = driver.createInputTopic('users', str, str);
  for (const u of updates()) input.pipeInput(u.key, u.value);
  const last = new Map(driver.createOutputTopic('out', str, str).readKeyValuesToList().map(([k, v]) => [k!, BigInt(v!)] as const));
  driver.close();
  return last;
}

describe.each<ProcessingGuarantee>(['at_least_once', 'exactly_once'])('KTable.groupBy on the broker (%s)', (guarantee) => {
  it('counts per region follow users that move and leave', async () => {
    const users = uniqueName('users');
    const out = uniqueName('users-per-region');
    const applicationId = uniqueName('groupby-table');
    await createTopics([
      { topic: users, partitions: 3 },
      { topic: out, partitions: 3 },
    ]);
    const expected = expectedCounts();
    // The driver's answer, worked out by hand: 15 users per region; the 30 of eu and asia move to us
    // and africa (30 each, eu and asia at 0); then 12 leave, 6 from us and 6 from africa.
    expect(expected).toEqual(
      new Map([
        ['eu', 0n],
        ['us', 24n],
        ['asia', 0n],
        ['africa', 24n],
      ]),
    );
    const app = new StreamsApp(usersPerRegion(users, out), {
      applicationId,
      brokers: brokers(),
      processingGuarantee: guarantee,
      commitIntervalMs: 200,
      logLevel: 'error',
      stateDir: `/tmp/rivulet-test-state/${applicationId}`,
    });
    apps.push(app);
    await app.start();
    await produce(users, updates());
    const final = await eventually(async () => {
      const records = await readAll(out);
      const last = new Map<string, bigint>();
      for (const r of records) last.set(r.key!, BigInt(r.value!));
      return [...expected].every(([k, v]) => last.get(k) === v) ? last : undefined;
    }, 'the output topic to end at the driver counts');
    expect(final).toEqual(expected);
    const store = app.store<string, bigint>('users-per-region');
    for (const [region, count] of expected) expect(await store.get(region)).toBe(count);
  });
});
