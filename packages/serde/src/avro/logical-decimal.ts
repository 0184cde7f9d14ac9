import avro from 'avsc';
import type { Schema, Type } from 'avsc';

// Avro's `decimal` as an avsc logical type: an exact decimal string, as Java's
// `BigDecimal.toPlainString()` writes it. JS has no decimal type and a number would lose digits.

interface DecimalSchema {
  type: 'bytes' | 'fixed';
  precision?: unknown;
  scale?: unknown;
  size?: unknown;
}

/**
 * `decimal` on bytes or fixed: the exact decimal as a string with `scale` digits after the point
 * (`"12.30"` for scale 2). Writes accept a string (`"12.3"`, `"-0.5"`), a bigint or a number; a
 * value with more fraction digits than `scale`, or more digits than `precision`, is refused rather
 * than rounded. An invalid decimal (precision not a positive integer, scale outside [0,
 * precision], a fixed too small for the precision) is read as its underlying type, as the spec
 * and Java say.
 */
export class DecimalType extends avro.types.LogicalType {
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
    if (s.type !== 'bytes' && s.type !== 'fixed') throw new Error('decimal must annotate bytes or fixed');
    if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 1) {
      throw new Error(`decimal: precision must be a positive integer, got ${JSON.stringify(precision)}`);
    }
    if (typeof scale !== 'number' || !Number.isInteger(scale) || scale < 0 || scale > precision) {
      throw new Error(`decimal: scale must be an integer in [0, precision], got ${JSON.stringify(scale)}`);
    }
    this.size = s.type === 'fixed' && typeof s.size === 'number' ? s.size : undefined;
    if (this.size !== undefined) {
      // As Java's LogicalTypes.Decimal: the most digits a signed fixed of this size holds.
      const max = Math.round(Math.floor(Math.log10(2) * (8 * this.size - 1)));
      if (precision > max) throw new Error(`decimal: fixed(${this.size}) cannot store ${precision} digits (max ${max})`);
    }
    this.precision = precision;
    this.scale = scale;
  }

  protected override _fromValue(bytes: Buffer | undefined): string | undefined {
    // Undefined when the payload ends before the bytes: the codec reports it as truncated.
    if (bytes === undefined) return undefined;
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
      return writer.scale === this.scale && writer.size === this.size ? (value) => value : undefined;
    }
    if (avro.Type.isType(type, this.size === undefined ? 'bytes' : 'fixed')) {
      try {
        this.underlyingType.createResolver(type);
      } catch {
        return undefined;
      }
      return (value) => this._fromValue(value as Buffer);
    }
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
