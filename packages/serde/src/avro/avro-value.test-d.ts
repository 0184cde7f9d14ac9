import { describe, expectTypeOf, it } from 'vitest';
import type { Serde, SerdeType } from '../serde.js';
import type { AvroValue } from './avro-schema.js';
import { avroSerde } from './avro-serde.js';
import type { AvroDuration } from './logical-duration.js';

const Everything = {
  type: 'record',
  name: 'Everything',
  fields: [
    { name: 'count', type: 'long' },
    { name: 'maybe', type: ['null', 'long'] },
    { name: 'tsMillis', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'tsMicros', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'tsNanos', type: { type: 'long', logicalType: 'timestamp-nanos' } },
    { name: 'localMillis', type: { type: 'long', logicalType: 'local-timestamp-millis' } },
    { name: 'localMicros', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
    { name: 'localNanos', type: { type: 'long', logicalType: 'local-timestamp-nanos' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'timeMillis', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'timeMicros', type: { type: 'long', logicalType: 'time-micros' } },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
    { name: 'fixedPrice', type: { type: 'fixed', name: 'Money', size: 8, logicalType: 'decimal', precision: 18, scale: 2 } },
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'fixedId', type: { type: 'fixed', name: 'Id', size: 16, logicalType: 'uuid' } },
    { name: 'period', type: { type: 'fixed', name: 'Period', size: 12, logicalType: 'duration' } },
  ],
} as const;

interface Expected<Long> {
  count: Long;
  maybe: Long | null;
  tsMillis: Date;
  tsMicros: bigint;
  tsNanos: bigint;
  localMillis: Date;
  localMicros: bigint;
  localNanos: bigint;
  day: Date;
  timeMillis: number;
  timeMicros: bigint;
  price: string;
  fixedPrice: string;
  id: string;
  fixedId: string;
  period: AvroDuration;
}

describe('Avro value types', () => {
  it('types every logical type as the serde returns it; longs follow the option, logical types do not', () => {
    expectTypeOf(avroSerde({ schema: Everything })).toEqualTypeOf<Serde<Expected<number>>>();
    expectTypeOf(avroSerde({ schema: Everything, longs: 'bigint' })).toEqualTypeOf<Serde<Expected<bigint>>>();
    expectTypeOf<SerdeType<ReturnType<typeof avroSerde<typeof Everything, 'bigint'>>>['tsMillis']>().toEqualTypeOf<Date>();
  });

  it('types a logical type on a type the spec does not give it as the underlying type', () => {
    expectTypeOf<AvroValue<{ type: 'int'; logicalType: 'timestamp-millis' }>>().toEqualTypeOf<number>();
    expectTypeOf<AvroValue<{ type: 'long'; logicalType: 'date' }, 'bigint'>>().toEqualTypeOf<bigint>();
    expectTypeOf<AvroValue<{ type: 'fixed'; name: 'U'; size: 8; logicalType: 'uuid' }>>().toEqualTypeOf<Buffer>();
    expectTypeOf<AvroValue<{ type: 'fixed'; name: 'D'; size: 16; logicalType: 'duration' }>>().toEqualTypeOf<Buffer>();
    expectTypeOf<AvroValue<{ type: 'long'; logicalType: 'rivulet-unknown' }>>().toEqualTypeOf<number>();
    expectTypeOf<AvroValue<{ type: 'bytes'; logicalType: 'decimal' }>>().toEqualTypeOf<Buffer>();
  });

  it('accepts only values of those types on write', () => {
    const serde = avroSerde({ schema: { type: 'record', name: 'R', fields: [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } }] } as const });
    serde.serialize('t', { at: 1n });
    // @ts-expect-error timestamp-micros is a bigint, not a Date
    serde.serialize('t', { at: new Date() });
  });
});
