/**
 * Checks Rivulet's Avro codec on one int64 case against Java's answer for it: the bytes Java wrote
 * must be the bytes the serde writes, and what the serde reads from them (under both `longs`
 * options) must be what bigint arithmetic expects and what Java read. Returns the disagreements,
 * so a test over hundreds of cases reports them all at once.
 */
import { avroSerde } from '../../src/avro/avro-serde.js';
import { SchemaMismatchError } from '../../src/errors.js';
import type { Serde } from '../../src/serde.js';
import { bitsOf, expectedRead, record } from './avro-int64-cases.js';
import type { LongKind } from './avro-int64-cases.js';

/** What Java said about one case. */
export interface JavaCase {
  /** The Avro binary Java wrote for the value. */
  readonly hex: string;
  /** What Java read back: the long as text, or the promoted double's or float's bits. */
  readonly javaRaw: string;
  /** The long back from Java's logical-type conversion, or null when it has none or refused. */
  readonly javaLogical: string | null;
}

const serdes = new Map<string, { writer: Serde<unknown>; number: Serde<unknown>; bigint: Serde<unknown> }>();

function serdesFor(kind: LongKind): { writer: Serde<unknown>; number: Serde<unknown>; bigint: Serde<unknown> } {
  let s = serdes.get(kind.name);
  if (s === undefined) {
    const writerSchema = record(kind.writer);
    const schema = record(kind.reader ?? kind.writer);
    s = {
      writer: avroSerde<unknown>({ schema: writerSchema, longs: 'bigint' }),
      number: avroSerde<unknown>({ schema, writerSchema, longs: 'number' }),
      bigint: avroSerde<unknown>({ schema, writerSchema, longs: 'bigint' }),
    };
    serdes.set(kind.name, s);
  }
  return s;
}

function show(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) return `Date(${value.getTime()})`;
  return String(value);
}

/** The disagreements between the codec, bigint arithmetic and Java on `value` written as `kind`. */
export function disagreements(kind: LongKind, value: bigint, java: JavaCase): string[] {
  const out: string[] = [];
  const at = `${kind.name} ${value}`;
  const s = serdesFor(kind);
  const written = s.writer.serialize('t', { v: kind.name === 'int->long' ? Number(value) : value }) as Buffer;
  if (written.toString('hex') !== java.hex) out.push(`${at}: wrote ${written.toString('hex')}, Java wrote ${java.hex}`);
  const bytes = Buffer.from(java.hex, 'hex');
  for (const longs of ['number', 'bigint'] as const) {
    const expected = expectedRead(kind, value, longs);
    let read: unknown;
    let error: unknown;
    try {
      read = (s[longs].deserialize('t', bytes) as { v: unknown }).v;
    } catch (e) {
      error = e;
    }
    if ('error' in expected) {
      if (!(error instanceof SchemaMismatchError) || !expected.error.test(error.message) || error.paths.join() !== expected.path) {
        out.push(`${at} (longs ${longs}): expected a SchemaMismatchError at ${expected.path} matching ${expected.error}, got ${error === undefined ? show(read) : String(error)}`);
      }
      continue;
    }
    if (error !== undefined) {
      out.push(`${at} (longs ${longs}): threw ${String(error)}`);
      continue;
    }
    const same = read instanceof Date ? expected.value instanceof Date && read.getTime() === expected.value.getTime() : Object.is(read, expected.value);
    if (!same) out.push(`${at} (longs ${longs}): read ${show(read)}, expected ${show(expected.value)}`);
    // And as Java read it.
    if (typeof read === 'number' && kind.reader !== undefined && kind.name !== 'int->long') {
      if (bitsOf(kind, read) !== java.javaRaw) out.push(`${at}: read ${bitsOf(kind, read)}, Java read ${java.javaRaw}`);
    } else {
      const ours = read instanceof Date ? String(read.getTime()) : String(read);
      if (ours !== java.javaRaw) out.push(`${at} (longs ${longs}): read ${ours}, Java read ${java.javaRaw}`);
      if (java.javaLogical !== null && ours !== java.javaLogical) out.push(`${at} (longs ${longs}): read ${ours}, Java's conversion gave ${java.javaLogical}`);
    }
  }
  // Java's own reads agree with the value written, for every kind but the (rounding) promotions.
  if (kind.reader === undefined || kind.name === 'int->long') {
    if (java.javaRaw !== String(value)) out.push(`${at}: Java read ${java.javaRaw}`);
    if (java.javaLogical !== null && java.javaLogical !== String(value)) out.push(`${at}: Java's conversion gave ${java.javaLogical}`);
  }
  return out;
}
