/**
 * The app's default serdes on the real broker: a DSL app whose source, repartition topic, store and
 * sink name no serdes reads, re-keys, aggregates and writes with the defaults set on the StreamsApp.
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

interface Payment {
  readonly account: string;
  readonly cents: number;
}

describe('default serdes on the broker', () => {
  it('reads, repartitions, aggregates and writes with defaultKeySerde / defaultValueSerde', async () => {
    const kafka = new KafkaTestHarness();
    const [input, output] = [kafka.uniqueName('defaults-in'), kafka.uniqueName('defaults-out')];
    await Promise.all([kafka.createTopic(input, 2), kafka.createTopic(output, 2)]);
    const payments: Payment[] = [
      { account: 'acc-1', cents: 100 },
      { account: 'acc-2', cents: 250 },
      { account: 'acc-1', cents: 50 },
      { account: 'acc-3', cents: 1 },
      { account: 'acc-2', cents: 750 },
    ];
    await kafka.produce(
      input,
      payments.map((p, i) => ({ key: `p-${i}`, value: JSON.stringify(p) })),
    );

    const builder = new StreamsBuilder({ warn: () => undefined });
    builder
      .source<string, Payment>(input)
      .groupBy((_id, p) => p.account, { name: 'by-account' })
      .aggregate(() => ({ account: '', cents: 0 }), (account, p, total) => ({ account, cents: total.cents + p.cents }), { store: 'balances' })
      .toStream()
      .sink(output);
    const app = new StreamsApp(builder.build(), {
      applicationId: kafka.uniqueName('defaults-app'),
      brokers: kafka.brokers,
      processingGuarantee: 'exactly_once',
      defaultKeySerde: serdes.string(),
      defaultValueSerde: serdes.json<unknown>(),
      logLevel: 'error',
    });
    apps.push(app);
    await app.start();

    const records = await kafka.readAtLeast(output, payments.length);
    const last = new Map(records.map((r) => [r.key, JSON.parse(r.value!) as Payment]));
    expect(Object.fromEntries(last)).toEqual({
      'acc-1': { account: 'acc-1', cents: 150 },
      'acc-2': { account: 'acc-2', cents: 1000 },
      'acc-3': { account: 'acc-3', cents: 1 },
    });
    expect(records).toHaveLength(payments.length);
    // The store was written with the defaults too: interactive queries read it back.
    const balances = app.store<string, Payment>('balances');
    expect(await balances.get('acc-2')).toEqual({ account: 'acc-2', cents: 1000 });
  });
});
