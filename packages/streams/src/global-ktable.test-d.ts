import type { KeyValueStoreType, NamedStore } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { describe, expectTypeOf, it } from 'vitest';
import type { GlobalKTable } from './global-ktable.js';
import type { KStream } from './kstream.js';
import { StreamsBuilder } from './streams-builder.js';

interface Order {
  id: string;
  countryCode: string;
}
interface Country {
  name: string;
}

const builder = new StreamsBuilder({ warn: () => undefined });
const orders = builder.source('orders', { key: serdes.string(), value: serdes.json<Order>() });
const countries = builder.globalTable('countries', { key: serdes.int32(), value: serdes.json<Country>(), store: 'countries' });

describe('GlobalKTable types', () => {
  it('globalTable takes its types from the serdes', () => {
    expectTypeOf(countries).toEqualTypeOf<GlobalKTable<number, Country> & NamedStore<'countries', KeyValueStoreType<number, Country>>>();
    expectTypeOf(countries.queryableStoreName).toEqualTypeOf<'countries'>();
    expectTypeOf(builder.globalTable('rates', { key: serdes.string(), value: serdes.float64(), name: 'rates' })).toEqualTypeOf<GlobalKTable<string, number>>();
  });

  it('the key selector sees key and value and returns the table key; the joiner sees value, table value (null for a left join) and key', () => {
    const inner = orders.join(
      countries,
      (key, order) => {
        expectTypeOf(key).toEqualTypeOf<string>();
        expectTypeOf(order).toEqualTypeOf<Order>();
        return order.countryCode.length;
      },
      (order, country, key) => {
        expectTypeOf(order).toEqualTypeOf<Order>();
        expectTypeOf(country).toEqualTypeOf<Country>();
        expectTypeOf(key).toEqualTypeOf<string>();
        return `${order.id}:${country.name}`;
      },
      { name: 'orders-countries' },
    );
    expectTypeOf(inner).toEqualTypeOf<KStream<string, string>>();

    const left = orders.leftJoin(
      countries,
      (_key, order) => order.countryCode.length,
      (order, country) => {
        expectTypeOf(country).toEqualTypeOf<Country | null>();
        return { id: order.id, country: country?.name };
      },
    );
    expectTypeOf(left).toEqualTypeOf<KStream<string, { id: string; country: string | undefined }>>();
  });

  it('the key selector must return the table key type', () => {
    // @ts-expect-error a string is not the table's number key
    orders.join(countries, (_key, order) => order.countryCode, (order) => order.id);
  });
});
