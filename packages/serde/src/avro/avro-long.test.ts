import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SchemaMismatchError, TruncatedPayloadError } from '../errors.js';
import { errorOf, readSync, writeSync } from '../../test/unit/helpers.js';
import { INT64_MAX, INT64_MIN, LONG_KINDS, MICROS_1800, anyLong, expectedRead, record } from '../../test/support/avro-int64-cases.js';
import { avroSerde } from './avro-serde.js';

// Exact int64 over every Avro path that carries a long. The bytes are checked against a plain
// bigint zigzag varint written here (independent of the codec's fast paths); the integration test
// and the Java vectors check the same against Apache Avro Java.

/** Avro's long encoding, the textbook way: zigzag, then 7 bits a byte, least significant first. */
function zigzagVarint(value: bigint): string {
  let z = value >= 0n ? value << 1n : ((-value) << 1n) - 1n;
  const bytes: number[] = [];
  while (z >= 0x80n) {
    bytes.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  bytes.push(Number(z));
  return Buffer.from(bytes).toString('hex');
}

const Long = record('long');
const numbers = avroSerde<{ v: number }>({ schema: Long });
const bigints = avroSerde<{ v: bigint }>({ schema: Long, longs: 'bigint' });

describe('Avro longs, exact over the int64 range', () => {
  it('(a) reads longs in (-2^53, -2^52) with their sign when longs are numbers (avsc rounded the zigzag sign bit away)', () => {
    for (const v of [-(2n ** 52n) - 1n, -(2n ** 52n) - 3n, -(2n ** 53n) + 1n, -6_755_399_441_055_745n]) {
      const bytes = Buffer.from(zigzagVarint(v), 'hex');
      expect(readSync(numbers, bytes)).toEqual({ v: Number(v) });
      expect(readSync(bigints, bytes)).toEqual({ v });
    }
  });

  it('writes numbers beyond +-2^52 exactly (avsc rounded odd ones)', () => {
    for (const v of [-(2n ** 52n) - 1n, -(2n ** 53n) + 1n, 2n ** 53n - 1n, 2n ** 52n + 1n]) {
      expect(writeSync(numbers, { v: Number(v) }).toString('hex')).toBe(zigzagVarint(v));
      expect(writeSync(bigints, { v }).toString('hex')).toBe(zigzagVarint(v));
    }
  });

  it('writes and reads the edges: -2^63, 2^63-1, +-2^52, +-2^53, -1, 0', () => {
    for (const v of [INT64_MIN, INT64_MAX, 2n ** 52n, -(2n ** 52n), 2n ** 53n, -(2n ** 53n), -1n, 0n]) {
      const bytes = writeSync(bigints, { v });
      expect(bytes.toString('hex')).toBe(zigzagVarint(v));
      expect(readSync(bigints, bytes)).toEqual({ v });
    }
    expect(zigzagVarint(INT64_MIN)).toBe('ffffffffffffffffff01');
  });

  it.each(LONG_KINDS.map((k) => [k.name, k] as const))('%s: every int64 round-trips exactly, as the textbook encoding (property)', (_name, kind) => {
    const writer = avroSerde<{ v: unknown }>({ schema: record(kind.writer), longs: 'bigint' });
    const readers = {
      number: avroSerde<{ v: unknown }>({ schema: record(kind.reader ?? kind.writer), writerSchema: record(kind.writer) }),
      bigint: avroSerde<{ v: unknown }>({ schema: record(kind.reader ?? kind.writer), writerSchema: record(kind.writer), longs: 'bigint' }),
    };
    fc.assert(
      fc.property(anyLong(kind.int === true), (value) => {
        const bytes = writeSync(writer, { v: kind.int === true ? Number(value) : value });
        // A union writes its branch index (1: long) before the long.
        expect(bytes.toString('hex')).toBe((kind.name === 'union' ? '02' : '') + zigzagVarint(value));
        for (const longs of ['number', 'bigint'] as const) {
          const expected = expectedRead(kind, value, longs);
          if ('error' in expected) {
            expect(() => readSync(readers[longs], bytes)).toThrow(expected.error);
          } else {
            expect(readSync(readers[longs], bytes)).toEqual({ v: expected.value });
          }
        }
        // And back: what was read writes the same bytes (the promotions aside, which round).
        if (kind.reader === undefined && !('error' in expectedRead(kind, value, 'bigint'))) {
          const again = avroSerde<{ v: unknown }>({ schema: record(kind.writer), longs: 'bigint' });
          expect(writeSync(again, readSync(readers.bigint, bytes))).toEqual(bytes);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('names the field and the option when a long beyond 2^53 is read as a number', async () => {
    const Order = {
      type: 'record',
      name: 'Order',
      fields: [{ name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'qty', type: 'long' }, { name: 'id', type: ['null', 'long'] }] } } }],
    } as const;
    const bytes = writeSync(avroSerde({ schema: Order, longs: 'bigint' }), {
      lines: [
        { qty: 1n, id: null },
        { qty: 2n ** 60n, id: -(2n ** 62n) },
      ],
    });
    const error = await errorOf(SchemaMismatchError, () => avroSerde({ schema: Order }).deserialize('orders', bytes));
    expect(error.paths).toEqual(['lines[1].qty', 'lines[1].id']);
    expect(error.message).toBe(
      "avro(Order) cannot read long 1152921504606846976 at lines[1].qty; long -4611686018427387904 at lines[1].id: set longs: 'bigint' to read longs as bigint (topic orders)",
    );
  });

  it('refuses to write a number that is not a safe integer into a long, naming the field (no silent rounding)', async () => {
    for (const v of [2 ** 53, -(2 ** 60), 1.5]) {
      const error = await errorOf(SchemaMismatchError, () => numbers.serialize('t', { v }));
      expect(error.paths).toEqual(['v']);
    }
    const error = await errorOf(SchemaMismatchError, () => bigints.serialize('t', { v: 2 ** 60 as unknown as bigint }));
    expect(error.message).toBe(
      "avro(R) cannot serialize the value: at v expected \"long\", got 1152921504606847000 (a number beyond 2^53 has lost its last digits: write a bigint; longs: 'bigint' reads longs as bigints) (topic t)",
    );
  });

  it('(b) reads a 1800-01-01 timestamp-micros as written, not as a date in 2140', () => {
    const serde = avroSerde({ schema: record({ type: 'long', logicalType: 'timestamp-micros' }) });
    // As Java writes it: Instant.parse("1800-01-01T00:00:00Z") in microseconds.
    const bytes = Buffer.from(zigzagVarint(MICROS_1800), 'hex');
    expect(readSync(serde, bytes)).toEqual({ v: MICROS_1800 });
    expect(new Date(Number(MICROS_1800 / 1000n)).toISOString()).toBe('1800-01-01T00:00:00.000Z');
    for (const longs of ['number', 'bigint'] as const) {
      const millis = avroSerde({ schema: record({ type: 'long', logicalType: 'timestamp-millis' }), longs });
      expect(readSync(millis, Buffer.from(zigzagVarint(-(2n ** 52n) - 1n), 'hex'))).toEqual({ v: new Date(-(2 ** 52) - 1) });
    }
  });

  it('(b) promotes long to double and to float exactly rounded, as Java\'s (double) and (float) casts', () => {
    const toDouble = avroSerde<{ v: number }>({ schema: record('double'), writerSchema: Long });
    const toFloat = avroSerde<{ v: number }>({ schema: record('float'), writerSchema: Long });
    const v = -(2n ** 52n) - 1n;
    expect(readSync(toDouble, Buffer.from(zigzagVarint(v), 'hex'))).toEqual({ v: -(2 ** 52) - 1 });
    // 2^60 + 2^36 + 1 is just above the midpoint between two floats: rounding through a double would
    // land on the midpoint and round to even (down); once, it rounds up.
    const w = 2n ** 60n + 2n ** 36n + 1n;
    expect(readSync(toFloat, Buffer.from(zigzagVarint(w), 'hex'))).toEqual({ v: 2 ** 60 + 2 ** 37 });
    expect(Math.fround(Number(w))).toBe(2 ** 60);
    expect(readSync(toDouble, Buffer.from(zigzagVarint(INT64_MIN), 'hex'))).toEqual({ v: -(2 ** 63) });
  });

  it('reads a timestamp-millis beyond a Date\'s range as a typed error naming the field, and as a plain long on request', async () => {
    const Event = { type: 'record', name: 'Event', fields: [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }] } as const;
    const bytes = Buffer.from(zigzagVarint(INT64_MAX), 'hex');
    const error = await errorOf(SchemaMismatchError, () => avroSerde({ schema: Event }).deserialize('events', bytes));
    expect(error.paths).toEqual(['at']);
    expect(error.message).toMatch(/^avro\(Event\) cannot read timestamp-millis 9223372036854775807 at at: it is outside the range of a JS Date .*reader schema that drops the logicalType \(and longs: 'bigint'/);
    // The way out the message names: a reader schema without the logical type.
    const raw = avroSerde({ schema: { ...Event, fields: [{ name: 'at', type: 'long' }] } as const, writerSchema: Event, longs: 'bigint' });
    expect(readSync(raw, bytes)).toEqual({ at: INT64_MAX });
  });

  it('reports a long cut short as a truncated payload, and a varint longer than 10 bytes as not Avro', async () => {
    const bytes = writeSync(bigints, { v: INT64_MIN });
    for (let n = 0; n < bytes.length; n++) {
      await errorOf(TruncatedPayloadError, () => numbers.deserialize('t', bytes.subarray(0, n)));
      await errorOf(TruncatedPayloadError, () => bigints.deserialize('t', bytes.subarray(0, n)));
    }
    const error = await errorOf(SchemaMismatchError, () => bigints.deserialize('t', Buffer.from('ffffffffffffffffffff01', 'hex')));
    expect(error.message).toMatch(/invalid long encoding: more than 10 bytes/);
  });

  it('keeps union wrapping as it was: [int, long] is wrapped with number longs', () => {
    const serde = avroSerde<{ v: { int: number } | { long: number } }>({ schema: record(['int', 'long']) });
    expect(readSync(serde, writeSync(serde, { v: { long: 2 ** 40 } }))).toEqual({ v: { long: 2 ** 40 } });
  });

  it('reads field defaults of long fields in either representation', () => {
    const schema = { type: 'record', name: 'R', fields: [{ name: 'n', type: 'long', default: 7 }] } as const;
    const empty = Buffer.alloc(0);
    expect(readSync(avroSerde({ schema, writerSchema: { type: 'record', name: 'R', fields: [] } }), empty)).toEqual({ n: 7 });
    expect(readSync(avroSerde({ schema, writerSchema: { type: 'record', name: 'R', fields: [] }, longs: 'bigint' }), empty)).toEqual({ n: 7n });
  });
});
