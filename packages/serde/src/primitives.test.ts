import { describe, expect, it } from 'vitest';
import {
  booleanSerde,
  bytesSerde,
  float32Serde,
  float64Serde,
  int16Serde,
  int32Serde,
  int64Serde,
  stringSerde,
  uuidSerde,
  voidSerde,
} from './primitives.js';
import { SerdeError } from './serde.js';
import type { Serde } from './serde.js';

/** Serializes synchronously (these serdes never return a Promise) and shows the bytes as hex. */
function hex<T>(serde: Serde<T>, value: T): string {
  const out = serde.serialize('t', value);
  if (!Buffer.isBuffer(out)) throw new Error(`${serde.name} serialize did not return a Buffer`);
  return out.toString('hex');
}

/** Deserializes hex synchronously. */
function read<T>(serde: Serde<T>, bytes: string): T {
  const value = serde.deserialize('t', Buffer.from(bytes, 'hex'));
  if (value instanceof Promise) throw new Error(`${serde.name} deserialize returned a Promise`);
  return value;
}

/** The SerdeError a call throws. */
function serdeErrorOf(call: () => unknown): SerdeError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(SerdeError);
    return error as SerdeError;
  }
  throw new Error('expected a SerdeError, nothing was thrown');
}

// Each row: a value and the bytes Kafka's Java serializer writes for it. Reading the bytes back
// must give the value again (Object.is, so -0 and NaN count).
const javaVectors = {
  int16: [
    [-2, 'fffe'],
    [0, '0000'],
    [1, '0001'],
    [256, '0100'],
    [-32768, '8000'],
    [32767, '7fff'],
  ],
  int32: [
    [1, '00000001'],
    [-1, 'ffffffff'],
    [0, '00000000'],
    [256, '00000100'],
    [-2147483648, '80000000'],
    [2147483647, '7fffffff'],
  ],
  int64: [
    [1n, '0000000000000001'],
    [-1n, 'ffffffffffffffff'],
    [2n ** 53n + 1n, '0020000000000001'],
    [-(2n ** 63n), '8000000000000000'],
    [2n ** 63n - 1n, '7fffffffffffffff'],
    [1234567890123456789n, '112210f47de98115'],
  ],
  float32: [
    [1.5, '3fc00000'],
    [0, '00000000'],
    [-0, '80000000'],
    [-2, 'c0000000'],
    [NaN, '7fc00000'],
    [Infinity, '7f800000'],
    [-Infinity, 'ff800000'],
    [Math.fround(0.1), '3dcccccd'],
    [3.4028234663852886e38, '7f7fffff'],
    [1.401298464324817e-45, '00000001'],
  ],
  float64: [
    [1.5, '3ff8000000000000'],
    [0, '0000000000000000'],
    [-0, '8000000000000000'],
    [0.1, '3fb999999999999a'],
    [NaN, '7ff8000000000000'],
    [Infinity, '7ff0000000000000'],
    [-Infinity, 'fff0000000000000'],
    [Number.MAX_VALUE, '7fefffffffffffff'],
    [Number.MIN_VALUE, '0000000000000001'],
  ],
} as const;

describe('int16Serde', () => {
  it.each(javaVectors.int16)('writes %d as Java ShortSerializer does (%s) and reads it back', (value, bytes) => {
    expect(hex(int16Serde(), value)).toBe(bytes);
    expect(read(int16Serde(), bytes)).toBe(value);
  });

  it.each([1.5, 32768, -32769, NaN, Infinity])('refuses to serialize %d', (value) => {
    const error = serdeErrorOf(() => int16Serde().serialize('orders', value));
    expect(error.message).toBe(`int16 cannot serialize ${value}: expected an integer in [-32768, 32767] (topic orders)`);
  });

  it('names serde, topic and sizes when the bytes are not 2 long', () => {
    const error = serdeErrorOf(() => int16Serde().deserialize('orders', Buffer.alloc(4)));
    expect(error.message).toBe('int16 expects 2 bytes, got 4 (topic orders)');
    expect(error).toMatchObject({ name: 'SchemaMismatchError', code: 'SCHEMA_MISMATCH', serde: 'int16', topic: 'orders' });
    // Too few bytes is a truncated payload.
    expect(serdeErrorOf(() => int16Serde().deserialize('orders', Buffer.alloc(1)))).toMatchObject({ name: 'TruncatedPayloadError', code: 'TRUNCATED_PAYLOAD', length: 1 });
  });
});

describe('int32Serde', () => {
  it.each(javaVectors.int32)('writes %d as Java IntegerSerializer does (%s) and reads it back', (value, bytes) => {
    expect(hex(int32Serde(), value)).toBe(bytes);
    expect(read(int32Serde(), bytes)).toBe(value);
  });

  it('writes -0 as 0, as Java has no negative integer zero', () => {
    expect(hex(int32Serde(), -0)).toBe('00000000');
  });

  it.each([0.5, 2147483648, -2147483649, NaN, -Infinity, 2 ** 53])('refuses to serialize %d', (value) => {
    const error = serdeErrorOf(() => int32Serde().serialize('orders', value));
    expect(error.message).toBe(
      `int32 cannot serialize ${value}: expected an integer in [-2147483648, 2147483647] (topic orders)`,
    );
    expect(error).toMatchObject({ serde: 'int32', topic: 'orders' });
  });

  it('refuses a numeric string from untyped callers rather than coercing it', () => {
    const error = serdeErrorOf(() => int32Serde().serialize('orders', '42' as unknown as number));
    expect(error.message).toBe('int32 cannot serialize "42": expected an integer in [-2147483648, 2147483647] (topic orders)');
  });

  it.each([0, 3, 5, 8])('rejects %d bytes, naming serde, topic and sizes', (length) => {
    const error = serdeErrorOf(() => int32Serde().deserialize('orders', Buffer.alloc(length)));
    expect(error.message).toBe(`int32 expects 4 bytes, got ${length} (topic orders)`);
  });
});

describe('int64Serde', () => {
  it.each(javaVectors.int64)('writes %s as Java LongSerializer does (%s) and reads it back', (value, bytes) => {
    expect(hex(int64Serde(), value)).toBe(bytes);
    expect(read(int64Serde(), bytes)).toBe(value);
  });

  it('keeps integers beyond 2^53 exact', () => {
    const big = 2n ** 53n + 1n;
    expect(read(int64Serde(), hex(int64Serde(), big))).toBe(9007199254740993n);
  });

  it('converts a safe-integer number, reading it back as a bigint', () => {
    const serde = int64Serde() as unknown as Serde<bigint | number>;
    expect(hex(serde, 1)).toBe('0000000000000001');
    expect(hex(serde, -1)).toBe('ffffffffffffffff');
    expect(hex(serde, Number.MAX_SAFE_INTEGER)).toBe('001fffffffffffff');
    expect(read(int64Serde(), '001fffffffffffff')).toBe(BigInt(Number.MAX_SAFE_INTEGER));
  });

  it.each([
    [2n ** 63n, '9223372036854775808n'],
    [-(2n ** 63n) - 1n, '-9223372036854775809n'],
    [2 ** 53, '9007199254740992'],
    [1.5, '1.5'],
    [NaN, 'NaN'],
  ])('refuses to serialize %s', (value, shown) => {
    const serde = int64Serde() as unknown as Serde<bigint | number>;
    const error = serdeErrorOf(() => serde.serialize('orders', value));
    expect(error.message).toBe(
      `int64 cannot serialize ${shown}: expected a bigint in [-9223372036854775808, 9223372036854775807] or a safe integer (topic orders)`,
    );
  });

  it('names serde, topic and sizes when the bytes are not 8 long', () => {
    const error = serdeErrorOf(() => int64Serde().deserialize('orders', Buffer.alloc(3)));
    expect(error.message).toBe('int64 expects 8 bytes, got 3 (topic orders)');
    expect(error).toMatchObject({ serde: 'int64', topic: 'orders' });
  });
});

describe('float32Serde', () => {
  it.each(javaVectors.float32)('writes %d as Java FloatSerializer does (%s) and reads it back', (value, bytes) => {
    expect(hex(float32Serde(), value)).toBe(bytes);
    expect(Object.is(read(float32Serde(), bytes), value)).toBe(true);
  });

  it('rounds a double to the nearest float, as Java does when the value is a float', () => {
    expect(hex(float32Serde(), 0.1)).toBe('3dcccccd');
    expect(read(float32Serde(), '3dcccccd')).toBe(Math.fround(0.1));
  });

  it('rejects bytes that are not 4 long', () => {
    expect(serdeErrorOf(() => float32Serde().deserialize('orders', Buffer.alloc(8))).message).toBe(
      'float32 expects 4 bytes, got 8 (topic orders)',
    );
  });

  it('refuses a value that is not a number', () => {
    const error = serdeErrorOf(() => float32Serde().serialize('orders', null as unknown as number));
    expect(error.message).toBe('float32 cannot serialize null: expected a number (topic orders)');
  });
});

describe('float64Serde', () => {
  it.each(javaVectors.float64)('writes %d as Java DoubleSerializer does (%s) and reads it back', (value, bytes) => {
    expect(hex(float64Serde(), value)).toBe(bytes);
    expect(Object.is(read(float64Serde(), bytes), value)).toBe(true);
  });

  it('rejects bytes that are not 8 long', () => {
    expect(serdeErrorOf(() => float64Serde().deserialize('orders', Buffer.alloc(4))).message).toBe(
      'float64 expects 8 bytes, got 4 (topic orders)',
    );
  });

  it('refuses a value that is not a number', () => {
    const error = serdeErrorOf(() => float64Serde().serialize('orders', 1n as unknown as number));
    expect(error.message).toBe('float64 cannot serialize 1n: expected a number (topic orders)');
  });
});

describe('booleanSerde', () => {
  it.each([
    [true, '01'],
    [false, '00'],
  ] as const)('writes %s as Kafka 3.x BooleanSerializer does (%s) and reads it back', (value, bytes) => {
    expect(hex(booleanSerde(), value)).toBe(bytes);
    expect(read(booleanSerde(), bytes)).toBe(value);
  });

  it('rejects a byte other than 0x00 and 0x01, as Java does', () => {
    const error = serdeErrorOf(() => booleanSerde().deserialize('flags', Buffer.from([2])));
    expect(error.message).toBe('boolean expects byte 0x00 or 0x01, got 0x02 (topic flags)');
    expect(error).toMatchObject({ serde: 'boolean', topic: 'flags' });
  });

  it('rejects bytes that are not 1 long', () => {
    expect(serdeErrorOf(() => booleanSerde().deserialize('flags', Buffer.alloc(0))).message).toBe(
      'boolean expects 1 bytes, got 0 (topic flags)',
    );
  });

  it('refuses a truthy value that is not a boolean', () => {
    const error = serdeErrorOf(() => booleanSerde().serialize('flags', 1 as unknown as boolean));
    expect(error.message).toBe('boolean cannot serialize 1: expected a boolean (topic flags)');
  });
});

describe('stringSerde', () => {
  it.each([
    ['', ''],
    ['hello', '68656c6c6f'],
    ['héllo', '68c3a96c6c6f'],
    ['€', 'e282ac'],
    ['😀', 'f09f9880'],
    ['日本', 'e697a5e69cac'],
    ['a\u0000b', '610062'],
  ])('writes %j as UTF-8 (%s) and reads it back', (value, bytes) => {
    expect(hex(stringSerde(), value)).toBe(bytes);
    expect(read(stringSerde(), bytes)).toBe(value);
  });

  it('decodes malformed UTF-8 to U+FFFD, as Java does, rather than failing', () => {
    expect(read(stringSerde(), '61ff62')).toBe('a\uFFFDb');
  });

  it('refuses a value that is not a string', () => {
    const error = serdeErrorOf(() => stringSerde().serialize('lines', { a: 1 } as unknown as string));
    expect(error.message).toBe('string cannot serialize an object: expected a string (topic lines)');
  });
});

describe('bytesSerde', () => {
  it('passes the Buffer through both ways without copying', () => {
    const data = Buffer.from([0xca, 0xfe, 0x00]);
    expect(bytesSerde().serialize('images', data)).toBe(data);
    expect(bytesSerde().deserialize('images', data)).toBe(data);
  });

  it('passes an empty Buffer through', () => {
    expect(hex(bytesSerde(), Buffer.alloc(0))).toBe('');
  });

  it('refuses a value that is not a Buffer', () => {
    const error = serdeErrorOf(() => bytesSerde().serialize('images', 'cafe' as unknown as Buffer));
    expect(error.message).toBe('bytes cannot serialize "cafe": expected a Buffer (topic images)');
  });
});

describe('uuidSerde', () => {
  const id = '123e4567-e89b-12d3-a456-426614174000';

  it('writes the UUID text as Java UUIDSerializer does and reads it back', () => {
    expect(hex(uuidSerde(), id)).toBe(Buffer.from(id, 'ascii').toString('hex'));
    expect(read(uuidSerde(), Buffer.from(id).toString('hex'))).toBe(id);
  });

  it('writes and reads upper-case UUIDs in lower case, as Java UUID.toString() does', () => {
    expect(hex(uuidSerde(), id.toUpperCase())).toBe(Buffer.from(id).toString('hex'));
    expect(read(uuidSerde(), Buffer.from(id.toUpperCase()).toString('hex'))).toBe(id);
  });

  it('refuses a string that is not a UUID', () => {
    const error = serdeErrorOf(() => uuidSerde().serialize('users', 'not-a-uuid'));
    expect(error.message).toBe(
      'uuid cannot serialize "not-a-uuid": expected a UUID string like 123e4567-e89b-12d3-a456-426614174000 (topic users)',
    );
  });

  it('rejects bytes that are not 36 long', () => {
    expect(serdeErrorOf(() => uuidSerde().deserialize('users', Buffer.from(id.slice(1)))).message).toBe(
      'uuid expects 36 bytes, got 35 (topic users)',
    );
  });

  it('rejects 36 bytes that are not a UUID', () => {
    const text = 'zz3e4567-e89b-12d3-a456-426614174000';
    expect(serdeErrorOf(() => uuidSerde().deserialize('users', Buffer.from(text))).message).toBe(
      `uuid expects the text of a UUID like 123e4567-e89b-12d3-a456-426614174000, got "${text}" (topic users)`,
    );
  });
});

describe('voidSerde', () => {
  it('rejects a record that has bytes where null was expected, as Java VoidDeserializer does', () => {
    const error = serdeErrorOf(() => voidSerde().deserialize('sensors', Buffer.from('k')));
    expect(error.message).toBe('void expects no data (a null key or value), got 1 bytes (topic sensors)');
    expect(error).toMatchObject({ serde: 'void', topic: 'sensors' });
  });

  it('has nothing to serialize, since null never reaches a serde', () => {
    expect(serdeErrorOf(() => voidSerde().serialize('sensors', null)).message).toBe(
      'void has no bytes to write: null keys and values bypass serdes (topic sensors)',
    );
  });
});

describe('the primitive serdes', () => {
  const all = [
    stringSerde(),
    bytesSerde(),
    int16Serde(),
    int32Serde(),
    int64Serde(),
    float32Serde(),
    float64Serde(),
    booleanSerde(),
    uuidSerde(),
    voidSerde(),
  ];

  it('are one shared instance per factory', () => {
    expect(int64Serde()).toBe(int64Serde());
    expect(stringSerde()).toBe(stringSerde());
  });

  it('are frozen, so no caller can patch the shared instance', () => {
    for (const serde of all) expect(Object.isFrozen(serde)).toBe(true);
  });

  it('have distinct names', () => {
    expect(all.map((serde) => serde.name)).toEqual([
      'string',
      'bytes',
      'int16',
      'int32',
      'int64',
      'float32',
      'float64',
      'boolean',
      'uuid',
      'void',
    ]);
  });

  it('work when their methods are detached from the object', () => {
    const { serialize, deserialize } = int32Serde();
    expect(deserialize('t', serialize('t', 7) as Buffer)).toBe(7);
  });
});
