import { describe, expect, it } from 'vitest';
import { SchemaMismatchError, TruncatedPayloadError } from '../errors.js';
import { errorOf, readSync, writeSync } from '../../test/unit/helpers.js';
import { avroSerde } from './avro-serde.js';

function field<const T>(type: T) {
  return { type: 'record', name: 'R', fields: [{ name: 'v', type }] } as const;
}

describe('Avro logical types', () => {
  it('timestamp-millis: a Date, written as epoch milliseconds', () => {
    const serde = avroSerde({ schema: field({ type: 'long', logicalType: 'timestamp-millis' }) });
    const at = new Date('2024-02-29T12:34:56.789Z');
    const bytes = writeSync(serde, { v: at });
    expect(bytes).toEqual(writeSync(avroSerde({ schema: field('long') }), { v: at.getTime() }));
    expect(readSync(serde, bytes)).toEqual({ v: at });
    expect(readSync(serde, writeSync(serde, { v: 0 as unknown as Date }))).toEqual({ v: new Date(0) });
  });

  it('timestamp-micros: a bigint of microseconds, exact', () => {
    const serde = avroSerde({ schema: field({ type: 'long', logicalType: 'timestamp-micros' }) });
    const micros = 1_709_210_096_789_123n;
    expect(readSync(serde, writeSync(serde, { v: micros }))).toEqual({ v: micros });
    expect(writeSync(serde, { v: micros })).toEqual(writeSync(avroSerde({ schema: field('long') }), { v: Number(micros) }));
    // A Date is accepted on write, at millisecond precision.
    expect(readSync(serde, writeSync(serde, { v: new Date(1000) as unknown as bigint }))).toEqual({ v: 1_000_000n });
  });

  it('date: days since the epoch, read as a Date at midnight UTC', () => {
    const serde = avroSerde({ schema: field({ type: 'int', logicalType: 'date' }) });
    const bytes = writeSync(serde, { v: new Date('2024-03-01T18:00:00Z') });
    expect(bytes).toEqual(writeSync(avroSerde({ schema: field('int') }), { v: 19783 }));
    expect(readSync(serde, bytes)).toEqual({ v: new Date('2024-03-01T00:00:00Z') });
    expect(readSync(serde, writeSync(serde, { v: new Date('1969-12-31T23:00:00Z') }))).toEqual({ v: new Date('1969-12-31T00:00:00Z') });
  });

  it('uuid: the UUID text, checked on write', async () => {
    const serde = avroSerde({ schema: field({ type: 'string', logicalType: 'uuid' }) });
    const id = '123e4567-e89b-12d3-a456-426614174000';
    expect(readSync(serde, writeSync(serde, { v: id }))).toEqual({ v: id });
    const error = await errorOf(SchemaMismatchError, () => serde.serialize('ids', { v: 'not-a-uuid' }));
    expect(error.message).toBe('avro(R) cannot serialize the value: at v expected uuid, got "not-a-uuid" (topic ids)');
  });

  describe('decimal', () => {
    const onBytes = avroSerde({ schema: field({ type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 }) });

    // Java: new BigDecimal("12.34").unscaledValue().toByteArray() and friends.
    it.each([
      ['12.34', '04d2'],
      ['0.00', '00'],
      ['-0.01', 'ff'],
      ['1.27', '7f'],
      ['1.28', '0080'],
      ['-1.28', '80'],
      ['-1.29', 'ff7f'],
      ['9999999.99', '3b9ac9ff'],
    ])('writes %s as the two\'s complement unscaled bytes %s, as Java does', (text, hex) => {
      const bytes = writeSync(onBytes, { v: text });
      expect(bytes.subarray(1).toString('hex')).toBe(hex);
      expect(readSync(onBytes, bytes)).toEqual({ v: text });
    });

    it('pads written values to the scale and accepts numbers and bigints when exact', () => {
      expect(readSync(onBytes, writeSync(onBytes, { v: '5' }))).toEqual({ v: '5.00' });
      expect(readSync(onBytes, writeSync(onBytes, { v: '-0.5' }))).toEqual({ v: '-0.50' });
      expect(readSync(onBytes, writeSync(onBytes, { v: 0.25 as unknown as string }))).toEqual({ v: '0.25' });
      expect(readSync(onBytes, writeSync(onBytes, { v: 7n as unknown as string }))).toEqual({ v: '7.00' });
    });

    it('refuses rather than rounds: too many fraction digits, or digits past the precision', async () => {
      for (const v of ['1.234', '10000000.00', 0.1 + 0.2, 'abc']) {
        const error = await errorOf(SchemaMismatchError, () => onBytes.serialize('prices', { v: v as string }));
        expect(error.paths).toEqual(['v']);
        expect(error.message).toMatch(/at v expected decimal, got/);
      }
    });

    it('on fixed: sign-extended to the fixed size', () => {
      const onFixed = avroSerde({ schema: field({ type: 'fixed', name: 'Money', size: 4, logicalType: 'decimal', precision: 8, scale: 3 }) });
      expect(writeSync(onFixed, { v: '-1.000' }).toString('hex')).toBe('fffffc18');
      expect(writeSync(onFixed, { v: '1.000' }).toString('hex')).toBe('000003e8');
      expect(readSync(onFixed, Buffer.from('fffffc18', 'hex'))).toEqual({ v: '-1.000' });
    });

    it('falls back to the underlying bytes when the decimal is invalid, as the Avro spec says', () => {
      const invalid = avroSerde<{ v: Buffer }>({ schema: field({ type: 'bytes', logicalType: 'decimal', precision: 2, scale: 3 }) });
      expect(readSync(invalid, writeSync(invalid, { v: Buffer.from([1]) }))).toEqual({ v: Buffer.from([1]) });
    });
  });

  it('reads a writer without the logical type as the logical type (and the reverse)', () => {
    const plain = avroSerde({ schema: field('long') });
    const annotated = avroSerde({ schema: field({ type: 'long', logicalType: 'timestamp-millis' }), writerSchema: field('long') });
    expect(readSync(annotated, writeSync(plain, { v: 86_400_000 }))).toEqual({ v: new Date(86_400_000) });
    const back = avroSerde({ schema: field('long'), writerSchema: field({ type: 'long', logicalType: 'timestamp-millis' }) });
    expect(readSync(back, writeSync(plain, { v: 5 }))).toEqual({ v: 5 });
  });

  it('reads an unknown logical type as its underlying type', () => {
    const serde = avroSerde<{ v: number }>({ schema: field({ type: 'long', logicalType: 'rivulet-unknown' }) });
    expect(readSync(serde, writeSync(serde, { v: 12 }))).toEqual({ v: 12 });
  });

  it('(c) reports a payload cut right before a decimal as a TruncatedPayloadError, not "bytes is not iterable"', async () => {
    for (const type of ['bytes', { type: 'fixed', name: 'Money', size: 8 }] as const) {
      const schema = {
        type: 'record',
        name: 'Price',
        fields: [
          { name: 'qty', type: 'int' },
          { name: 'amount', type: typeof type === 'string' ? { type, logicalType: 'decimal', precision: 9, scale: 2 } : { ...type, logicalType: 'decimal', precision: 9, scale: 2 } },
        ],
      };
      const serde = avroSerde<{ qty: number; amount: string }>({ schema });
      const bytes = writeSync(serde, { qty: 1, amount: '12.34' });
      const error = await errorOf(TruncatedPayloadError, () => serde.deserialize('prices', bytes.subarray(0, 1)));
      expect(error.message).toMatch(/^avro\(Price\): truncated payload, the 1 bytes from offset 0 end before the value/);
    }
  });

  it('(d) refuses an Invalid Date on write with a SchemaMismatchError naming the field, for every Date-valued type', async () => {
    const types = [
      { type: 'long', logicalType: 'timestamp-millis' },
      { type: 'long', logicalType: 'local-timestamp-millis' },
      { type: 'long', logicalType: 'timestamp-micros' },
      { type: 'long', logicalType: 'timestamp-nanos' },
      { type: 'int', logicalType: 'date' },
    ];
    for (const type of types) {
      for (const longs of ['number', 'bigint'] as const) {
        const serde = avroSerde<{ v: Date }>({ schema: field(type), longs });
        const error = await errorOf(SchemaMismatchError, () => serde.serialize('events', { v: new Date(Number.NaN) }));
        expect(error.paths).toEqual(['v']);
        expect(error.message).toBe(`avro(R) cannot serialize the value: at v expected ${type.logicalType}, got an Invalid Date (topic events)`);
      }
    }
    const inUnion = avroSerde<{ v: Date | null }>({ schema: field(['null', { type: 'long', logicalType: 'timestamp-millis' }]) });
    expect((await errorOf(SchemaMismatchError, () => inUnion.serialize('t', { v: new Date('nope') }))).paths).toEqual(['v']);
  });

  it('(e) uuid on fixed(16): reads the UUID text, writes its 16 bytes as Java does', async () => {
    const serde = avroSerde({ schema: field({ type: 'fixed', name: 'Id', size: 16, logicalType: 'uuid' }) });
    const id = '123e4567-e89b-12d3-a456-426614174000';
    const bytes = writeSync(serde, { v: id });
    // Java's UUIDConversion.toFixed: most significant long, then least, big-endian.
    expect(bytes.toString('hex')).toBe('123e4567e89b12d3a456426614174000');
    expect(readSync(serde, bytes)).toEqual({ v: id });
    expect(readSync(serde, Buffer.from('0123456789ABCDEF0123456789abcdef', 'hex'))).toEqual({ v: '01234567-89ab-cdef-0123-456789abcdef' });
    expect((await errorOf(SchemaMismatchError, () => serde.serialize('t', { v: 'nope' }))).paths).toEqual(['v']);
    // On a fixed of another size, uuid is not valid: read as the bytes.
    const other = avroSerde<{ v: Buffer }>({ schema: field({ type: 'fixed', name: 'Id8', size: 8, logicalType: 'uuid' }) });
    expect(readSync(other, Buffer.alloc(8, 1))).toEqual({ v: Buffer.alloc(8, 1) });
  });

  it('timestamp-nanos and local-timestamp-*: bigints in their unit, Dates for millis', () => {
    const nanos = avroSerde({ schema: field({ type: 'long', logicalType: 'timestamp-nanos' }) });
    expect(readSync(nanos, writeSync(nanos, { v: 1_709_210_096_789_123_456n }))).toEqual({ v: 1_709_210_096_789_123_456n });
    expect(readSync(nanos, writeSync(nanos, { v: new Date(1) as unknown as bigint }))).toEqual({ v: 1_000_000n });
    const local = avroSerde({ schema: field({ type: 'long', logicalType: 'local-timestamp-millis' }) });
    const wall = new Date('2024-03-01T09:30:00Z');
    expect(writeSync(local, { v: wall })).toEqual(writeSync(avroSerde({ schema: field('long') }), { v: wall.getTime() }));
    expect(readSync(local, writeSync(local, { v: wall }))).toEqual({ v: wall });
    const localMicros = avroSerde({ schema: field({ type: 'long', logicalType: 'local-timestamp-micros' }) });
    expect(readSync(localMicros, writeSync(localMicros, { v: -1n }))).toEqual({ v: -1n });
  });

  it('time-millis (int) is a number, time-micros (long) a bigint', () => {
    const millis = avroSerde({ schema: field({ type: 'int', logicalType: 'time-millis' }) });
    expect(readSync(millis, writeSync(millis, { v: 45_296_789 }))).toEqual({ v: 45_296_789 });
    const micros = avroSerde({ schema: field({ type: 'long', logicalType: 'time-micros' }) });
    expect(readSync(micros, writeSync(micros, { v: 45_296_789_123n }))).toEqual({ v: 45_296_789_123n });
  });

  it('duration on fixed(12): months, days, milliseconds as little-endian uint32s', async () => {
    const serde = avroSerde({ schema: field({ type: 'fixed', name: 'D', size: 12, logicalType: 'duration' }) });
    const bytes = writeSync(serde, { v: { months: 1, days: 2, milliseconds: 3 } });
    expect(bytes.toString('hex')).toBe('010000000200000003000000');
    expect(readSync(serde, bytes)).toEqual({ v: { months: 1, days: 2, milliseconds: 3 } });
    expect((await errorOf(SchemaMismatchError, () => serde.serialize('t', { v: { months: -1, days: 0, milliseconds: 0 } }))).paths).toEqual(['v']);
  });

  it('date beyond a Date\'s range (100,000,000 days) is a typed error naming the field', async () => {
    const serde = avroSerde({ schema: field({ type: 'int', logicalType: 'date' }) });
    const bytes = writeSync(avroSerde({ schema: field('int') }), { v: 100_000_001 });
    const error = await errorOf(SchemaMismatchError, () => serde.deserialize('t', bytes));
    expect(error.paths).toEqual(['v']);
    expect(error.message).toMatch(/^avro\(R\) cannot read date 100000001 at v: it is outside the range of a JS Date/);
    expect(readSync(serde, writeSync(avroSerde({ schema: field('int') }), { v: -100_000_000 }))).toEqual({ v: new Date(-8.64e15) });
  });

  it('decimal on a fixed too small for its precision is read as the fixed, as Java does', () => {
    const serde = avroSerde<{ v: Buffer }>({ schema: field({ type: 'fixed', name: 'F', size: 2, logicalType: 'decimal', precision: 5, scale: 0 }) });
    expect(readSync(serde, Buffer.from('0102', 'hex'))).toEqual({ v: Buffer.from('0102', 'hex') });
  });
});
