/**
 * The bank example, end to end on a real broker with exactly_once:
 *
 *   npm run example:bank
 *   node --conditions=@rivulet/source --import tsx apps/examples/src/bank/main.ts
 *
 * Uses KAFKA_BROKERS if set, else the local broker (started if needed). Feeds transfers between
 * accounts while the app runs, reads the balances as a read_committed consumer sees them, and checks
 * that each balance is what the transfers say and that the total is zero: no money created or lost.
 */
import { randomBytes } from 'node:crypto';
import { StreamsApp } from '@rivulet/core';
import { ExampleKafka, exampleBrokers } from '../support/example-kafka.js';
import { runExample, say } from '../support/run-example.js';
import { bankTopology, expectedBalances, makeTransfers } from './topology.js';

const TRANSFERS = 3_000;
const ACCOUNTS = 12;
const dollars = (cents: number): string => `${cents < 0 ? '-' : ' '}$${(Math.abs(cents) / 100).toFixed(2)}`;

runExample('bank', async (closer) => {
  const brokers = await exampleBrokers();
  const kafka = new ExampleKafka(brokers, 'bank-example');
  const run = randomBytes(3).toString('hex');
  const topics = { transfers: `transfers-${run}`, balances: `balances-${run}` };
  await kafka.createTopics([
    { topic: topics.transfers, partitions: 3 },
    { topic: topics.balances, partitions: 3 },
  ]);
  say(`Topics: ${topics.transfers} -> ${topics.balances}`);

  const applicationId = `bank-${run}`;
  const app = new StreamsApp(bankTopology(topics), { applicationId, brokers, processingGuarantee: 'exactly_once', logLevel: 'error' });
  await closer.start(app);
  say(`App ${applicationId} started (exactly_once): each transfer is a debit and a credit, summed per account in the store 'balances'`);

  const transfers = makeTransfers(TRANSFERS, ACCOUNTS);
  const expected = expectedBalances(transfers);
  const balances = new Map<string, number>();
  let updates = 0;
  const reading = kafka.readUntil(topics.balances, ({ message }) => {
    balances.set(message.key!.toString(), JSON.parse(message.value!.toString()) as number);
    updates++;
    if (updates % 1_000 === 0) say(`  ${updates} balance updates read (read_committed)`);
    // Each transfer makes two updates: a debit and a credit.
    return updates >= 2 * transfers.length;
  });
  closer.add('the reader', () => reading.catch(() => undefined));

  for (let i = 0; i < transfers.length; i += 500) {
    const batch = transfers.slice(i, i + 500);
    await kafka.produce(
      topics.transfers,
      batch.map((t) => ({ key: t.id, value: JSON.stringify(t) })),
    );
    say(`> ${i + batch.length}/${transfers.length} transfers sent`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await reading;

  say('\nBalances (the last update per account), and what the transfers say they must be:');
  let total = 0;
  let wrong = 0;
  for (const [account, want] of [...expected].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))) {
    const got = balances.get(account) ?? 0;
    total += got;
    if (got !== want) wrong++;
    say(`  ${account.padEnd(8)} ${dollars(got).padStart(11)}  ${got === want ? 'ok' : `expected ${dollars(want)}`}`);
  }
  say(`  ${'total'.padEnd(8)} ${dollars(total).padStart(11)}`);
  // Interactive query: the app's own store agrees.
  const store = app.store('balances');
  const storeTotal = [...store.all()].reduce((sum, e) => sum + e.value, 0);
  say(`app.store('balances'): ${store.approximateNumEntries()} accounts, total ${dollars(storeTotal).trim()}`);
  if (wrong > 0 || total !== 0 || updates !== 2 * transfers.length) throw new Error(`${wrong} wrong balances, total ${total}, ${updates} updates`);
  say(`\nDone: ${transfers.length} transfers, ${updates} balance updates, every balance right, no money created or lost.`);
});
