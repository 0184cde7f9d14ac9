import avro from 'avsc';
import type { ForSchemaOptions, Resolver, Schema, Type } from 'avsc';
import type { AvroLongs, AvroSchema } from './avro-schema.js';
import { DOUBLE_TYPE, FLOAT_TYPE, LONG_TYPES } from './avro-long.js';
import { LONG_LOGICAL_TYPES } from './logical-time.js';
import { LOGICAL_TYPES } from './logical-types.js';

// Building avsc types is costly (parsing, code generation for records) and so is building a
// resolver: both are done once per schema (and per reader/writer pair) and cached here, so the
// per-record path only encodes and decodes. Types are cached by their schema text, which is also
// what a registry hands back, so a serde and a registry lookup of the same schema share a type.

/** Long schemas whose logical type is being built: their underlying type is the exact bigint long. */
const buildingLogical = new Set<object>();

/**
 * avsc's `typeHook`: every `long` (plain, under a logical type, in a union, a promotion target)
 * and every `float` and `double` becomes one of the exact types of avro-long.ts, and the
 * long-based logical types are built here, on an exact bigint long, whatever `longs` says.
 */
function exactTypes(longs: AvroLongs): (schema: Schema, opts: ForSchemaOptions) => Type | undefined {
  const long = LONG_TYPES[longs];
  return (schema, opts) => {
    if (typeof schema === 'string') {
      if (schema === 'long') return long;
      if (schema === 'double') return DOUBLE_TYPE;
      return schema === 'float' ? FLOAT_TYPE : undefined;
    }
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
    const s = schema as { type?: unknown; logicalType?: unknown };
    if (s.type === 'double') return DOUBLE_TYPE;
    if (s.type === 'float') return FLOAT_TYPE;
    if (s.type !== 'long') return undefined;
    const Logical = typeof s.logicalType === 'string' ? LONG_LOGICAL_TYPES[s.logicalType] : undefined;
    // A logical type Rivulet does not know is read as its underlying type, as the spec says.
    if (Logical === undefined) return long;
    // avsc's LogicalType constructor builds its underlying type from the same schema, through here.
    if (buildingLogical.has(s)) return LONG_TYPES.bigint;
    buildingLogical.add(s);
    try {
      return new Logical(schema, opts) as unknown as Type;
    } finally {
      buildingLogical.delete(s);
    }
  };
}

function forSchemaOptions(longs: AvroLongs): Partial<ForSchemaOptions> {
  return {
    logicalTypes: LOGICAL_TYPES,
    // 'auto' (avsc's default): unions are plain values unless their branches are ambiguous.
    wrapUnions: 'auto',
    typeHook: exactTypes(longs),
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
    resolver = reader === writer || reader.equals(writer) ? null : createResolver(reader, writer);
    byWriter.set(writer, resolver);
  }
  return resolver ?? undefined;
}

/**
 * avsc matches named types by full name; the Avro spec, Java's Avro and so the registry's
 * compatibility check match records, enums and fixed by their unqualified name. A writer whose
 * namespace alone changed is first tried by full name, then by unqualified name, so what the
 * registry accepts as compatible is also read.
 */
function createResolver(reader: Type, writer: Type): Resolver {
  try {
    return reader.createResolver(writer);
  } catch (strictError) {
    try {
      return reader.createResolver(writer, { ignoreNamespaces: true });
    } catch {
      throw strictError;
    }
  }
}
