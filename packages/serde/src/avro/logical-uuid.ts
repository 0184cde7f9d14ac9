import avro from 'avsc';
import type { Schema, Type } from 'avsc';

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `uuid` on a string or on a fixed of 16 bytes: the UUID text (`123e4567-e89b-12d3-a456-426614174000`).
 * On a fixed, the 16 bytes are the UUID's, most significant first (as Java's `UUIDConversion`),
 * and are read as lowercase text. Writes check the text is a UUID. A uuid on any other type is
 * read as that type, as the spec says.
 */
export class UuidType extends avro.types.LogicalType {
  private readonly onFixed: boolean;

  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    const s = schema as { type?: unknown; size?: unknown };
    if (s.type !== 'string' && !(s.type === 'fixed' && s.size === 16)) throw new Error('uuid must annotate a string or a fixed of size 16');
    this.onFixed = s.type === 'fixed';
  }

  protected override _fromValue(value: string | Buffer | undefined): string | undefined {
    // Undefined when the payload ends before the value: the codec reports it as truncated.
    if (!Buffer.isBuffer(value)) return value;
    const hex = value.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  protected override _toValue(value: unknown): string | Buffer | undefined {
    if (typeof value !== 'string' || !UUID_TEXT.test(value)) return undefined;
    return this.onFixed ? Buffer.from(value.replaceAll('-', ''), 'hex') : value;
  }

  protected override _resolve(type: Type): ((value: unknown) => unknown) | undefined {
    const writer = avro.Type.isType(type, 'logical:uuid') ? (type as unknown as UuidType).underlyingType : type;
    try {
      this.underlyingType.createResolver(writer);
    } catch {
      return undefined;
    }
    return writer === type ? (value) => this._fromValue(value as string | Buffer) : (value) => value;
  }
}
