/**
 * Avro with a schema registry: purchases arrive as Avro in the Confluent wire format (a magic byte,
 * the writer's schema id, the Avro body); the app reads each into its own schema whatever schema
 * the producer wrote it with (Avro schema resolution: a producer that moved to a newer, compatible
 * schema does not break it), keeps a running spend per customer, and writes it as Avro under the
 * output topic's subject (`<topic>-value`), registering its schema on first write.
 *
 * The registry is any Confluent-compatible one, by URL (`schemaRegistryClient({ url })`), or the
 * MockSchemaRegistry from @rivulet/testing, which serves the same REST API.
 */
import type { Topology } from '@rivulet/core';
import { registryAvroSerde, serdes, type AvroValue, type SchemaRegistryClient, type SchemaRegistryClientOptions } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';

/** The purchase schema the app reads with (and the first producers write with). */
export const PurchaseV1 = {
  type: 'record',
  name: 'Purchase',
  namespace: 'io.rivulet.examples',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'customer', type: 'string' },
    { name: 'item', type: 'string' },
    { name: 'amountCents', type: 'long' },
  ],
} as const;

/** A newer purchase schema, backward compatible: one more field, with a default. */
export const PurchaseV2 = {
  type: 'record',
  name: 'Purchase',
  namespace: 'io.rivulet.examples',
  fields: [...PurchaseV1.fields, { name: 'channel', type: { type: 'enum', name: 'Channel', symbols: ['STORE', 'WEB', 'APP'] }, default: 'STORE' }],
} as const;

/** What the app writes: a customer's running spend. */
export const CustomerSpendSchema = {
  type: 'record',
  name: 'CustomerSpend',
  namespace: 'io.rivulet.examples',
  fields: [
    { name: 'customer', type: 'string' },
    { name: 'purchases', type: 'long' },
    { name: 'totalCents', type: 'long' },
    { name: 'lastItem', type: 'string' },
  ],
} as const;

export type Purchase = AvroValue<typeof PurchaseV1>;
export type PurchaseWithChannel = AvroValue<typeof PurchaseV2>;
export type CustomerSpend = AvroValue<typeof CustomerSpendSchema>;

export interface AvroTopics {
  /** Purchases keyed by customer, Avro values. */
  purchases: string;
  /** The spend per customer, keyed by customer, Avro values. */
  spend: string;
}

/** The store of the running spend (JSON inside: a store's serde must be synchronous, a registry's is not). */
export const SPEND_STORE = 'spend-per-customer';

export function avroSpendTopology({ purchases, spend }: AvroTopics, registry: SchemaRegistryClient | SchemaRegistryClientOptions): Topology {
  const builder = new StreamsBuilder();
  builder
    .source(purchases, { key: serdes.string(), value: registryAvroSerde({ registry, schema: PurchaseV1 }) })
    .groupByKey()
    .aggregate(
      (): CustomerSpend => ({ customer: '', purchases: 0, totalCents: 0, lastItem: '' }),
      (customer, purchase, total): CustomerSpend => ({
        customer,
        purchases: total.purchases + 1,
        totalCents: total.totalCents + purchase.amountCents,
        lastItem: purchase.item,
      }),
      { store: SPEND_STORE, value: serdes.json<CustomerSpend>() },
    )
    .toStream()
    .sink(spend, { key: serdes.string(), value: registryAvroSerde({ registry, schema: CustomerSpendSchema }) });
  return builder.build();
}

const CUSTOMERS = ['ada', 'alan', 'grace', 'edsger'];
const ITEMS = ['coffee', 'notebook', 'keyboard', 'headphones', 'lamp'];
const CHANNELS = ['STORE', 'WEB', 'APP'] as const;

/**
 * `count` purchases, deterministic: the first half as v1 producers write them, the second half
 * with a channel, as producers that moved to v2 write them.
 */
export function samplePurchases(count: number): { v1: Purchase[]; v2: PurchaseWithChannel[] } {
  const all = Array.from({ length: count }, (_, i) => ({
    id: `p-${i + 1}`,
    customer: CUSTOMERS[(i * 3) % CUSTOMERS.length]!,
    item: ITEMS[(i * 7) % ITEMS.length]!,
    amountCents: 199 + ((i * 1571) % 5_000),
  }));
  const half = Math.floor(count / 2);
  return { v1: all.slice(0, half), v2: all.slice(half).map((p, i) => ({ ...p, channel: CHANNELS[i % CHANNELS.length]! })) };
}

/** The spend each customer must end with. */
export function expectedSpend(purchases: readonly Purchase[]): Map<string, CustomerSpend> {
  const result = new Map<string, CustomerSpend>();
  for (const p of purchases) {
    const before = result.get(p.customer) ?? { customer: p.customer, purchases: 0, totalCents: 0, lastItem: '' };
    result.set(p.customer, { customer: p.customer, purchases: before.purchases + 1, totalCents: before.totalCents + p.amountCents, lastItem: p.item });
  }
  return result;
}
