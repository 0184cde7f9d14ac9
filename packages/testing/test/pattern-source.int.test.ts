/**
 * A pattern source on the real broker: the app reads every existing topic the pattern matches.
 */
import { StreamsApp } from '@rivulet/core';
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
});
