import { describe, expectTypeOf, it } from 'vitest';
import { FakeRegistry } from '../../test/unit/fake-registry.js';
import type { Serde } from '../serde.js';
import { serdes } from '../serdes.js';
import { registryProtobufSerde } from './registry-protobuf-serde.js';
import type { RegistryProtobufSerdeOptions } from './registry-protobuf-serde.js';

describe('registryProtobufSerde types', () => {
  const registry = new FakeRegistry();

  it('takes the message shape as a type argument', () => {
    expectTypeOf(registryProtobufSerde<{ id: string; qty: bigint }>({ registry, schema: '' })).toEqualTypeOf<Serde<{ id: string; qty: bigint }>>();
    expectTypeOf(serdes.registryProtobuf<{ id: string }>({ registry })).toEqualTypeOf<Serde<{ id: string }>>();
  });

  it('defaults to a record of unknowns', () => {
    expectTypeOf(registryProtobufSerde({ registry })).toEqualTypeOf<Serde<Record<string, unknown>>>();
  });

  it('allows only the exact conversions', () => {
    expectTypeOf<RegistryProtobufSerdeOptions['longs']>().toEqualTypeOf<'bigint' | 'string' | undefined>();
    // @ts-expect-error a lossy number is not offered
    registryProtobufSerde({ registry, longs: 'number' });
  });
});
