import { serdes } from '@rivulet/serde';
import { describe, expectTypeOf, it } from 'vitest';
import type { KTable } from './ktable.js';
import { StreamsBuilder } from './streams-builder.js';

interface Order {
  item: string;
  customerId: string | null;
}
interface Customer {
  name: string;
}

const builder = new StreamsBuilder({ warn: () => undefined });
const orders = builder.table('orders', { key: serdes.string(), value: serdes.json<Order>(), store: 'orders' });
const customers = builder.table('customers', { key: serdes.string(), value: serdes.json<Customer>(), store: 'customers' });
const byId = builder.table('by-id', { key: serdes.int32(), value: serdes.json<Customer>(), store: 'by-id' });

describe('foreign-key join types', () => {
  it('join: the extractor sees the value; the joiner this value and the other (non-null) value; keyed by this key', () => {
    const joined = orders.join(
      customers,
      (order) => {
        expectTypeOf(order).toEqualTypeOf<Order>();
        return order.customerId;
      },
      (order, customer) => {
        expectTypeOf(order).toEqualTypeOf<Order>();
        expectTypeOf(customer).toEqualTypeOf<Customer>();
        return `${order.item} for ${customer.name}`;
      },
      { name: 'order-customer', otherKey: serdes.string() },
    );
    expectTypeOf(joined).toEqualTypeOf<KTable<string, string>>();
  });

  it('leftJoin: the other value may be null; a foreign key of another type than this key', () => {
    const joined = orders.leftJoin(
      byId,
      (order) => Number(order.customerId),
      (order, customer) => {
        expectTypeOf(customer).toEqualTypeOf<Customer | null>();
        return { item: order.item, name: customer?.name ?? null };
      },
    );
    expectTypeOf(joined).toEqualTypeOf<KTable<string, { item: string; name: string | null }>>();
  });

  it('refuses an extractor whose key is not the other table key type, and a serde of another type', () => {
    // @ts-expect-error the other table's keys are numbers
    orders.join(byId, (order) => order.item, (order) => order);
    // @ts-expect-error otherKey must be a serde of the foreign key type
    orders.join(customers, (order) => order.customerId, (order) => order, { otherKey: serdes.int32() });
  });

  it('keeps the key-based join and leftJoin: the joiner gets the key, options are table options', () => {
    const inner = orders.join(customers, (order, customer, key) => {
      expectTypeOf(customer).toEqualTypeOf<Customer>();
      expectTypeOf(key).toEqualTypeOf<string>();
      return order.item + customer.name;
    }, { store: 'x', value: serdes.string() });
    expectTypeOf(inner).toEqualTypeOf<KTable<string, string>>();
    const left = orders.leftJoin(customers, (order, customer) => customer?.name ?? order.item);
    expectTypeOf(left).toEqualTypeOf<KTable<string, string>>();
  });
});
