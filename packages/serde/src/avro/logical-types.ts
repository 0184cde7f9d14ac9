import avro from 'avsc';
import type { Schema, Type } from 'avsc';

// Avro's logical types as avsc classes. Each converts between the underlying Avro value and the JS
// value users handle, and says which writer types it can read (`_resolve`): its own logical type
// (whose reader already converted) and its bare underlying type (a writer that did not annotate it,
// which the Avro spec says to read as the underlying type).
//
// `_toValue` returns undefined for a value it cannot write: avsc turns that into a failed
// `isValid`, whose error hook names the field, so a bad value is reported with its path.

const MS_PER_DAY = 86_400_000;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function identity<T>(value: T): T {
  return value;
}

/** The JS representation of each logical type, for documentation and the inferred types. */
export interface LogicalTypeValues {
  /** On a long: a `Date` (epoch milliseconds). */
  'timestamp-millis': Date;
  /** On a long: microseconds since the epoch as a `bigint`, which a `Date` could not hold. */
  'timestamp-micros': bigint;
  /** On an int (days since 1970-01-01): a `Date` at midnight UTC of that day. */
  date: Date;
  /** On bytes or fixed: the exact decimal as a string with `scale` digits after the point, e.g. `"12.30"`. */
  decimal: string;
  /** On a string: the UUID text. */
  uuid: string;
}

/** `timestamp-millis` on a long: a `Date`. Writes accept a `Date` or epoch milliseconds. */
class TimestampMillisType extends avro.types.LogicalType {
  protected override _fromValue(value: number): Date {
    return new Date(value);
  }

  protected override _toValue(value: unknown): number | undefined {
    const ms = value instanceof Date ? value.getTime() : value;
    return typeof ms === 'number' && Number.isSafeInteger(ms) ? ms : undefined;
  }

  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'logical:timestamp-millis')) return identity;
    if (avro.Type.isType(type, 'long', 'int')) return (value) => this._fromValue(value as number);
    return undefined;
  }
}

/**
 * `timestamp-micros` on a long: microseconds since the epoch as a `bigint`, since a `Date` would
 * drop the microseconds. Writes accept a bigint, an integer number or a `Date`. The underlying
 * long is read as a JS number, so the range is +-2^53 microseconds (about 285 years around 1970).
 */
class TimestampMicrosType extends avro.types.LogicalType {
  protected override _fromValue(value: number): bigint {
    return BigInt(value);
  }

  protected override _toValue(value: unknown): number | undefined {
    if (typeof value === 'bigint') {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : undefined;
    }
    if (value instanceof Date) {
      const ms = value.getTime();
      return Number.isNaN(ms) ? undefined : ms * 1000;
    }
    return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
  }

  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'logical:timestamp-micros')) return identity;
    if (avro.Type.isType(type, 'long', 'int')) return (value) => this._fromValue(value as number);
    return undefined;
  }
}

/**
 * `date` on an int (days since 1970-01-01): a `Date` at midnight UTC of that day. Writes accept a
 * `Date` (its UTC calendar day) or a number of days.
 */
class DateType extends avro.types.LogicalType {
  protected override _fromValue(days: number): Date {
    return new Date(days * MS_PER_DAY);
  }

  protected override _toValue(value: unknown): number | undefined {
    if (value instanceof Date) {
      const ms = value.getTime();
      return Number.isNaN(ms) ? undefined : Math.floor(ms / MS_PER_DAY);
    }
    return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
  }

  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'logical:date')) return identity;
    if (avro.Type.isType(type, 'int')) return (value) => this._fromValue(value as number);
    return undefined;
  }
}

/** `uuid` on a string: the UUID text. Writes check the text is a UUID. */
class UuidType extends avro.types.LogicalType {
  protected override _fromValue(value: string): string {
    return value;
  }

  protected override _toValue(value: unknown): string | undefined {
    return typeof value === 'string' && UUID_TEXT.test(value) ? value : undefined;
  }

  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    return avro.Type.isType(type, 'logical:uuid', 'string') ? identity : undefined;
  }
}

interface DecimalSchema {
  type: 'bytes' | 'fixed';
  precision?: unknown;
  scale?: unknown;
  size?: unknown;
}

/**
 * `decimal` on bytes or fixed: the exact decimal as a string with `scale` digits after the point
 * (`"12.30"` for scale 2), as Java's `BigDecimal.toPlainString()` writes it; JS has no decimal type
 * and a number would lose digits. Writes accept a string (`"12.3"`, `"-0.5"`), a bigint or a
 * number; a value with more fraction digits than `scale`, or more digits than `precision`, is
 * refused rather than rounded.
 */
class DecimalType extends avro.types.LogicalType {
  private readonly precision: number;
  private readonly scale: number;
  /** The fixed size, or undefined on bytes. */
  private readonly size: number | undefined;

  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    const s = schema as DecimalSchema;
    const precision = s.precision;
    const scale = s.scale ?? 0;
    // The spec: an invalid decimal falls back to its underlying type; throwing here makes avsc do so.
    if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 1) {
      throw new Error(`decimal: precision must be a positive integer, got ${JSON.stringify(precision)}`);
    }
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw new Error(`decimal: scale must be an integer in [0, precision], got ${JSON.stringify(scale)}`);
    }
    this.precision = precision;
    this.scale = scale;
    this.size = s.type === 'fixed' && typeof s.size === 'number' ? s.size : undefined;
  }

  protected override _fromValue(bytes: Buffer): string {
    let unscaled = 0n;
    for (const byte of bytes) unscaled = (unscaled << 8n) | BigInt(byte);
    // Two's complement, big-endian, as Java's BigInteger.toByteArray().
    if (bytes.length > 0 && (bytes[0]! & 0x80) !== 0) unscaled -= 1n << BigInt(bytes.length * 8);
    return formatDecimal(unscaled, this.scale);
  }

  protected override _toValue(value: unknown): Buffer | undefined {
    const unscaled = parseDecimal(value, this.scale);
    if (unscaled === undefined) return undefined;
    const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
    if (unscaled !== 0n && digits > this.precision) return undefined;
    return toTwosComplement(unscaled, this.size);
  }

  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'logical:decimal')) {
      const writer = type as unknown as DecimalType;
      return writer.scale === this.scale ? identity : undefined;
    }
    if (avro.Type.isType(type, 'bytes', 'fixed')) return (value) => this._fromValue(value as Buffer);
    return undefined;
  }

  protected override _export(schema: Schema): void {
    const s = schema as { precision?: number; scale?: number };
    s.precision = this.precision;
    s.scale = this.scale;
  }
}

function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

const DECIMAL_TEXT = /^([+-]?)(\d+)(?:\.(\d*))?$/;

/** The unscaled integer of a decimal value at `scale`, or undefined when it cannot be exact. */
function parseDecimal(value: unknown, scale: number): bigint | undefined {
  if (typeof value === 'bigint') return value * 10n ** BigInt(scale);
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    // A number is taken as its shortest decimal text; toFixed keeps it exact only if nothing is cut.
    text = value.toFixed(Math.min(scale, 100));
    if (Number(text) !== value) return undefined;
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return undefined;
  }
  const match = DECIMAL_TEXT.exec(text);
  if (match === null) return undefined;
  const [, sign, whole, fraction = ''] = match;
  const significant = fraction.replace(/0+$/, '');
  if (significant.length > scale) return undefined;
  const unscaled = BigInt(`${whole}${fraction.padEnd(scale, '0').slice(0, scale)}`);
  return sign === '-' ? -unscaled : unscaled;
}

function toTwosComplement(unscaled: bigint, size: number | undefined): Buffer | undefined {
  // The fewest bytes that hold the value with its sign bit, as Java's BigInteger.toByteArray().
  let length = 1;
  while (unscaled < -(1n << BigInt(length * 8 - 1)) || unscaled >= 1n << BigInt(length * 8 - 1)) length++;
  if (size !== undefined) {
    if (length > size) return undefined;
    length = size;
  }
  const out = Buffer.alloc(length);
  let rest = unscaled < 0n ? (1n << BigInt(length * 8)) + unscaled : unscaled;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/**
 * The logical types Rivulet's Avro serdes read and write, by their Avro name, for avsc's
 * `logicalTypes` option. Any other logical type is read as its underlying type, as the spec says.
 *
 * @internal
 */
export const LOGICAL_TYPES: Readonly<Record<keyof LogicalTypeValues, new (schema: Schema, opts?: unknown) => avro.types.LogicalType>> =
  Object.freeze({
    'timestamp-millis': TimestampMillisType,
    'timestamp-micros': TimestampMicrosType,
    date: DateType,
    decimal: DecimalType,
    uuid: UuidType,
  });
