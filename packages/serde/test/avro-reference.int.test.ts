import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { avroSerde } from '../src/avro/avro-serde.js';
import { EDGE_VALUES, LONG_KINDS, anyLong, fits, javaRequests, javaView, record } from './support/avro-int64-cases.js';
import { disagreements } from './support/avro-int64-check.js';
import { fetchAvroJars, runJavaAvro } from './support/avro-reference.js';

// Rivulet's Avro codec against Apache Avro Java (test/support/java/AvroReference.java), live: for
// every type that carries a long, the edge values and fresh random ones across the int64 range
// are written by Java and by Rivulet (the same bytes) and read back by both (the same values).

const RANDOM_PER_KIND = 150;

beforeAll(() => {
  fetchAvroJars();
}, 600_000);

describe('Avro against Apache Avro Java', () => {
  it('agrees on every long-bearing type over the int64 range: edges and random values', () => {
    const seed = Date.now();
    const cases = LONG_KINDS.flatMap((kind, i) => {
      const random = fc.sample(anyLong(kind.int === true), { seed: seed + i, numRuns: RANDOM_PER_KIND });
      return [...new Set([...EDGE_VALUES.filter((v) => fits(kind, v)), ...random])].map((value) => ({ kind, value }));
    });
    const encoded = runJavaAvro(cases.map(({ kind, value }) => javaRequests(kind, value).encode));
    expect(encoded.filter((a) => a.error !== undefined)).toEqual([]);
    const decoded = runJavaAvro(cases.map(({ kind, value }, i) => javaRequests(kind, value).decode(encoded[i]!.hex!)));
    expect(decoded.filter((a) => a.error !== undefined)).toEqual([]);
    const failures = cases.flatMap(({ kind, value }, i) => {
      const view = javaView(kind, decoded[i]!);
      return disagreements(kind, value, { hex: encoded[i]!.hex!, javaRaw: view.raw, javaLogical: view.logical ?? null });
    });
    expect(failures, `seed ${seed}`).toEqual([]);
    // Each kind had its edges and its random values.
    expect(cases.length).toBeGreaterThan(LONG_KINDS.length * RANDOM_PER_KIND);
  });

  it('agrees on decimal, uuid, duration, date and time-millis: the bytes and the values', () => {
    const cases: { type: unknown; value: unknown; java: string }[] = [
      { type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 }, value: '-1234567.89', java: 'decimal:-1234567.89' },
      { type: { type: 'bytes', logicalType: 'decimal', precision: 38, scale: 10 }, value: '9999999999999999999999999999.9999999999', java: 'decimal:9999999999999999999999999999.9999999999' },
      { type: { type: 'bytes', logicalType: 'decimal', precision: 5, scale: 0 }, value: '-128', java: 'decimal:-128' },
      { type: { type: 'fixed', name: 'M', size: 8, logicalType: 'decimal', precision: 18, scale: 3 }, value: '-0.001', java: 'decimal:-0.001' },
      { type: { type: 'fixed', name: 'M', size: 8, logicalType: 'decimal', precision: 18, scale: 3 }, value: '123456789012345.678', java: 'decimal:123456789012345.678' },
      { type: { type: 'fixed', name: 'U', size: 16, logicalType: 'uuid' }, value: 'f81d4fae-7dec-11d0-a765-00a0c91e6bf6', java: 'uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6' },
      { type: { type: 'string', logicalType: 'uuid' }, value: '00000000-0000-0000-0000-000000000001', java: 'uuid:00000000-0000-0000-0000-000000000001' },
      { type: { type: 'fixed', name: 'D', size: 12, logicalType: 'duration' }, value: { months: 4_294_967_295, days: 31, milliseconds: 86_399_999 }, java: 'duration:4294967295:31:86399999' },
      { type: { type: 'int', logicalType: 'date' }, value: -719_162, java: 'date:-719162' },
      { type: { type: 'int', logicalType: 'time-millis' }, value: 86_399_999, java: 'time:86399999000000' },
    ];
    const encoded = runJavaAvro(cases.map((c) => ({ op: 'encode', schema: record(c.type), value: { v: c.value } })));
    const decoded = runJavaAvro(cases.map((c, i) => ({ op: 'decode', writer: record(c.type), hex: encoded[i]!.hex ?? '' })));
    for (const [i, c] of cases.entries()) {
      const serde = avroSerde<{ v: unknown }>({ schema: record(c.type) });
      const mine = (typeof c.value === 'number' && (c.type as { logicalType: string }).logicalType === 'date' ? new Date(c.value * 86_400_000) : c.value) as unknown;
      const bytes = serde.serialize('t', { v: mine }) as Buffer;
      expect(bytes.toString('hex'), JSON.stringify(c.type)).toBe(encoded[i]!.hex);
      expect((decoded[i]!.logical as { v: unknown }).v).toBe(c.java);
      expect((serde.deserialize('t', bytes) as { v: unknown }).v).toEqual(mine);
    }
  });

  it('refuses, as Java does, a decimal with more digits than its precision', () => {
    const type = { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 };
    const [java] = runJavaAvro([{ op: 'encode', schema: record(type), value: { v: '123.45' } }]);
    expect(java!.error).toMatch(/precision 5 as max precision 4/);
    expect(() => avroSerde<{ v: string }>({ schema: record(type) }).serialize('t', { v: '123.45' })).toThrow(/at v expected decimal, got "123.45"/);
  });
});
