import { describe, expect, it } from 'vitest';
import { SchemaMismatchError } from '../errors.js';
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
    const serde = avroSerde<{ v: number }>({ schema: field({ type: 'long', logicalType: 'local-timestamp-nanos' }) });
    expect(readSync(serde, writeSync(serde, { v: 12 }))).toEqual({ v: 12 });
  });
});
