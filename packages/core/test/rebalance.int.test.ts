/**
 * Two instances in one group: tasks move between them without loss or duplicates under
 * exactly_once, rebalances are observable, and each task's partitions stay on one instance.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StreamsApp, type RebalanceEvent } from '../src/index.js';
import { brokers, createTopic, eventually, produce, readAll, uniqueName } from './support/kafka.js';
import { countingTopology } from './support/topologies.js';

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function instance(appId: string, input: string, copies: string, counts: string, n: number): StreamsApp {
  const app = new StreamsApp(countingTopology(input, copies, counts), {
    applicationId: appId,
    brokers: brokers(),
    processingGuarantee: 'exactly_once',
    logLevel: 'error',
    stateDir: `/tmp/rivulet-test-state/${appId}-${n}`,
    consumer: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500 },
  });
  apps.push(app);
  return app;
}

describe('rebalancing between two instances (exactly_once)', () => {
  it('moves tasks on join and leave without loss, duplicates or wrong counts', async () => {
    const input = uniqueName('in');
    const copies = uniqueName('copies');
    const counts = uniqueName('counts');
    const appId = uniqueName('rebalance-app');
    await Promise.all([createTopic(input, 4), createTopic(copies, 4), createTopic(counts, 4)]);
    const total = 6000;
    const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${(from + i) % 40}`, value: String(from + i) }));

    const a = instance(appId, input, copies, counts, 1);
    const aEvents: RebalanceEvent[] = [];
    a.rebalances$.subscribe((e) => aEvents.push(e));
    await a.start();
    await produce(input, batch(0, 2000));
    await eventually(async () => (a.metrics().recordsProcessed >= 2000 ? true : undefined), 30_000, 'a processed 2000');
    expect([...a.metrics().tasks].sort()).toEqual(['0_0', '0_1', '0_2', '0_3']);

    // B joins: the group rebalances and the four tasks split two and two.
    const b = instance(appId, input, copies, counts, 2);
    await b.start();
    await eventually(async () => (b.metrics().tasks.length === 2 && a.metrics().tasks.length === 2 ? true : undefined), 30_000, 'tasks split');
    expect([...a.metrics().tasks, ...b.metrics().tasks].sort()).toEqual(['0_0', '0_1', '0_2', '0_3']);
    await produce(input, batch(2000, 2000));

    // A leaves: B takes all four tasks, restoring A's state from the changelogs.
    await eventually(async () => (a.metrics().recordsProcessed + b.metrics().recordsProcessed >= 4000 ? true : undefined), 30_000, '4000');
    await a.close();
    await eventually(async () => (b.metrics().tasks.length === 4 ? true : undefined), 30_000, 'b owns all tasks');
    await produce(input, batch(4000, 2000));

    const copied = await eventually(async () => {
      const r = await readAll(copies);
      return r.length >= total ? r : undefined;
    }, 60_000, 'all copies');
    const values = copied.map((r) => Number(r.value));
    expect(values).toHaveLength(total);
    expect(new Set(values).size).toBe(total);

    const last = new Map<string, bigint>();
    const seen = new Map<string, bigint[]>();
    for (const r of await readAll(counts)) {
      const v = r.valueBytes!.readBigInt64BE();
      last.set(r.key!, v);
      seen.set(r.key!, [...(seen.get(r.key!) ?? []), v]);
    }
    for (let k = 0; k < 40; k++) {
      expect(last.get(`k${k}`)).toBe(BigInt(total / 40));
      // Counts per key run 1..n without gaps or repeats: the store survived the moves intact.
      expect(seen.get(`k${k}`)).toEqual(Array.from({ length: total / 40 }, (_, i) => BigInt(i + 1)));
    }
    expect(aEvents.length).toBeGreaterThanOrEqual(2);
    expect(aEvents[0]!.gained.length).toBe(4);
    expect(aEvents.some((e) => e.lost.length === 2)).toBe(true);
    expect(a.metrics().rebalances).toBe(aEvents.length);
  }, 180_000);
});
