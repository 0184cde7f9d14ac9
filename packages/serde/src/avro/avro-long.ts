import avro from 'avsc';
import type { Type } from 'avsc';
import type { AvroLongs } from './avro-schema.js';

// Exact Avro longs. avsc reads a varint long through floating point: past 7 bytes the zigzag sign
// bit is rounded away, so a long in (-2^53, -2^52) reads with the wrong sign, and its writer
// rounds odd values beyond 2^52 the same way; its long -> float/double promotions read through
// the same path. These types replace avsc's `long`, `float` and `double` (through the `typeHook`
// of avro-types.ts) with readers and writers that are exact over the whole int64 range: integer
// arithmetic up to 4 bytes, floating point up to 7 (below 2^49, still exact) and bigint beyond.

/** avsc's internal byte cursor, as far as these readers use it. */
export interface Tap {
  buf: Buffer;
  pos: number;
  readInt(): number;
  readLong(): number;
  writeLong(n: number): void;
  skipLong(): void;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
/** Numbers strictly inside +-2^52 are written exactly by avsc's own writer (2|n| stays below 2^53). */
const AVSC_EXACT = 2 ** 52;

/** The last long that {@link readLong} found outside the safe-integer range (it returned NaN). */
let wide = 0n;

/**
 * Reads one Avro long (zigzag varint) exactly. Returns it as a number when it is a safe integer;
 * otherwise returns NaN and leaves the value for {@link lastWideLong}. A truncated buffer reads as
 * avsc's do (the cursor passes the end, and the caller reports it); more than 10 bytes throw.
 */
export function readLong(tap: Tap): number {
  const buf = tap.buf;
  let pos = tap.pos;
  // A byte past the end is undefined, and `undefined & 0x80` is 0: the loop ends there.
  let b = buf[pos++]!;
  let n = b & 0x7f;
  if ((b & 0x80) === 0) {
    tap.pos = pos;
    return (n >>> 1) ^ -(n & 1);
  }
  let k = 7;
  do {
    b = buf[pos++]!;
    n |= (b & 0x7f) << k;
    k += 7;
  } while ((b & 0x80) !== 0 && k < 28);
  if ((b & 0x80) === 0) {
    tap.pos = pos;
    return (n >>> 1) ^ -(n & 1);
  }
  let f = n;
  let scale = 268435456; // 2^28
  let bytes = 4;
  do {
    b = buf[pos++]!;
    f += (b & 0x7f) * scale;
    scale *= 128;
    bytes++;
  } while ((b & 0x80) !== 0 && bytes < 7);
  if ((b & 0x80) === 0) {
    // Below 2^49: the parity, hence the sign, is exact.
    tap.pos = pos;
    return f % 2 === 1 ? -(f + 1) / 2 : f / 2;
  }
  return readWideLong(tap);
}

function readWideLong(tap: Tap): number {
  const buf = tap.buf;
  let pos = tap.pos;
  let z = 0n;
  let shift = 0n;
  let b: number;
  do {
    b = buf[pos++]!;
    z |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  } while ((b & 0x80) !== 0 && shift < 70n);
  // As Java's BinaryDecoder: a tenth byte with its continuation bit set is not a long.
  if ((b & 0x80) !== 0) throw new Error('invalid long encoding: more than 10 bytes');
  tap.pos = pos;
  // The tenth byte carries bit 63 only; higher bits are dropped, as Java does.
  z = BigInt.asUintN(64, z);
  const value = (z >> 1n) ^ -(z & 1n);
  if (value >= SAFE_MIN && value <= SAFE_MAX) return Number(value);
  wide = value;
  return Number.NaN;
}

/** The value behind the NaN that {@link readLong} last returned. */
export function lastWideLong(): bigint {
  return wide;
}

/** Reads one Avro long exactly, as a bigint. */
export function readBigLong(tap: Tap): bigint {
  const n = readLong(tap);
  return n === n ? BigInt(n) : wide;
}

/** Writes `value` (a safe integer or a bigint in the int64 range, checked by the caller) as an Avro long. */
export function writeLong(tap: Tap, value: number | bigint): void {
  if (typeof value === 'number') {
    if (value > -AVSC_EXACT && value < AVSC_EXACT) {
      tap.writeLong(value);
      return;
    }
    value = BigInt(value);
  }
  let z = value >= 0n ? value << 1n : ((-value) << 1n) - 1n;
  const buf = tap.buf;
  let pos = tap.pos;
  // A Buffer ignores writes past its end; avsc then asks for a larger one, from tap.pos.
  while (z >= 0x80n) {
    buf[pos++] = Number(z & 0x7fn) | 0x80;
    z >>= 7n;
  }
  buf[pos++] = Number(z);
  tap.pos = pos;
}

/** Whether `value` can be written as an Avro long: a safe integer, or a bigint in the int64 range. */
export function isLong(value: unknown): value is number | bigint {
  return typeof value === 'bigint' ? value >= INT64_MIN && value <= INT64_MAX : Number.isSafeInteger(value);
}

/** The nearest float32 to `value`, rounded once (half to even), as Java's `(float) long`. */
export function bigintToFloat32(value: bigint): number {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const bits = magnitude.toString(2).length;
  if (bits <= 53) return Math.fround(Number(value));
  // Keep 24 significant bits and round on the rest: going through a double would round twice.
  const shift = BigInt(bits - 24);
  let mantissa = magnitude >> shift;
  const rest = magnitude - (mantissa << shift);
  const half = 1n << (shift - 1n);
  if (rest > half || (rest === half && (mantissa & 1n) === 1n)) mantissa += 1n;
  const rounded = Number(mantissa) * 2 ** Number(shift);
  return Math.fround(negative ? -rounded : rounded);
}

/**
 * A long that a reader cannot represent: thrown by a read (a long beyond 2^53 read as a number, a
 * timestamp beyond a JS Date's range), and caught by the codec, which names the field and the
 * option. While the codec looks for the field ({@link markingOutOfRange}), reads return it as a
 * value instead, so that validation finds where it sits.
 *
 * @internal
 */
export class OutOfRange extends Error {
  /** What was read, e.g. `long 9007199254740993` or `timestamp-millis -9223372036854775808`. */
  readonly what: string;
  /** What to change to read it, e.g. `set longs: 'bigint'`. */
  readonly remedy: string;

  constructor(what: string, remedy: string) {
    super(`${what} cannot be read: ${remedy}`);
    this.name = 'OutOfRange';
    this.what = what;
    this.remedy = remedy;
  }
}

let marking = false;

/** Runs `read` with out-of-range values returned as {@link OutOfRange} values rather than thrown. @internal */
export function markingOutOfRange<T>(read: () => T): T {
  marking = true;
  try {
    return read();
  } finally {
    marking = false;
  }
}

/** Throws (or, while marking, returns) an {@link OutOfRange}. @internal */
export function outOfRange(what: string, remedy: string): OutOfRange {
  const signal = new OutOfRange(what, remedy);
  if (marking) return signal;
  throw signal;
}

/** The remedy for a long read as a number beyond 2^53. */
export const LONGS_REMEDY = "set longs: 'bigint' to read longs as bigint";

interface Resolver {
  _read?: (tap: Tap) => unknown;
}

type AvscInternals = Record<string, unknown>;

const LongBase = avro.types.LongType as unknown as new () => Type;

/** The methods both long representations share: validation, writing, comparison, promotion from int. */
abstract class ExactLongType extends LongBase {
  protected abstract fromNumber(n: number): number | bigint;

  _check(value: unknown, _flags: unknown, hook?: (value: unknown, type: Type) => void): boolean {
    const ok = isLong(value);
    if (!ok && hook !== undefined) hook(value, this);
    return ok;
  }

  _write(tap: Tap, value: unknown): void {
    if (!isLong(value)) throw new Error(`invalid "long": ${typeof value === 'bigint' ? `${value}n` : String(value)}`);
    writeLong(tap, value);
  }

  _match(tap1: Tap, tap2: Tap): number {
    const a = readBigLong(tap1);
    const b = readBigLong(tap2);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  _copy(value: unknown, opts?: { coerce?: number }): unknown {
    if (opts?.coerce === 3) {
      // To JSON (a field default, as avsc exports it): a number, exact while it is safe.
      return typeof value === 'bigint' ? Number(value) : value;
    }
    if (opts?.coerce === 2 && (typeof value === 'number' || typeof value === 'string')) {
      // From JSON (a field default): an integer, as text or a number.
      const n = typeof value === 'string' && /^-?\d+$/.test(value) ? BigInt(value) : value;
      if (!isLong(n)) throw new Error(`invalid "long": ${String(value)}`);
      return typeof n === 'bigint' ? this.fromBig(n) : this.fromNumber(n);
    }
    if (!isLong(value)) throw new Error(`invalid "long": ${String(value)}`);
    return value;
  }

  protected abstract fromBig(n: bigint): number | bigint;

  /** The schema of either representation is plain `long` (canonical form, fingerprints, equality). */
  _deref(): string {
    return 'long';
  }

  override compare(a: number | bigint, b: number | bigint): number {
    return a < b ? -1 : a > b ? 1 : 0;
  }

  _update(resolver: Resolver, writer: Type): void {
    const name = writer.typeName;
    if (name === 'int') {
      resolver._read = (tap) => this.fromNumber(tap.readInt());
    } else if (name === 'long' || name === 'abstract:long') {
      resolver._read = (tap) => (this as unknown as { _read(tap: Tap): unknown })._read(tap);
    }
  }
}

/** `long` as a JS number: exact to +-(2^53 - 1); a longer long is an {@link OutOfRange}. */
class NumberLongType extends ExactLongType {
  _read(tap: Tap): number | OutOfRange {
    const n = readLong(tap);
    return n === n ? n : outOfRange(`long ${wide}`, LONGS_REMEDY);
  }

  protected fromNumber(n: number): number {
    return n;
  }

  protected fromBig(n: bigint): number {
    if (n < SAFE_MIN || n > SAFE_MAX) throw new Error(`long ${n} is beyond 2^53: ${LONGS_REMEDY}`);
    return Number(n);
  }
}

/** `long` as a bigint, exact over the whole int64 range. */
class BigintLongType extends ExactLongType {
  _read(tap: Tap): bigint {
    const n = readLong(tap);
    return n === n ? BigInt(n) : wide;
  }

  protected fromNumber(n: number): bigint {
    return BigInt(n);
  }

  protected fromBig(n: bigint): bigint {
    return n;
  }
}

// As avsc's own bigint-capable longs (`LongType.__with`): an "abstract" long, so that an unwrapped
// union picks its branch by validating the value (a bigint has no bucket of its own there), and
// named `long` in schemas and union branches.
Object.defineProperty(BigintLongType.prototype, 'typeName', { value: 'abstract:long' });
Object.defineProperty(BigintLongType.prototype, '_concreteTypeName', { value: 'long' });

const DoubleBase = avro.types.DoubleType as unknown as new () => Type;
const FloatBase = avro.types.FloatType as unknown as new () => Type;
const avscDoubleUpdate = (avro.types.DoubleType.prototype as unknown as AvscInternals)['_update'] as (r: Resolver, w: Type) => void;
const avscFloatUpdate = (avro.types.FloatType.prototype as unknown as AvscInternals)['_update'] as (r: Resolver, w: Type) => void;

/** `double`, reading a promoted long exactly rounded (as Java's `(double) long`). */
class ExactDoubleType extends DoubleBase {
  _update(resolver: Resolver, writer: Type): void {
    if (writer.typeName === 'long' || writer.typeName === 'abstract:long') {
      resolver._read = (tap) => {
        const n = readLong(tap);
        return n === n ? n : Number(wide);
      };
    } else {
      avscDoubleUpdate.call(this, resolver, writer);
    }
  }
}

/** `float`, reading a promoted long rounded once to float32 (as Java's `(float) long`). */
class ExactFloatType extends FloatBase {
  _update(resolver: Resolver, writer: Type): void {
    if (writer.typeName === 'long' || writer.typeName === 'abstract:long') {
      resolver._read = (tap) => {
        const n = readLong(tap);
        return n === n ? Math.fround(n) : bigintToFloat32(wide);
      };
    } else {
      avscFloatUpdate.call(this, resolver, writer);
    }
  }
}

/** The exact long types, one per representation, shared by every schema. @internal */
export const LONG_TYPES: Readonly<Record<AvroLongs, Type>> = Object.freeze({
  number: new NumberLongType(),
  bigint: new BigintLongType(),
});

/** The float and double types with exact long promotion. @internal */
export const FLOAT_TYPE: Type = new ExactFloatType();
/** @internal */
export const DOUBLE_TYPE: Type = new ExactDoubleType();
