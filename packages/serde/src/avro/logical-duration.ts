import avro from 'avsc';
import type { Schema, Type } from 'avsc';

/** An Avro `duration`: months, days and milliseconds, each an unsigned 32-bit integer, kept apart as the spec says. */
export interface AvroDuration {
  /** Whole months. */
  months: number;
  /** Whole days. */
  days: number;
  /** Milliseconds. */
  milliseconds: number;
}

const UINT32_MAX = 2 ** 32 - 1;

function isUint32(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= UINT32_MAX;
}

/**
 * `duration` on a fixed of 12 bytes: three little-endian unsigned 32-bit integers (months, days,
 * milliseconds), read and written as an {@link AvroDuration}. On any other type it is read as that type.
 */
export class DurationType extends avro.types.LogicalType {
  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    const s = schema as { type?: unknown; size?: unknown };
    if (s.type !== 'fixed' || s.size !== 12) throw new Error('duration must annotate a fixed of size 12');
  }

  protected override _fromValue(bytes: Buffer | undefined): AvroDuration | undefined {
    // Undefined when the payload ends before the value: the codec reports it as truncated.
    if (bytes === undefined || bytes.length !== 12) return undefined;
    return { months: bytes.readUInt32LE(0), days: bytes.readUInt32LE(4), milliseconds: bytes.readUInt32LE(8) };
  }

  protected override _toValue(value: unknown): Buffer | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const { months, days, milliseconds } = value as Partial<AvroDuration>;
    if (!isUint32(months) || !isUint32(days) || !isUint32(milliseconds)) return undefined;
    const out = Buffer.allocUnsafe(12);
    out.writeUInt32LE(months, 0);
    out.writeUInt32LE(days, 4);
    out.writeUInt32LE(milliseconds, 8);
    return out;
  }

  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'logical:duration')) return (value) => value;
    try {
      this.underlyingType.createResolver(type);
    } catch {
      return undefined;
    }
    return (value) => this._fromValue(value as Buffer);
  }
}
