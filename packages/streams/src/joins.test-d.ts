import { serdes } from '@rivulet/serde';
import { describe, expectTypeOf, it } from 'vitest';
import { JoinWindows } from './join-windows.js';
import type { KStream } from './kstream.js';
import type { KTable } from './ktable.js';
import { StreamsBuilder } from './streams-builder.js';

interface Order {
  id: string;
  total: number;
}
interface Customer {
  name: string;
}

const builder = new StreamsBuilder({ warn: () => undefined });
const orders = builder.source('orders', { key: serdes.string(), value: serdes.json<Order>() });
const customers = builder.table('customers', { key: serdes.string(), value: serdes.json<Customer>(), store: 'customers' });
const payments = builder.source('payments', { key: serdes.string(), value: serdes.int32() });
const windows = JoinWindows.ofTimeDifferenceWithNoGrace(1000);

describe('join types', () => {
  it('stream-table: the joiner sees the stream value, the table value (or null for a left join) and the key', () => {
    const inner = orders.join(customers, (order, customer, key) => {
      expectTypeOf(order).toEqualTypeOf<Order>();
      expectTypeOf(customer).toEqualTypeOf<Customer>();
      expectTypeOf(key).toEqualTypeOf<string>();
      return { total: order.total, name: customer.name };
    });
    expectTypeOf(inner).toEqualTypeOf<KStream<string, { total: number; name: string }>>();

    const left = orders.leftJoin(customers, (order, customer) => {
      expectTypeOf(customer).toEqualTypeOf<Customer | null>();
      return customer?.name ?? order.id;
    });
    expectTypeOf(left).toEqualTypeOf<KStream<string, string>>();
  });

  it('stream-stream: the other side is nullable in a left join, both sides in an outer join', () => {
    const inner = orders.join(payments, (order, amount, key) => {
      expectTypeOf(order).toEqualTypeOf<Order>();
      expectTypeOf(amount).toEqualTypeOf<number>();
      expectTypeOf(key).toEqualTypeOf<string>();
      return order.total === amount;
    }, windows);
    expectTypeOf(inner).toEqualTypeOf<KStream<string, boolean>>();

    const left = orders.leftJoin(payments, (order, amount) => {
      expectTypeOf(order).toEqualTypeOf<Order>();
      expectTypeOf(amount).toEqualTypeOf<number | null>();
      return amount ?? 0;
    }, windows, { name: 'order-payments', otherValue: serdes.int32() });
    expectTypeOf(left).toEqualTypeOf<KStream<string, number>>();

    const outer = orders.outerJoin(payments, (order, amount) => {
      expectTypeOf(order).toEqualTypeOf<Order | null>();
      expectTypeOf(amount).toEqualTypeOf<number | null>();
      return [order, amount] as const;
    }, windows);
    expectTypeOf(outer).toEqualTypeOf<KStream<string, readonly [Order | null, number | null]>>();
  });

  it('table-table: the result table carries the joiner result type', () => {
    const totals: KTable<string, number> = builder.table('totals', { key: serdes.string(), value: serdes.int32(), store: 'totals' });
    expectTypeOf(customers.join(totals, (c, t) => `${c.name}:${t}`)).toEqualTypeOf<KTable<string, string>>();
    customers.leftJoin(totals, (c, t) => {
      expectTypeOf(c).toEqualTypeOf<Customer>();
      expectTypeOf(t).toEqualTypeOf<number | null>();
    });
    const outer = customers.outerJoin(totals, (c, t, key) => {
      expectTypeOf(c).toEqualTypeOf<Customer | null>();
      expectTypeOf(t).toEqualTypeOf<number | null>();
      expectTypeOf(key).toEqualTypeOf<string>();
      return (t ?? 0) > 0;
    });
    expectTypeOf(outer).toEqualTypeOf<KTable<string, boolean>>();
  });

  it('the sink of a join result accepts only a serde of the joiner result', () => {
    const joined = orders.join(customers, (order, customer) => ({ id: order.id, name: customer.name }));
    joined.sink('enriched', { value: serdes.json<{ id: string; name: string }>() });
    // @ts-expect-error the result is an object, not a string
    joined.sink('enriched', { value: serdes.string() });
  });

  it('keys must match: a stream cannot join a table or stream keyed by another type', () => {
    const byNumber = builder.table('by-number', { key: serdes.int32(), value: serdes.string(), store: 'by-number' });
    const numbered = builder.source('numbered', { key: serdes.int32(), value: serdes.string() });
    // @ts-expect-error string keys against number keys
    orders.join(byNumber, (o, v) => `${o.id}${v}`);
    // @ts-expect-error string keys against number keys
    orders.join(numbered, (o, v) => `${o.id}${v}`, windows);
    // @ts-expect-error string keys against number keys
    customers.join(byNumber, (c, v) => `${c.name}${v}`);
  });

  it('a stream-stream join takes JoinWindows, and its options type the buffers serdes', () => {
    // @ts-expect-error the other value serde must write the other stream's values
    orders.join(payments, (o, p) => o.total + p, windows, { otherValue: serdes.string() });
    // @ts-expect-error an outer join needs windows
    orders.outerJoin(payments, (o, p) => [o, p]);
  });
});
