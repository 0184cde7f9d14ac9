/**
 * mapAsync on the real broker: per-partition order, the concurrency bound, commits that cover only
 * finished work (no loss, no duplicate after a clean close), metrics$, and a failed call stopping
 * the app with the record's topic, partition and offset.
 */
import { ProcessingError, StreamsApp, type ProcessingGuarantee, type StreamsMetrics, type Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaTestHarness } from '../src/index.js';
import { brokers, createTopics, produce, readAll, uniqueName } from './support/broker.js';

const str = serdes.string();
const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function newApp(topology: Topology, applicationId: string, processingGuarantee: ProcessingGuarantee): StreamsApp {
  const app = new StreamsApp(topology, {
    applicationId,
    brokers: brokers(),
    processingGuarantee,
    logLevel: 'error',
    stateDir: `/tmp/rivulet-test-state/${applicationId}`,
  });
  apps.push(app);
  return app;
}

describe.each(['at_least_once', 'exactly_once'] as const)('mapAsync on the broker (%s)', (guarantee) => {
  it('keeps per-partition order under the concurrency bound and commits only finished work', async () => {
    const input = uniqueName('async-in');
    const output = uniqueName('async-out');
    const appId = uniqueName('async-app');
    await createTopics([
      { topic: input, partitions: 2 },
      { topic: output, partitions: 2 },
    ]);
    const records = Array.from({ length: 400 }, (_, i) => ({ key: `k${i % 20}`, value: String(i) }));
    await produce(input, records);

    const stats = { inFlight: 0, maxInFlight: 0 };
    const builder = new StreamsBuilder({ warn: () => undefined });
    builder
      .source(input, { key: str, value: str })
      .mapAsync(
        async (value) => {
          stats.inFlight++;
          stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
          // Later records often finish first: the order of the output must not show it.
          await sleep(Number(value) % 7);
          stats.inFlight--;
          return `${value}!`;
        },
        { concurrency: 8, name: 'slow-lookup' },
      )
      .sink(output, { value: str });
    const app = newApp(builder.build(), appId, guarantee);
    const samples = lastValueFrom(app.metrics$(50).pipe(toArray()));
    await app.start();

    const harness = new KafkaTestHarness(brokers());
    const out = await harness.readAtLeast(output, 400);
    for (let k = 0; k < 20; k++) {
      expect(out.filter((r) => r.key === `k${k}`).map((r) => r.value)).toEqual(
        records.filter((r) => r.key === `k${k}`).map((r) => `${r.value}!`),
      );
    }
    // Two tasks (one per partition), each with at most 8 calls in flight.
    expect(stats.maxInFlight).toBeGreaterThan(1);
    expect(stats.maxInFlight).toBeLessThanOrEqual(16);
    const running: StreamsMetrics = await firstValueFrom(app.metrics$(20));
    expect(running.taskMetrics.map((t) => t.taskId).sort()).toEqual(['0_0', '0_1']);
    expect(running.taskMetrics.reduce((n, t) => n + t.recordsProcessed, 0)).toBe(400);

    await app.close();
    expect(await harness.committedOffsets(appId, input)).toEqual(await harness.endOffsets(input));
    expect(await readAll(output)).toHaveLength(400);
    const last = (await samples).at(-1)!;
    expect(last).toMatchObject({ state: 'NOT_RUNNING', recordsProcessed: 400 });
  });
});

describe('mapAsync failure on the broker', () => {
  it("stops the app under 'fail' with the record's topic, partition and offset, and commits nothing past it", async () => {
    const input = uniqueName('async-fail-in');
    const output = uniqueName('async-fail-out');
    const appId = uniqueName('async-fail-app');
    await createTopics([
      { topic: input, partitions: 1 },
      { topic: output, partitions: 1 },
    ]);
    await produce(
      input,
      Array.from({ length: 50 }, (_, i) => ({ key: 'k', value: String(i) })),
    );
    const builder = new StreamsBuilder({ warn: () => undefined });
    builder
      .source(input, { key: str, value: str })
      .mapAsync(
        async (value) => {
          await sleep(1);
          if (value === '30') throw new Error('lookup of 30 failed');
          return value;
        },
        { concurrency: 4 },
      )
      .sink(output, { value: str });
    const app = newApp(builder.build(), appId, 'at_least_once');
    const errors: Error[] = [];
    app.errors$.subscribe((e) => errors.push(e));
    const ended = lastValueFrom(app.state$);
    await app.start();
    expect(await ended).toBe('ERROR');
    expect(errors[0]).toBeInstanceOf(ProcessingError);
    expect(errors[0]).toMatchObject({ stage: 'processing', topic: input, partition: 0, offset: '30' });
    const committed = await new KafkaTestHarness(brokers()).committedOffsets(appId, input);
    // The next start resumes at or before the failed record: nothing is lost.
    expect(BigInt(committed.get(0) ?? '-1')).toBeLessThanOrEqual(30n);
  });
});
