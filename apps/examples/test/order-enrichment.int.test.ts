/**
 * The order-enrichment example on the real broker with exactly_once: orders keyed by order id are
 * re-keyed by customer through a repartition topic and joined with the customers table; each order
 * comes out once, with its customer as the table held it, in the partition of its customer.
 */
import { StreamsApp } from '@rivulet/core';
import { KafkaTestHarness } from '@rivulet/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CUSTOMERS_STORE,
  orderEnrichmentTopology,
  SAMPLE_CUSTOMERS,
  sampleOrders,
  type Customer,
  type EnrichedOrder,
  type Order,
} from '../src/order-enrichment/topology.js';

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

const asRecord = (o: Order) => ({ key: o.id, value: JSON.stringify(o) });

describe('order enrichment example', () => {
  it('enriches every order once, through the repartition topic, with the table as it is when the order is processed', async () => {
    const kafka = new KafkaTestHarness();
    const topics = { orders: kafka.uniqueName('orders'), customers: kafka.uniqueName('customers'), enriched: kafka.uniqueName('enriched-orders') };
    await Promise.all([kafka.createTopic(topics.orders, 2), kafka.createTopic(topics.customers, 3), kafka.createTopic(topics.enriched, 3)]);
    await kafka.produce(
      topics.customers,
      [...SAMPLE_CUSTOMERS].map(([id, c]) => ({ key: id, value: JSON.stringify(c) })),
    );
    const applicationId = kafka.uniqueName('order-enrichment');
    const app = new StreamsApp(orderEnrichmentTopology(topics), {
      applicationId,
      brokers: kafka.brokers,
      processingGuarantee: 'exactly_once',
      logLevel: 'error',
      stateDir: `/tmp/rivulet-test-state/${applicationId}`,
    });
    apps.push(app);
    await app.start();
    const table = app.store<string, Customer>(CUSTOMERS_STORE);
    await kafka.eventually(async () => (table.approximateNumEntries() === SAMPLE_CUSTOMERS.size ? true : undefined), 30_000, 'the customers table');

    // Phase 1: 60 orders over the 5 customers and one unknown (c-nobody).
    const orders = sampleOrders(72);
    await kafka.produce(topics.orders, orders.slice(0, 60).map(asRecord));
    await kafka.readAtLeast(topics.enriched, 60, 45_000);

    // Phase 2: a customer changes tier, the unknown one signs up; later orders see both.
    const edsger: Customer = { name: 'Edsger Dijkstra', tier: 'gold' };
    const nobody: Customer = { name: 'Nobody Known', tier: 'bronze' };
    await kafka.produce(topics.customers, [
      { key: 'c-edsger', value: JSON.stringify(edsger) },
      { key: 'c-nobody', value: JSON.stringify(nobody) },
    ]);
    await kafka.eventually(async () => (table.get('c-edsger')?.tier === 'gold' && table.get('c-nobody') !== undefined ? true : undefined), 30_000, 'the customer updates');
    await kafka.produce(topics.orders, orders.slice(60).map(asRecord));
    await kafka.readAtLeast(topics.enriched, 72, 45_000);
    await app.close();

    const customersThen = (phase: 1 | 2): Map<string, Customer> =>
      phase === 1 ? new Map(SAMPLE_CUSTOMERS) : new Map([...SAMPLE_CUSTOMERS, ['c-edsger', edsger], ['c-nobody', nobody]]);
    const expected = orders.map((o, i) => {
      const customer = customersThen(i < 60 ? 1 : 2).get(o.customerId);
      const enriched: EnrichedOrder = { orderId: o.id, product: o.product, amount: o.amount, customer: customer === undefined ? null : { id: o.customerId, ...customer } };
      return [o.customerId, enriched] as const;
    });
    const out = await kafka.readAll(topics.enriched);
    const byOrder = (list: readonly (readonly [string, EnrichedOrder])[]) => [...list].sort((a, b) => a[1].orderId.localeCompare(b[1].orderId));
    // Exactly once: 72 records, one per order, keyed by customer, with the customer of its phase.
    expect(byOrder(out.map((r) => [r.key!, JSON.parse(r.value!) as EnrichedOrder] as const))).toEqual(byOrder(expected));
    expect(expected.filter(([, e]) => e.customer === null)).toHaveLength(10); // c-nobody's orders in phase 1

    // Keyed by customer, the enriched orders are partitioned as the customers are. The repartition
    // topic took the table's 3 partitions (not the orders' 2) and carried each order once.
    const customerRecords = await kafka.readAll(topics.customers);
    const customerPartition = new Map(customerRecords.map((r) => [r.key!, r.partition]));
    for (const r of out) expect(r.partition, `${r.key}`).toBe(customerPartition.get(r.key!));
    const repartition = `${applicationId}-orders-by-customer-repartition`;
    expect((await kafka.endOffsets(repartition)).size).toBe(3);
    expect(await kafka.readAll(repartition)).toHaveLength(72);
  });
});
