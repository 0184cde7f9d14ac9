/**
 * The bank example on the real broker with exactly_once: balances match the transfers and no money
 * is created or lost.
 */
import { StreamsApp } from '@rivulet/core';
import { KafkaTestHarness } from '@rivulet/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { bankTopology, expectedBalances, makeTransfers } from '../src/bank/topology.js';

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

describe('bank transfers example', () => {
  it('keeps every balance right and the total at zero', async () => {
    const kafka = new KafkaTestHarness();
    const transfers = kafka.uniqueName('transfers');
    const balances = kafka.uniqueName('balances');
    await Promise.all([kafka.createTopic(transfers, 3), kafka.createTopic(balances, 3)]);
    const input = makeTransfers(3000, 25);
    await kafka.produce(transfers, input.map((t) => ({ key: t.id, value: JSON.stringify(t) })));

    const app = new StreamsApp(bankTopology({ transfers, balances }), {
      applicationId: kafka.uniqueName('bank'),
      brokers: kafka.brokers,
      processingGuarantee: 'exactly_once',
      logLevel: 'error',
    });
    apps.push(app);
    await app.start();

    // Each transfer makes two balance updates.
    const updates = await kafka.readAtLeast(balances, 6000);
    const last = new Map<string, number>();
    for (const r of updates) last.set(r.key!, JSON.parse(r.value!) as number);
    expect(Object.fromEntries(last)).toEqual(Object.fromEntries(expectedBalances(input)));
    expect([...last.values()].reduce((a, b) => a + b, 0)).toBe(0);
    expect(updates).toHaveLength(6000);
    expect(app.store<string, number>('balances').approximateNumEntries()).toBe(25);
  });
});
