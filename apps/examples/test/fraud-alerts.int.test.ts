/**
 * The fraud-alerts example on the real broker with exactly_once: one alert per card and closed
 * window over the threshold, none for a card at the threshold or one pushed over it only by a
 * payment that came too late; the counts queryable in the window store while the app runs.
 */
import { StreamsApp } from '@rivulet/core';
import { KafkaTestHarness } from '@rivulet/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { fraudAlertTopology, PAYMENTS_PER_WINDOW_STORE, SAMPLE_ALERTS, SAMPLE_CARDS, samplePayments, type FraudAlert } from '../src/fraud-alerts/topology.js';

const MINUTE = 60_000;
// An hour ago, on a minute: the broker refuses timestamps too far in the future, retention deletes old ones.
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 60 * MINUTE;

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

describe('fraud alerts example', () => {
  it('alerts once per card and closed window over the threshold, late payments dropped, counts queryable', async () => {
    const kafka = new KafkaTestHarness();
    const topics = { payments: kafka.uniqueName('card-payments'), alerts: kafka.uniqueName('fraud-alerts') };
    await Promise.all([kafka.createTopic(topics.payments, 3), kafka.createTopic(topics.alerts, 3)]);
    const applicationId = kafka.uniqueName('fraud-alerts');
    const app = new StreamsApp(fraudAlertTopology(topics), {
      applicationId,
      brokers: kafka.brokers,
      processingGuarantee: 'exactly_once',
      logLevel: 'error',
      stateDir: `/tmp/rivulet-test-state/${applicationId}`,
    });
    apps.push(app);
    await app.start();

    const payments = samplePayments(T0);
    // In arrival order: the two out-of-order payments come after later ones, as they would.
    await kafka.produce(
      topics.payments,
      payments.map((p) => ({ key: p.payment.card, value: JSON.stringify(p.payment), timestamp: p.timestamp })),
    );
    await kafka.readAtLeast(topics.alerts, SAMPLE_ALERTS.length, 45_000);
    // Every payment processed and committed: no alert can still come.
    const ends = await kafka.endOffsets(topics.payments);
    await kafka.eventually(async () => {
      const committed = await kafka.committedOffsets(applicationId, topics.payments);
      return [...ends].every(([p, end]) => committed.get(p) === end) ? true : undefined;
    }, 30_000, 'the payments to be committed');

    // Interactive queries, on the window stores of the app's three tasks.
    const windows = app.windowStore<string, bigint>(PAYMENTS_PER_WINDOW_STORE);
    const count = (card: string, minute: number) => windows.fetch(card, T0 + minute * MINUTE);
    expect(count('card-4242', 1)).toBe(5n);
    expect(count('card-7777', 2)).toBe(4n); // the 4th within grace
    expect(count('card-1337', 3)).toBe(4n);
    expect(count('card-2024', 2)).toBe(3n); // at the threshold: no alert
    expect(count('card-5555', 0)).toBe(3n); // the 4th came after the window closed: dropped
    expect(count('card-1111', 6)).toBe(1n); // the last minute's windows are open
    expect(count('card-1111', 5)).toBeUndefined();
    for (const card of SAMPLE_CARDS) {
      expect([...windows.fetch(card, T0, T0 + 10 * MINUTE)].map((w) => (w.key - T0) / MINUTE), card).toEqual([0, 1, 2, 3, 4, 6]);
    }
    await app.close();

    // Exactly the sample's alerts, each once, although card-4242 passed the threshold on its 4th payment of the window.
    const alerts = (await kafka.readAll(topics.alerts)).map((r) => {
      const alert = JSON.parse(r.value!) as FraudAlert;
      expect(r.key).toBe(alert.card);
      return alert;
    });
    const expected: FraudAlert[] = SAMPLE_ALERTS.map((a) => ({
      card: a.card,
      windowStart: T0 + a.minute * MINUTE,
      windowEnd: T0 + (a.minute + 1) * MINUTE,
      payments: a.payments,
    }));
    const byCard = (list: FraudAlert[]) => [...list].sort((a, b) => a.card.localeCompare(b.card));
    expect(byCard(alerts)).toEqual(byCard(expected));
  });
});
