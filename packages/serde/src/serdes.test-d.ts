import { describe, expectTypeOf, it } from 'vitest';
import type { Serde, SerdeType } from './serde.js';
import { serdes } from './serdes.js';
import type { AvroValue } from './avro/avro-schema.js';
import type { SchemaRegistryClient } from './registry/schema-registry-client.js';
import type { StandardSchemaV1 } from './standard-schema.js';

describe('serdes types', () => {
  it('fixes the value type of each built-in serde', () => {
    expectTypeOf(serdes.string()).toEqualTypeOf<Serde<string>>();
    expectTypeOf(serdes.bytes()).toEqualTypeOf<Serde<Buffer>>();
    expectTypeOf(serdes.int16()).toEqualTypeOf<Serde<number>>();
    expectTypeOf(serdes.int32()).toEqualTypeOf<Serde<number>>();
    expectTypeOf(serdes.int64()).toEqualTypeOf<Serde<bigint>>();
    expectTypeOf(serdes.float32()).toEqualTypeOf<Serde<number>>();
    expectTypeOf(serdes.float()).toEqualTypeOf<Serde<number>>();
    expectTypeOf(serdes.float64()).toEqualTypeOf<Serde<number>>();
    expectTypeOf(serdes.double()).toEqualTypeOf<Serde<number>>();
    expectTypeOf(serdes.boolean()).toEqualTypeOf<Serde<boolean>>();
    expectTypeOf(serdes.uuid()).toEqualTypeOf<Serde<string>>();
    expectTypeOf(serdes.void()).toEqualTypeOf<Serde<null>>();
  });

  it('types JSON by its type argument, by its parse hook, or as unknown', () => {
    expectTypeOf(serdes.json<{ a: number }>()).toEqualTypeOf<Serde<{ a: number }>>();
    expectTypeOf(serdes.json()).toEqualTypeOf<Serde<unknown>>();
    const dated = serdes.json({ parse: (value) => ({ at: new Date(String(value)) }) });
    expectTypeOf(dated).toEqualTypeOf<Serde<{ at: Date }>>();
    expectTypeOf<SerdeType<typeof dated>>().toEqualTypeOf<{ at: Date }>();
  });

  it('extracts the value type with SerdeType', () => {
    expectTypeOf<SerdeType<ReturnType<typeof serdes.int64>>>().toEqualTypeOf<bigint>();
    expectTypeOf<SerdeType<ReturnType<typeof serdes.string>>>().toEqualTypeOf<string>();
  });

  it('accepts only values of the serde type', () => {
    // @ts-expect-error int32 writes numbers, not bigints
    serdes.int32().serialize('t', 1n);
    // @ts-expect-error int64 is typed bigint (a safe-integer number is accepted at run time only)
    serdes.int64().serialize('t', 1);
    // @ts-expect-error the JSON type argument fixes what may be written
    serdes.json<{ a: number }>().serialize('t', { a: 'x' });
    expectTypeOf(serdes.int64().deserialize).returns.toEqualTypeOf<bigint | Promise<bigint>>();
  });
});

describe('schema-typed serdes', () => {
  it('infers JSON values from a Standard Schema', () => {
    const schema = {} as StandardSchemaV1<unknown, { name: string }>;
    expectTypeOf(serdes.json({ schema })).toEqualTypeOf<Serde<{ name: string }>>();
  });

  it('infers Avro values from a schema declared as const, with bigint longs on request', () => {
    const User = {
      type: 'record',
      name: 'User',
      fields: [
        { name: 'id', type: 'string' },
        { name: 'visits', type: 'long' },
        { name: 'email', type: ['null', 'string'], default: null },
        { name: 'joined', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'tier', type: { type: 'enum', name: 'Tier', symbols: ['FREE', 'PRO'] } },
        { name: 'tags', type: { type: 'array', items: 'string' } },
        { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 5, scale: 2 } },
      ],
    } as const;
    interface Expected {
      id: string;
      visits: number;
      email: string | null;
      joined: Date;
      tier: 'FREE' | 'PRO';
      tags: string[];
      price: string;
    }
    expectTypeOf(serdes.avro({ schema: User })).toEqualTypeOf<Serde<Expected>>();
    const withBigints = serdes.avro({ schema: User, longs: 'bigint' });
    expectTypeOf(withBigints).not.toBeAny();
    expectTypeOf<SerdeType<typeof withBigints>['visits']>().toEqualTypeOf<bigint>();
    expectTypeOf<SerdeType<typeof withBigints>['joined']>().toEqualTypeOf<Date>();
    expectTypeOf<AvroValue<typeof User>>().toEqualTypeOf<Expected>();
    const registry = {} as SchemaRegistryClient;
    expectTypeOf(serdes.registryAvro({ registry, schema: User })).toEqualTypeOf<Serde<Expected>>();
  });

  it('takes an explicit type for schemas given as text, and for registry JSON', () => {
    expectTypeOf(serdes.avro<{ a: number }>({ schema: '{"type":"int"}' })).toEqualTypeOf<Serde<{ a: number }>>();
    const registry = {} as SchemaRegistryClient;
    expectTypeOf(serdes.registryJson<{ a: number }>({ registry, schema: {} })).toEqualTypeOf<Serde<{ a: number }>>();
    expectTypeOf(serdes.registryAvro({ registry })).toEqualTypeOf<Serde<unknown>>();
  });
});
