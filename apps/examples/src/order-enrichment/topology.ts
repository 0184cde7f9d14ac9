/**
 * Order enrichment: orders arrive keyed by order id; the customers topic is a table keyed by
 * customer id. To look an order's customer up, the orders are re-keyed by customer id, which sends
 * them through a repartition topic (`<applicationId>-orders-by-customer-repartition`) so that each
 * customer's orders reach the task that holds that customer in its table. Each order goes out
 * with its customer's name and tier as they are when the order is processed; an order whose
 * customer is not known goes out with `customer: null` (a left join).
 */
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';

export interface Order {
  id: string;
  customerId: string;
  product: string;
  /** In cents. */
  amount: number;
}

export interface Customer {
  name: string;
  tier: 'gold' | 'silver' | 'bronze';
}

/** An order with its customer, keyed by customer id. */
export interface EnrichedOrder {
  orderId: string;
  product: string;
  amount: number;
  /** The customer as the table held it when the order was processed; null when unknown. */
  customer: (Customer & { id: string }) | null;
}

export interface OrderEnrichmentTopics {
  /** Orders, keyed by order id. */
  orders: string;
  /** Customers, keyed by customer id: read as a table (the latest value per key; null deletes). */
  customers: string;
  /** Enriched orders, keyed by customer id. */
  enriched: string;
}

/** The store of the customers table, queryable with `app.store('customers')`. */
export const CUSTOMERS_STORE = 'customers';

export function orderEnrichmentTopology({ orders, customers, enriched }: OrderEnrichmentTopics) {
  const builder = new StreamsBuilder();
  const customerTable = builder.table(customers, { key: serdes.string(), value: serdes.json<Customer>(), store: CUSTOMERS_STORE });
  builder
    .source(orders, { key: serdes.string(), value: serdes.json<Order>() })
    // A new key: the join below repartitions the orders by it first.
    .selectKey((_orderId, order) => order.customerId)
    .leftJoin(
      customerTable,
      (order, customer, customerId): EnrichedOrder => ({
        orderId: order.id,
        product: order.product,
        amount: order.amount,
        customer: customer === null ? null : { id: customerId, ...customer },
      }),
      { name: 'orders-by-customer' },
    )
    .sink(enriched, { key: serdes.string(), value: serdes.json<EnrichedOrder>() });
  // Typed with the customers' store: app.store(CUSTOMERS_STORE) reads Customers, no type arguments.
  return builder.build(customerTable);
}

/** A few customers, keyed by id. */
export const SAMPLE_CUSTOMERS: ReadonlyMap<string, Customer> = new Map<string, Customer>([
  ['c-ada', { name: 'Ada Lovelace', tier: 'gold' }],
  ['c-alan', { name: 'Alan Turing', tier: 'silver' }],
  ['c-grace', { name: 'Grace Hopper', tier: 'gold' }],
  ['c-edsger', { name: 'Edsger Dijkstra', tier: 'bronze' }],
  ['c-barbara', { name: 'Barbara Liskov', tier: 'silver' }],
]);

const PRODUCTS = ['keyboard', 'monitor', 'coffee', 'notebook', 'headphones', 'desk lamp'];

/**
 * `count` orders, ids `o-1`..., spread over the sample customers and one unknown customer
 * (`c-nobody`), deterministic.
 */
export function sampleOrders(count: number): Order[] {
  const customerIds = [...SAMPLE_CUSTOMERS.keys(), 'c-nobody'];
  return Array.from({ length: count }, (_, i) => ({
    id: `o-${i + 1}`,
    customerId: customerIds[(i * 7) % customerIds.length]!,
    product: PRODUCTS[(i * 5) % PRODUCTS.length]!,
    amount: 500 + ((i * 1237) % 20_000),
  }));
}
