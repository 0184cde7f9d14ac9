/**
 * The int64 cases of the Avro reference checks: every Avro type that carries a long, the edge
 * values of the int64 range, and what Rivulet's Avro serdes must read for each value, worked out
 * here independently of the codec (by bigint arithmetic, and by Java's answers where given).
 */
import fc from 'fast-check';
import type { JavaAnswer, JavaRequest } from './avro-reference.js';

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const DATE_LIMIT = 8_640_000_000_000_000n;

/** 1800-01-01T00:00:00Z in microseconds: a timestamp-micros Java writes that avsc read as 2140. */
export const MICROS_1800 = -5_364_662_400_000_000n;

/** The edges: 0, +-1, each varint length, +-2^52, +-2^53 and around, a Date's range, int64's bounds. */
export const EDGE_VALUES: readonly bigint[] = (() => {
  const values = new Set<bigint>([0n, 1n, -1n, INT64_MIN, INT64_MIN + 1n, INT64_MAX, INT64_MAX - 1n, MICROS_1800]);
  for (const p of [28n, 31n, 32n, 48n, 49n, 52n, 53n, 54n, 56n, 62n]) {
    for (const d of [-1n, 0n, 1n]) {
      values.add(2n ** p + d);
      values.add(-(2n ** p) + d);
    }
  }
  // Where the zigzag varint grows a byte: 2^(7k-1).
  for (let k = 1n; k <= 9n; k++) {
    values.add(2n ** (7n * k - 1n) - 1n);
    values.add(2n ** (7n * k - 1n));
    values.add(-(2n ** (7n * k - 1n)));
    values.add(-(2n ** (7n * k - 1n)) - 1n);
  }
  for (const d of [-1n, 0n, 1n]) {
    values.add(DATE_LIMIT + d);
    values.add(-DATE_LIMIT + d);
  }
  return [...values].filter((v) => v >= INT64_MIN && v <= INT64_MAX).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
})();

/** One Avro type that carries a long, written with `writer` and read with `reader` (the same if absent). */
export interface LongKind {
  readonly name: string;
  /** The field type the bytes are written with. */
  readonly writer: unknown;
  /** The field type they are read into, for a promotion. */
  readonly reader?: unknown;
  /** Values are int32 (a promotion from int). */
  readonly int?: boolean;
}

const logical = (logicalType: string) => ({ type: 'long', logicalType });

export const LONG_KINDS: readonly LongKind[] = [
  { name: 'long', writer: 'long' },
  { name: 'union', writer: ['null', 'long'] },
  { name: 'timestamp-millis', writer: logical('timestamp-millis') },
  { name: 'timestamp-micros', writer: logical('timestamp-micros') },
  { name: 'timestamp-nanos', writer: logical('timestamp-nanos') },
  { name: 'local-timestamp-millis', writer: logical('local-timestamp-millis') },
  { name: 'local-timestamp-micros', writer: logical('local-timestamp-micros') },
  { name: 'local-timestamp-nanos', writer: logical('local-timestamp-nanos') },
  { name: 'time-micros', writer: logical('time-micros') },
  { name: 'long->double', writer: 'long', reader: 'double' },
  { name: 'long->float', writer: 'long', reader: 'float' },
  { name: 'int->long', writer: 'int', reader: 'long', int: true },
];

/** The one-field record the cases are written in: the field path is `v`. */
export function record(type: unknown): { type: 'record'; name: string; fields: { name: string; type: unknown }[] } {
  return { type: 'record', name: 'R', fields: [{ name: 'v', type }] };
}

/** Whether `value` can be written with the kind's writer type. */
export function fits(kind: LongKind, value: bigint): boolean {
  return kind.int === true ? value >= INT32_MIN && value <= INT32_MAX : value >= INT64_MIN && value <= INT64_MAX;
}

/** Java's encode request for `value`, and its decode request for the bytes. */
export function javaRequests(kind: LongKind, value: bigint): { encode: JavaRequest; decode: (hex: string) => JavaRequest } {
  const json = kind.int === true ? Number(value) : String(value);
  return {
    encode: { op: 'encode', schema: record(kind.writer), value: { v: kind.name === 'union' ? { long: json } : json } },
    decode: (hex) => ({ op: 'decode', writer: record(kind.writer), reader: record(kind.reader ?? kind.writer), hex }),
  };
}

/** What the serde reads, under a `longs` option: a value, or a SchemaMismatchError whose message matches. */
export type Expected = { value: unknown } | { error: RegExp; path: string };

/** The expected read of `value` written as `kind`, worked out with bigint arithmetic. */
export function expectedRead(kind: LongKind, value: bigint, longs: 'number' | 'bigint'): Expected {
  switch (kind.name) {
    case 'long':
    case 'union':
    case 'int->long':
      if (longs === 'bigint') return { value };
      if (value >= -SAFE && value <= SAFE) return { value: Number(value) };
      return { error: new RegExp(`cannot read long ${value} at v: set longs: 'bigint'`), path: 'v' };
    case 'timestamp-millis':
    case 'local-timestamp-millis':
      if (value >= -DATE_LIMIT && value <= DATE_LIMIT) return { value: new Date(Number(value)) };
      return { error: new RegExp(`cannot read ${kind.name} ${value} at v: it is outside the range of a JS Date`), path: 'v' };
    case 'long->double':
      return { value: Number(value) };
    case 'long->float':
      return { value: nearestFloat32(value) };
    default:
      // The micro- and nanosecond types: the count itself, whatever `longs` says.
      return { value };
  }
}

/** The float32 nearest to `value`, ties to even: found by comparing the exact distances of the candidates. */
export function nearestFloat32(value: bigint): number {
  // Up to 2^24 every integer is a float32.
  if (value >= -(2n ** 24n) && value <= 2n ** 24n) return Number(value);
  const guess = Math.fround(Number(value));
  const candidates = [guess, nextFloat32(guess, -1), nextFloat32(guess, 1)].filter((c) => Number.isFinite(c));
  let best = candidates[0]!;
  for (const c of candidates.slice(1)) {
    const d = absDiff(value, c);
    const bestD = absDiff(value, best);
    if (d < bestD || (d === bestD && (floatBits(c) & 1) === 0)) best = c;
  }
  return best;
}

function absDiff(value: bigint, float: number): bigint {
  const d = value - BigInt(float);
  return d < 0n ? -d : d;
}

function floatBits(f: number): number {
  const b = Buffer.alloc(4);
  b.writeFloatBE(f);
  return b.readUInt32BE();
}

function nextFloat32(f: number, direction: 1 | -1): number {
  const b = Buffer.alloc(4);
  b.writeFloatBE(f);
  let bits = b.readUInt32BE();
  // Away from zero or towards it, by the sign of f and the direction.
  bits += (f >= 0) === (direction > 0) ? 1 : -1;
  b.writeUInt32BE(bits >>> 0);
  return b.readFloatBE();
}

/** Integers spread over every magnitude of the int64 range (or int32's), for property tests and random vectors. */
export function anyLong(int = false): fc.Arbitrary<bigint> {
  const top = int ? 31 : 63;
  return fc.oneof(
    fc.bigInt({ min: int ? INT32_MIN : INT64_MIN, max: int ? INT32_MAX : INT64_MAX }),
    fc.integer({ min: 0, max: top }).chain((bits) => fc.bigInt({ min: -(2n ** BigInt(bits)), max: 2n ** BigInt(bits) - 1n })),
    fc.constantFrom(...EDGE_VALUES.filter((v) => (int ? v >= INT32_MIN && v <= INT32_MAX : true))),
  );
}

/** `d:<16 hex>` / `f:<8 hex>`: a double's or a float's bits, as AvroReference.java prints them. */
export function bitsOf(kind: LongKind, n: number): string {
  const b = Buffer.alloc(8);
  if (kind.name === 'long->float') {
    b.writeFloatBE(n);
    return `f:${b.subarray(0, 4).toString('hex')}`;
  }
  b.writeDoubleBE(n);
  return `d:${b.toString('hex')}`;
}

const UNIT: Readonly<Record<string, bigint>> = {
  'timestamp-millis': 1000n,
  'local-timestamp-millis': 1000n,
  'timestamp-micros': 1_000_000n,
  'local-timestamp-micros': 1_000_000n,
  'timestamp-nanos': 1_000_000_000n,
  'local-timestamp-nanos': 1_000_000_000n,
};

/**
 * What Java's answer to the decode of `value` must say, as text: its raw read (the long, or the
 * promoted double's or float's bits) and, for the time types, the long back from Java's
 * conversion (Instant, LocalDateTime or LocalTime) in the logical type's unit.
 */
export function javaView(kind: LongKind, answer: JavaAnswer): { raw: string; logical: string | undefined } {
  const raw = String((answer.raw as { v: unknown }).v);
  const logicalV = (answer.logical as { v?: unknown } | undefined)?.v;
  if (typeof logicalV !== 'string') return { raw, logical: undefined };
  const [tag, a, b] = logicalV.split(':');
  const perSecond = UNIT[kind.name];
  if ((tag === 'instant' || tag === 'local') && perSecond !== undefined) {
    return { raw, logical: String(BigInt(a!) * perSecond + BigInt(b!) / (1_000_000_000n / perSecond)) };
  }
  if (tag === 'time') return { raw, logical: String(BigInt(a!) / 1000n) };
  return { raw, logical: logicalV };
}
