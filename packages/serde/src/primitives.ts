import { SchemaMismatchError } from './errors.js';
import type { Serde } from './serde.js';
import { notDeserializable, notSerializable, wrongLength } from './internal/serde-errors.js';

// The serdes below write the same bytes as Kafka's Java serdes (org.apache.kafka.common.serialization),
// so a Rivulet app and a Java or Kafka Streams app can share topics. Each is stateless: one frozen
// instance per kind, returned by its factory. Per record they do one check and one Buffer.

const INT16_MIN = -0x8000;
const INT16_MAX = 0x7fff;
const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_EXAMPLE = '123e4567-e89b-12d3-a456-426614174000';

/** Freezes a shared serde so no caller can patch it for every other user. */
function define<T>(serde: Serde<T>): Serde<T> {
  return Object.freeze(serde);
}

const STRING = define<string>({
  name: 'string',
  serialize(topic: string, value: string): Buffer {
    if (typeof value !== 'string') throw notSerializable('string', topic, value, 'a string');
    return Buffer.from(value, 'utf8');
  },
  deserialize(_topic: string, data: Buffer): string {
    // Like Java's StringDeserializer, malformed UTF-8 decodes to U+FFFD rather than failing.
    return data.toString('utf8');
  },
});

const BYTES = define<Buffer>({
  name: 'bytes',
  serialize(topic: string, value: Buffer): Buffer {
    if (!Buffer.isBuffer(value)) throw notSerializable('bytes', topic, value, 'a Buffer');
    return value;
  },
  deserialize(_topic: string, data: Buffer): Buffer {
    return data;
  },
});

const INT16 = define<number>({
  name: 'int16',
  serialize(topic: string, value: number): Buffer {
    if (!Number.isInteger(value) || value < INT16_MIN || value > INT16_MAX) {
      throw notSerializable('int16', topic, value, `an integer in [${INT16_MIN}, ${INT16_MAX}]`);
    }
    const out = Buffer.allocUnsafe(2);
    out.writeInt16BE(value, 0);
    return out;
  },
  deserialize(topic: string, data: Buffer): number {
    if (data.length !== 2) throw wrongLength('int16', topic, 2, data.length);
    return data.readInt16BE(0);
  },
});

const INT32 = define<number>({
  name: 'int32',
  serialize(topic: string, value: number): Buffer {
    if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
      throw notSerializable('int32', topic, value, `an integer in [${INT32_MIN}, ${INT32_MAX}]`);
    }
    const out = Buffer.allocUnsafe(4);
    out.writeInt32BE(value, 0);
    return out;
  },
  deserialize(topic: string, data: Buffer): number {
    if (data.length !== 4) throw wrongLength('int32', topic, 4, data.length);
    return data.readInt32BE(0);
  },
});

const INT64 = define<bigint>({
  name: 'int64',
  // Typed wider than Serde<bigint> asks: a safe-integer number is converted, so counts kept as
  // numbers can be written without a BigInt() at every call site.
  serialize(topic: string, value: bigint | number): Buffer {
    let long: bigint;
    if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) {
      long = value;
    } else if (Number.isSafeInteger(value)) {
      long = BigInt(value);
    } else {
      throw notSerializable('int64', topic, value, `a bigint in [${INT64_MIN}, ${INT64_MAX}] or a safe integer`);
    }
    const out = Buffer.allocUnsafe(8);
    out.writeBigInt64BE(long, 0);
    return out;
  },
  deserialize(topic: string, data: Buffer): bigint {
    if (data.length !== 8) throw wrongLength('int64', topic, 8, data.length);
    return data.readBigInt64BE(0);
  },
});

const FLOAT32 = define<number>({
  name: 'float32',
  serialize(topic: string, value: number): Buffer {
    if (typeof value !== 'number') throw notSerializable('float32', topic, value, 'a number');
    const out = Buffer.allocUnsafe(4);
    out.writeFloatBE(value, 0);
    return out;
  },
  deserialize(topic: string, data: Buffer): number {
    if (data.length !== 4) throw wrongLength('float32', topic, 4, data.length);
    return data.readFloatBE(0);
  },
});

const FLOAT64 = define<number>({
  name: 'float64',
  serialize(topic: string, value: number): Buffer {
    if (typeof value !== 'number') throw notSerializable('float64', topic, value, 'a number');
    const out = Buffer.allocUnsafe(8);
    out.writeDoubleBE(value, 0);
    return out;
  },
  deserialize(topic: string, data: Buffer): number {
    if (data.length !== 8) throw wrongLength('float64', topic, 8, data.length);
    return data.readDoubleBE(0);
  },
});

const BOOLEAN = define<boolean>({
  name: 'boolean',
  serialize(topic: string, value: boolean): Buffer {
    if (typeof value !== 'boolean') throw notSerializable('boolean', topic, value, 'a boolean');
    const out = Buffer.allocUnsafe(1);
    out[0] = value ? 1 : 0;
    return out;
  },
  deserialize(topic: string, data: Buffer): boolean {
    if (data.length !== 1) throw wrongLength('boolean', topic, 1, data.length);
    const byte = data[0];
    if (byte === 1) return true;
    if (byte === 0) return false;
    // Java's BooleanDeserializer rejects any other byte too, rather than reading it as true.
    throw notDeserializable('boolean', topic, `expects byte 0x00 or 0x01, got 0x${(byte ?? 0).toString(16).padStart(2, '0')}`);
  },
});

const UUID = define<string>({
  name: 'uuid',
  serialize(topic: string, value: string): Buffer {
    if (typeof value !== 'string' || !UUID_TEXT.test(value)) {
      throw notSerializable('uuid', topic, value, `a UUID string like ${UUID_EXAMPLE}`);
    }
    // Java writes UUID.toString(), which is lower case; the text is ASCII once validated.
    return Buffer.from(value.toLowerCase(), 'latin1');
  },
  deserialize(topic: string, data: Buffer): string {
    if (data.length !== 36) throw wrongLength('uuid', topic, 36, data.length);
    const text = data.toString('latin1');
    if (!UUID_TEXT.test(text)) {
      throw notDeserializable('uuid', topic, `expects the text of a UUID like ${UUID_EXAMPLE}, got ${JSON.stringify(text)}`);
    }
    return text.toLowerCase();
  },
});

const VOID = define<null>({
  name: 'void',
  serialize(topic: string): Buffer {
    throw new SchemaMismatchError(`void has no bytes to write: null keys and values bypass serdes (topic ${topic})`, { serde: 'void', topic }, ['(root)']);
  },
  deserialize(topic: string, data: Buffer): null {
    throw notDeserializable('void', topic, `expects no data (a null key or value), got ${data.length} bytes`);
  },
});

/**
 * Strings as UTF-8, like Kafka's `StringSerializer` / `StringDeserializer`. Bytes that are not valid
 * UTF-8 decode to U+FFFD, as in Java.
 *
 * @example
 * const key = stringSerde().serialize('orders', 'héllo'); // <68 c3 a9 6c 6c 6f>
 */
export function stringSerde(): Serde<string> {
  return STRING;
}

/**
 * Raw bytes, passed through as they are (`ByteArraySerializer`, `BytesSerializer`): `deserialize`
 * returns the Buffer it was given, not a copy, and `serialize` returns the caller's Buffer.
 *
 * @example
 * bytesSerde().serialize('images', Buffer.from([0xca, 0xfe])); // the same <ca fe> Buffer
 */
export function bytesSerde(): Serde<Buffer> {
  return BYTES;
}

/**
 * 16-bit signed integers, 2 bytes big-endian, like Kafka's `ShortSerializer` (`Serdes.Short()`).
 * Serializing a non-integer or a number outside [-32768, 32767] throws a `SchemaMismatchError`.
 *
 * @example
 * int16Serde().serialize('t', -2); // <ff fe>
 */
export function int16Serde(): Serde<number> {
  return INT16;
}

/**
 * 32-bit signed integers, 4 bytes big-endian, like Kafka's `IntegerSerializer` (`Serdes.Integer()`).
 * Serializing a non-integer or a number outside [-2147483648, 2147483647] throws a `SchemaMismatchError`
 * rather than wrapping around.
 *
 * @example
 * int32Serde().serialize('t', 1); // <00 00 00 01>
 */
export function int32Serde(): Serde<number> {
  return INT32;
}

/**
 * 64-bit signed integers as `bigint`, 8 bytes big-endian, like Kafka's `LongSerializer`
 * (`Serdes.Long()`, what Kafka Streams' `count()` writes). `serialize` also takes a safe-integer
 * `number` and converts it; a value outside the signed 64-bit range throws a `SchemaMismatchError`.
 *
 * @example
 * int64Serde().serialize('word-counts', 2n ** 53n + 1n); // <00 20 00 00 00 00 00 01>
 */
export function int64Serde(): Serde<bigint> {
  return INT64;
}

/**
 * 32-bit IEEE 754 floats, 4 bytes big-endian, like Kafka's `FloatSerializer` (`Serdes.Float()`).
 * A number is rounded to the nearest float32 (as `Math.fround` does), so it may read back
 * slightly different; NaN, the infinities and -0 round-trip.
 *
 * @example
 * float32Serde().serialize('t', 1.5); // <3f c0 00 00>
 */
export function float32Serde(): Serde<number> {
  return FLOAT32;
}

/**
 * 64-bit IEEE 754 doubles (a JavaScript number exactly), 8 bytes big-endian, like Kafka's
 * `DoubleSerializer` (`Serdes.Double()`). Every number round-trips, NaN and -0 included.
 *
 * @example
 * float64Serde().serialize('t', 1.5); // <3f f8 00 00 00 00 00 00>
 */
export function float64Serde(): Serde<number> {
  return FLOAT64;
}

/**
 * Booleans as one byte, 0x01 or 0x00, like Kafka 3.x's `BooleanSerializer` (`Serdes.Boolean()`).
 * Any other byte on the way in throws a `SchemaMismatchError`, as in Java.
 *
 * @example
 * booleanSerde().serialize('t', true); // <01>
 */
export function booleanSerde(): Serde<boolean> {
  return BOOLEAN;
}

/**
 * UUIDs as their 36-character text, like Kafka's `UUIDSerializer` (`Serdes.UUID()`). The value is
 * a string such as `123e4567-e89b-12d3-a456-426614174000`; it is checked, and written and read in
 * lower case as Java's `UUID.toString()` writes it.
 *
 * @example
 * uuidSerde().deserialize('t', Buffer.from('123E4567-E89B-12D3-A456-426614174000')); // '123e4567-...'
 */
export function uuidSerde(): Serde<string> {
  return UUID;
}

/**
 * The serde of a key or value that is always null, like Kafka's `VoidSerde` (`Serdes.Void()`), for
 * topics without keys. Null never reaches a serde (the runtime writes and reads it as null), so
 * this serde is only called on a mistake: a record that does have bytes fails with a
 * `SchemaMismatchError`, as Java's `VoidDeserializer` does.
 *
 * @example
 * builder.source('sensor-readings', { key: voidSerde(), value: float64Serde() });
 */
export function voidSerde(): Serde<null> {
  return VOID;
}
