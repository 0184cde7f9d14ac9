import { createRequire } from 'node:module';
import protobuf from 'protobufjs';
import type { IConversionOptions, Type } from 'protobufjs';
import { SchemaMismatchError, TruncatedPayloadError } from '../errors.js';
import type { SerdeErrorContext } from '../serde.js';
import { errorMessage } from '../internal/serde-errors.js';
import { firstFew, whereSuffix } from '../internal/where.js';
import type { ProtoChecker } from './proto-check.js';
import { messageName } from './proto-schema.js';

// The per-record Protobuf path: check the value, convert it with protobufjs's `fromObject` (enum
// names, bigint and decimal-string longs), encode it after a prebuilt header (magic byte, schema
// id, message indexes); read a payload with protobufjs's generated decoder and turn the message
// into a plain object with the serde's conversion options.

// protobufjs reads 64-bit integers exactly only through long.js, a dependency of its own, which it
// finds with `require('long')`. Under a loader that resolves `require` with the `import` condition
// (Vitest does), that gives long.js's ES module namespace, which protobufjs does not recognize, and
// int64 would come back as lossy numbers: hand it the class, resolved as protobufjs resolves it.
if (!protobuf.util.Long) {
  const fromProtobufjs = createRequire(createRequire(import.meta.url).resolve('protobufjs'));
  const loaded = fromProtobufjs('long') as { isLong?: unknown; default?: { isLong?: unknown } };
  const Long = typeof loaded.isLong === 'function' ? loaded : loaded.default;
  if (typeof Long?.isLong === 'function') {
    protobuf.util.Long = Long as typeof protobuf.util.Long;
    protobuf.configure();
  }
}
if (!protobuf.util.Long) {
  throw new Error('@rivulet/serde: protobufjs found no long.js: 64-bit Protobuf integers cannot be read exactly');
}

/** How decoded messages become plain objects: the serde's `longs`, `enums` and `defaults` options. */
export interface ProtoReadOptions {
  readonly longs: 'bigint' | 'string';
  readonly enums: 'string' | 'number';
  readonly defaults: boolean;
}

/** protobufjs's conversion options for {@link ProtoReadOptions}. Oneofs always get their virtual discriminator. */
export function conversionOptions(options: ProtoReadOptions): IConversionOptions {
  return {
    longs: options.longs === 'bigint' ? BigInt : String,
    ...(options.enums === 'string' ? { enums: String } : {}),
    defaults: options.defaults,
    arrays: true,
    objects: true,
    oneofs: true,
  };
}

/**
 * `value` as a message of `type`, encoded after `header`. Throws a {@link SchemaMismatchError}
 * naming every field that does not fit.
 *
 * @internal
 */
export function encodeProto(type: Type, checker: ProtoChecker, header: Buffer, value: unknown, context: SerdeErrorContext): Buffer {
  const faults = checker.check(type, value);
  if (faults !== undefined) {
    throw new SchemaMismatchError(
      `${context.serde} cannot serialize the value as ${messageName(type)}: ${firstFew(faults.map((f) => f.text))} ${whereSuffix(context)}`,
      context,
      faults.map((f) => f.path),
    );
  }
  let payload: Uint8Array;
  try {
    payload = type.encode(type.fromObject(value as Record<string, unknown>)).finish();
  } catch (error) {
    throw new SchemaMismatchError(`${context.serde} cannot serialize the value as ${messageName(type)}: ${errorMessage(error)} ${whereSuffix(context)}`, context, [], {
      cause: error,
    });
  }
  const out = Buffer.allocUnsafe(header.length + payload.length);
  header.copy(out, 0);
  out.set(payload, header.length);
  return out;
}

/**
 * The payload of `data` from `offset` decoded as `type`, as a plain object. Throws
 * {@link TruncatedPayloadError} when the bytes end inside a field and {@link SchemaMismatchError}
 * when they are not a message of `type` (a bad wire type, invalid UTF-8, a missing proto2 required
 * field).
 *
 * @internal
 */
export function decodeProto(type: Type, data: Buffer, offset: number, conversion: IConversionOptions, context: SerdeErrorContext, writerLabel: string): unknown {
  let message: protobuf.Message;
  try {
    message = type.decode(data.subarray(offset));
  } catch (error) {
    // protobufjs's reader throws a RangeError ("index out of range") when a field runs past the end.
    if (error instanceof RangeError) {
      throw new TruncatedPayloadError(
        `${context.serde}: truncated payload, the ${data.length - offset} bytes from offset ${offset} end inside a ${messageName(type)} (${writerLabel}): ${errorMessage(error)} ${whereSuffix(context)}`,
        context,
        data.length,
      );
    }
    const missing = error instanceof protobuf.util.ProtocolError ? /missing required '([^']+)'/.exec(error.message)?.[1] : undefined;
    throw new SchemaMismatchError(
      `${context.serde}: the payload from offset ${offset} is not a ${messageName(type)} (${writerLabel}): ${errorMessage(error)} ${whereSuffix(context)}`,
      context,
      missing === undefined ? [] : [missing],
      { cause: error },
    );
  }
  return type.toObject(message, conversion);
}
