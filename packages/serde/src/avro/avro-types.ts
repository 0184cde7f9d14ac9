import avro from 'avsc';
import type { ForSchemaOptions, Resolver, Schema, Type } from 'avsc';
import type { AvroLongs, AvroSchema } from './avro-schema.js';
import { LOGICAL_TYPES } from './logical-types.js';

// Building avsc types is costly (parsing, code generation for records) and so is building a
// resolver: both are done once per schema (and per reader/writer pair) and cached here, so the
// per-record path only encodes and decodes. Types are cached by their schema text, which is also
// what a registry hands back, so a serde and a registry lookup of the same schema share a type.

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Avro longs as bigints, on request: exact over the whole 64-bit range. */
const BIGINT_LONG: Type = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer): bigint => buf.readBigInt64LE(0),
  toBuffer: (n: bigint | number): Buffer => {
    const buf = Buffer.allocUnsafe(8);
    buf.writeBigInt64LE(BigInt(n), 0);
    return buf;
  },
  fromJSON: (json: unknown): bigint => BigInt(json as number | string),
  toJSON: (n: bigint): number => Number(n),
  isValid: (n: unknown): boolean =>
    (typeof n === 'bigint' && n >= INT64_MIN && n <= INT64_MAX) || (typeof n === 'number' && Number.isSafeInteger(n)),
  compare: (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0),
}) as unknown as Type;

/** A `long` without a logical type Rivulet handles: where bigint longs replace avsc's own. */
function isPlainLong(schema: unknown): boolean {
  if (schema === 'long') return true;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return false;
  const s = schema as { type?: unknown; logicalType?: unknown };
  return s.type === 'long' && !(typeof s.logicalType === 'string' && s.logicalType in LOGICAL_TYPES);
}

function forSchemaOptions(longs: AvroLongs): Partial<ForSchemaOptions> {
  return {
    logicalTypes: LOGICAL_TYPES,
    // 'auto' (avsc's default): unions are plain values unless their branches are ambiguous.
    wrapUnions: 'auto',
    ...(longs === 'bigint' ? { typeHook: (schema: Schema) => (isPlainLong(schema) ? BIGINT_LONG : undefined) } : {}),
  };
}

/** A schema given as text or as parsed JSON, as parsed JSON plus its text (the cache key). */
export function normalizeSchema(schema: AvroSchema): { json: unknown; text: string } {
  if (typeof schema === 'string') {
    const trimmed = schema.trim();
    // Text that is JSON (an object, a union or a quoted name) or a bare primitive name.
    if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('"')) {
      return { json: JSON.parse(trimmed) as unknown, text: trimmed };
    }
    return { json: trimmed, text: JSON.stringify(trimmed) };
  }
  return { json: schema, text: JSON.stringify(schema) };
}

const typeCache: Record<AvroLongs, Map<string, Type>> = { number: new Map(), bigint: new Map() };

/**
 * The avsc type of a schema, with Rivulet's logical types and the long representation asked for,
 * built once per schema text. Throws avsc's error for an invalid schema.
 *
 * @internal
 */
export function avroType(schema: AvroSchema, longs: AvroLongs): Type {
  const { json, text } = normalizeSchema(schema);
  const cache = typeCache[longs];
  let type = cache.get(text);
  if (type === undefined) {
    type = avro.Type.forSchema(json as Schema, forSchemaOptions(longs));
    cache.set(text, type);
  }
  return type;
}

/** The reader's resolvers by writer type: `null` when the two are the same schema. */
const resolverCache = new WeakMap<Type, WeakMap<Type, Resolver | null>>();

/**
 * The resolver that reads what `writer` wrote as `reader` (Avro schema resolution: field defaults,
 * aliases, promotions), built once per pair; undefined when the schemas are equal and no resolver
 * is needed. Throws avsc's error when the reader cannot read the writer.
 *
 * @internal
 */
export function resolverFor(reader: Type, writer: Type): Resolver | undefined {
  let byWriter = resolverCache.get(reader);
  if (byWriter === undefined) {
    byWriter = new WeakMap();
    resolverCache.set(reader, byWriter);
  }
  let resolver = byWriter.get(writer);
  if (resolver === undefined) {
    // Equal schemas (same canonical form) read directly: faster, and keeps the reader's logical types.
    resolver = reader === writer || reader.equals(writer) ? null : reader.createResolver(writer);
    byWriter.set(writer, resolver);
  }
  return resolver ?? undefined;
}
