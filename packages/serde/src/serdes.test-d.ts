import { describe, expectTypeOf, it } from 'vitest';
import type { Serde, SerdeType } from './serde.js';
import { serdes } from './serdes.js';

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
