/**
 * A pattern source on the real broker: the app reads every existing topic the pattern matches, and
 * picks up a matching topic created while it runs at its next topic check (metadataMaxAgeMs).
 */
import { StreamsApp, type Logger, type ProcessingGuarantee } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaTestHarness } from '../src/index.js';

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

describe('pattern sources on the broker', () => {
  it('reads the records of every matching topic, and not the others', async () => {
    const kafka = new KafkaTestHarness();
    const prefix = kafka.uniqueName('pat');
    const [a, b, other, out] = [`${prefix}-a`, `${prefix}-b`, `${prefix}x-other`, kafka.uniqueName('pat-out')];
    await Promise.all([kafka.createTopic(a, 2), kafka.createTopic(b, 2), kafka.createTopic(other, 1), kafka.createTopic(out, 2)]);
    await kafka.produce(a, [{ key: 'k1', value: 'one' }]);
    await kafka.produce(b, [{ key: 'k2', value: 'two' }]);
    await kafka.produce(other, [{ key: 'k3', value: 'not me' }]);

    const builder = new StreamsBuilder({ warn: () => undefined });
    builder
      .source(new RegExp(`^${prefix}-`), { key: serdes.string(), value: serdes.string() })
      .mapValues((v) => v.toUpperCase())
      .sink(out, { value: serdes.string() });
    const app = new StreamsApp(builder.build(), {
      applicationId: kafka.uniqueName('pattern-app'),
      brokers: kafka.brokers,
      processingGuarantee: 'exactly_once',
      logLevel: 'error',
    });
    apps.push(app);
    await app.start();
    const records = await kafka.readAtLeast(out, 2);
    expect(records.map((r) => `${r.key}=${r.value}`).sort()).toEqual(['k1=ONE', 'k2=TWO']);
    expect([...app.metrics().tasks].sort()).toEqual(['0_0', '0_1']);
  });

  it.each<ProcessingGuarantee>(['at_least_once', 'exactly_once'])(
    'picks up a matching topic created while it runs, under %s, and ignores one that does not match',
    async (guarantee) => {
      const kafka = new KafkaTestHarness();
      const prefix = kafka.uniqueName('pat-later');
      const [a, b, other, out] = [`${prefix}-orders-a`, `${prefix}-orders-b`, `${prefix}-payments`, kafka.uniqueName('pat-later-out')];
      await Promise.all([kafka.createTopic(a, 2), kafka.createTopic(out, 2)]);
      await kafka.produce(a, [{ key: 'k1', value: 'one' }]);

      const builder = new StreamsBuilder({ warn: () => undefined });
      builder
        .source(new RegExp(`^${prefix}-orders-`), { key: serdes.string(), value: serdes.string() })
        .mapValues((v) => v.toUpperCase())
        .sink(out, { value: serdes.string() });
      const infos: string[] = [];
      const logger: Logger = { debug: () => undefined, info: (m) => void infos.push(m), warn: () => undefined, error: () => undefined };
      const applicationId = kafka.uniqueName('pattern-later-app');
      const app = new StreamsApp(builder.build(), {
        applicationId,
        brokers: kafka.brokers,
        processingGuarantee: guarantee,
        metadataMaxAgeMs: 2_000,
        // The test waits for the commits of the new topic's offsets: at_least_once's default is 30 s.
        commitIntervalMs: 500,
        logger,
        clientLogLevel: 'nothing',
      });
      apps.push(app);
      await app.start();
      expect((await kafka.readAtLeast(out, 1)).map((r) => `${r.key}=${r.value}`)).toEqual(['k1=ONE']);
      expect([...app.metrics().tasks].sort()).toEqual(['0_0', '0_1']);

      // Records of the first topic keep coming while the member re-subscribes: each is processed once.
      const more = Array.from({ length: 100 }, (_, i) => ({ key: `a${i}`, value: `more${i}` }));
      await Promise.all([kafka.createTopic(b, 3), kafka.createTopic(other, 1), kafka.produce(a, more.slice(0, 50))]);
      await kafka.produce(a, more.slice(50));
      await kafka.produce(b, [
        { key: 'k2', value: 'two', partition: 0 },
        { key: 'k3', value: 'three', partition: 2 },
      ]);
      await kafka.produce(other, [{ key: 'k4', value: 'not me' }]);
      // Every record of the new topic processed and committed, by a task per partition number.
      const ends = await kafka.endOffsets(b);
      await kafka.eventually(async () => {
        const committed = await kafka.committedOffsets(applicationId, b);
        return [...ends].every(([p, end]) => end === '0' || committed.get(p) === end) ? true : undefined;
      }, 60_000, `the group's commits on ${b}`);
      await kafka.produce(b, [{ key: 'k5', value: 'five', partition: 1 }]);
      await kafka.readAtLeast(out, 104);
      const records = await kafka.readAll(out);
      const expected = ['k1=ONE', 'k2=TWO', 'k3=THREE', 'k5=FIVE', ...more.map((r) => `${r.key}=${r.value.toUpperCase()}`)];
      expect(records.map((r) => `${r.key}=${r.value}`).sort()).toEqual(expected.sort());
      expect([...app.metrics().tasks].sort()).toEqual(['0_0', '0_1', '0_2']);
      expect(infos.filter((line) => line.endsWith(`: topics added ${b}; re-subscribing`))).toHaveLength(1);
      // The topic that does not match was never read: the group has no offset there (-1).
      expect(await kafka.committedOffsets(applicationId, other)).toEqual(new Map([[0, '-1']]));
      expect(app.state).toBe('RUNNING');
    },
    120_000,
  );
});
