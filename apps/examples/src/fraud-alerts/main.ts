/**
 * The fraud-alerts example, end to end on a real broker:
 *
 *   npm run example:fraud-alerts
 *   node --conditions=@rivulet/source --import tsx apps/examples/src/fraud-alerts/main.ts
 *
 * Uses KAFKA_BROKERS if set, else the local broker (started if needed). Feeds six minutes of card
 * payments (event time: the ten minutes before now), prints each alert as a read_committed
 * consumer sees it, then the per-card counts per minute read from the app's window store.
 */
import { randomBytes } from 'node:crypto';
import { StreamsApp } from '@rivulet/core';
import { ExampleKafka, exampleBrokers } from '../support/example-kafka.js';
import { runExample, say } from '../support/run-example.js';
import { fraudAlertTopology, PAYMENTS_PER_WINDOW_STORE, SAMPLE_ALERTS, SAMPLE_CARDS, samplePayments, type FraudAlert } from './topology.js';

const MINUTE = 60_000;
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

runExample('fraud-alerts', async (closer) => {
  const brokers = await exampleBrokers();
  const kafka = new ExampleKafka(brokers, 'fraud-alerts-example');
  const run = randomBytes(3).toString('hex');
  const topics = { payments: `card-payments-${run}`, alerts: `fraud-alerts-${run}` };
  await kafka.createTopics([
    { topic: topics.payments, partitions: 3 },
    { topic: topics.alerts, partitions: 3 },
  ]);
  say(`Topics: ${topics.payments} -> ${topics.alerts}`);
  say('Rule: more than 3 payments by one card in a one-minute window (event time, 10 s grace) raises one alert, when the window closes.');

  const applicationId = `fraud-alerts-${run}`;
  const app = new StreamsApp(fraudAlertTopology(topics), { applicationId, brokers, processingGuarantee: 'exactly_once', logLevel: 'error' });
  await closer.start(app);
  say(`App ${applicationId} started (exactly_once)`);

  let alerts = 0;
  const reading = kafka.readUntil(topics.alerts, ({ message }) => {
    const alert = JSON.parse(message.value!.toString()) as FraudAlert;
    say(`  ALERT ${alert.card}: ${alert.payments} payments in ${clock(alert.windowStart)}-${clock(alert.windowEnd)}`);
    return ++alerts === SAMPLE_ALERTS.length;
  });
  closer.add('the reader', () => reading.catch(() => undefined));

  // Event time: the payments' own timestamps, from ten minutes ago. They are sent a minute of arrivals at a time.
  const startMs = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
  const payments = samplePayments(startMs);
  for (let minute = 0; minute <= 6; minute++) {
    const batch = payments.filter((p) => p.arrival >= startMs + minute * MINUTE && p.arrival < startMs + (minute + 1) * MINUTE);
    if (batch.length === 0) continue;
    await kafka.produce(
      topics.payments,
      batch.map((p) => ({ key: p.payment.card, value: JSON.stringify(p.payment), timestamp: String(p.timestamp) })),
    );
    say(`> ${batch.length} payments around ${clock(startMs + minute * MINUTE)}`);
    await new Promise((r) => setTimeout(r, 400));
  }
  await reading;

  // Interactive query: the counts per card and minute, as the app's window store holds them.
  const windows = app.windowStore(PAYMENTS_PER_WINDOW_STORE);
  const minutes = [0, 1, 2, 3, 4];
  say(`\nPayments per card and minute (app.windowStore('${PAYMENTS_PER_WINDOW_STORE}'); * = alert):`);
  say(`  ${'card'.padEnd(10)} ${minutes.map((m) => clock(startMs + m * MINUTE).slice(0, 5).padStart(6)).join('')}`);
  for (const card of SAMPLE_CARDS) {
    const cells = minutes.map((m) => {
      const count = windows.fetch(card, startMs + m * MINUTE) ?? 0n;
      return `${count}${count > 3n ? '*' : ' '}`.padStart(6);
    });
    say(`  ${card.padEnd(10)} ${cells.join('')}`);
  }
  say('\nNote card-5555: its 4th payment of the first minute came after the window closed (and its grace), so it was dropped as late.');
  say('card-7777: its 4th payment came 10 s after its minute ended, within the grace, so it counted.');
});
