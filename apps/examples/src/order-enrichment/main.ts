/**
 * The order-enrichment example, end to end on a real broker:
 *
 *   npm run example:order-enrichment
 *   node --conditions=@rivulet/source --import tsx apps/examples/src/order-enrichment/main.ts
 *
 * Uses KAFKA_BROKERS if set, else the local broker (started if needed). Loads the customers table,
 * feeds orders, prints each order with its customer as a read_committed consumer sees it, updates
 * a customer and registers a new one, feeds more orders, and shows that they see the new values.
 */
import { randomBytes } from 'node:crypto';
import { StreamsApp } from '@rivulet/core';
import { ExampleKafka, exampleBrokers, waitFor } from '../support/example-kafka.js';
import { runExample, say } from '../support/run-example.js';
import { CUSTOMERS_STORE, orderEnrichmentTopology, SAMPLE_CUSTOMERS, sampleOrders, type Customer, type EnrichedOrder } from './topology.js';

const dollars = (cents: number): string => `$${(cents / 100).toFixed(2)}`;

function describeOrder(key: string, order: EnrichedOrder, partition: number): string {
  const who = order.customer === null ? `unknown customer ${key}` : `${order.customer.name} (${order.customer.tier})`;
  return `  ${order.orderId.padEnd(5)} ${order.product.padEnd(10)} ${dollars(order.amount).padStart(8)}  -> ${who.padEnd(26)} [partition ${partition}]`;
}

runExample('order-enrichment', async (closer) => {
  const brokers = await exampleBrokers();
  const kafka = new ExampleKafka(brokers, 'order-enrichment-example');
  const run = randomBytes(3).toString('hex');
  const topics = { orders: `orders-${run}`, customers: `customers-${run}`, enriched: `enriched-orders-${run}` };
  // The orders topic has 2 partitions, the customers table 3: the repartition topic takes the
  // table's 3, so each customer's orders meet the customer in one task.
  await kafka.createTopics([
    { topic: topics.orders, partitions: 2 },
    { topic: topics.customers, partitions: 3 },
    { topic: topics.enriched, partitions: 3 },
  ]);
  say(`Topics: ${topics.orders} (keyed by order id) + ${topics.customers} (table) -> ${topics.enriched} (keyed by customer id)`);

  await kafka.produce(
    topics.customers,
    [...SAMPLE_CUSTOMERS].map(([id, customer]) => ({ key: id, value: JSON.stringify(customer) })),
  );
  const applicationId = `order-enrichment-${run}`;
  const app = new StreamsApp(orderEnrichmentTopology(topics), { applicationId, brokers, processingGuarantee: 'exactly_once', logLevel: 'error' });
  await closer.start(app);
  say(`App ${applicationId} started (exactly_once); orders are re-keyed through ${applicationId}-orders-by-customer-repartition`);

  // Interactive query: the app's own view of the customers table.
  const table = app.store(CUSTOMERS_STORE);
  await waitFor(() => table.approximateNumEntries() === SAMPLE_CUSTOMERS.size, 'the customers table to load');
  say(`Customers table loaded: ${[...table.all()].map((e) => `${e.key}=${e.value.name}`).join(', ')}`);

  const orders = sampleOrders(18);
  let printed = 0;
  const reading = kafka.readUntil(topics.enriched, ({ partition, message }) => {
    say(describeOrder(message.key!.toString(), JSON.parse(message.value!.toString()) as EnrichedOrder, partition));
    return ++printed === orders.length;
  });
  closer.add('the reader', () => reading.catch(() => undefined));

  say(`\nFeeding ${orders.length - 6} orders:`);
  await kafka.produce(topics.orders, orders.slice(0, -6).map((o) => ({ key: o.id, value: JSON.stringify(o) })));
  await waitFor(() => printed === orders.length - 6, 'the first enriched orders');

  say('\nEdsger moves up to gold, and c-nobody signs up as "Nobody Known":');
  await kafka.produce(topics.customers, [
    { key: 'c-edsger', value: JSON.stringify({ name: 'Edsger Dijkstra', tier: 'gold' } satisfies Customer) },
    { key: 'c-nobody', value: JSON.stringify({ name: 'Nobody Known', tier: 'bronze' } satisfies Customer) },
  ]);
  await waitFor(() => table.get('c-edsger')?.tier === 'gold' && table.get('c-nobody') !== undefined, 'the customer updates');
  say(`Feeding 6 more orders:`);
  await kafka.produce(topics.orders, orders.slice(-6).map((o) => ({ key: o.id, value: JSON.stringify(o) })));
  await reading;

  say(`\nDone: ${orders.length} orders enriched, each customer's orders in one partition of ${topics.enriched}.`);
});
