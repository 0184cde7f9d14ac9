import type { Resolver, Type } from 'avsc';
import type { Serde } from '../serde.js';
import { errorMessage } from '../internal/serde-errors.js';
import { avroPayloadGuard, payloadFaultError } from '../internal/avro-payload-guard.js';
import { contextOf } from '../internal/where.js';
import type { AvroLongs, AvroSchema, AvroValue } from './avro-schema.js';
import { decodeAvro, encodeAvro } from './avro-codec.js';
import { avroType, resolverFor } from './avro-types.js';

/** Options of {@link avroSerde}. */
export interface AvroSerdeOptions<S extends AvroSchema = AvroSchema, L extends AvroLongs = AvroLongs> {
  /** The schema values are written with and read into (the reader schema). */
  schema: S;
  /**
   * The schema the topic's records were written with, when it is not `schema`: records are then
   * read through Avro schema resolution (defaults for new fields, aliases for renamed ones, type
   * promotions). Plain Avro carries no schema id, so the writer schema must be told.
   */
  writerSchema?: AvroSchema;
  /**
   * `bigint` reads `long` as bigint, exact over the whole int64 range; `number` (default) as numbers,
   * exact to +-(2^53 - 1), beyond which a read fails naming the field. Either writes both.
   */
  longs?: L;
}

/** The schema of a serde as an avsc type, or an error naming the option. @internal */
export function avroTypeOption(factory: string, option: string, schema: AvroSchema, longs: AvroLongs): Type {
  try {
    return avroType(schema, longs);
  } catch (error) {
    throw new TypeError(`${factory}: options.${option} is not a valid Avro schema: ${errorMessage(error)}`, { cause: error });
  }
}

/** `avro(com.acme.User)`, or `avro(int)` for an unnamed schema. @internal */
export function avroSerdeName(prefix: string, type: Type): string {
  return `${prefix}(${type.name ?? type.typeName})`;
}

/** The `longs` option, checked. @internal */
export function longsOption(factory: string, longs: unknown): AvroLongs {
  if (longs === undefined) return 'number';
  if (longs === 'number' || longs === 'bigint') return longs;
  throw new TypeError(`${factory}: options.longs must be 'number' or 'bigint', got ${JSON.stringify(longs)}`);
}

/**
 * Values as plain Avro binary (no header, no schema id), encoded with avsc. Records are checked
 * against the schema as they are written; a value that does not fit throws a
 * `SchemaMismatchError` naming the fields. Avro's logical types are read and written as JS values
 * (see `LogicalTypeValues`): `timestamp-millis`, `local-timestamp-millis` and `date` as `Date`, the
 * micro- and nanosecond types as bigints, `decimal` as an exact decimal string, `uuid` as its text,
 * `duration` as `{ months, days, milliseconds }`. Longs are exact over the whole int64 range: as
 * numbers (the default) up to 2^53, where a longer one fails to read with a `SchemaMismatchError`
 * naming the field and `longs: 'bigint'`; as bigints everywhere with `longs: 'bigint'`.
 *
 * The value type is inferred from a schema declared `as const` (see `AvroValue`), or given:
 * `avroSerde<User>({ schema })`.
 *
 * For schema evolution, give the schema the data was written with as `writerSchema`: the resolver
 * is built once, here, and each record is read through it. For topics whose records carry their
 * schema id, use {@link registryAvroSerde} instead.
 *
 * @example
 * const User = {
 *   type: 'record', name: 'User', namespace: 'com.acme',
 *   fields: [{ name: 'id', type: 'string' }, { name: 'joined', type: { type: 'long', logicalType: 'timestamp-millis' } }],
 * } as const;
 * const users = avroSerde({ schema: User }); // Serde<{ id: string; joined: Date }>
 *
 * @example
 * // Read v1 records as v2 (which added `email` with a default).
 * const usersV2 = avroSerde({ schema: UserV2, writerSchema: UserV1 });
 */
export function avroSerde<const S extends AvroSchema, const L extends AvroLongs = 'number'>(
  options: AvroSerdeOptions<S, L>,
): Serde<AvroValue<S, L>>;
export function avroSerde<T>(options: AvroSerdeOptions): Serde<T>;
export function avroSerde(options: AvroSerdeOptions): Serde<unknown> {
  const factory = 'avroSerde';
  if (typeof options !== 'object' || options === null || options.schema === undefined) {
    throw new TypeError(`${factory}: options.schema is required: the Avro schema of the values`);
  }
  const longs = longsOption(factory, options.longs);
  const type = avroTypeOption(factory, 'schema', options.schema, longs);
  let writer = type;
  let resolver: Resolver | undefined;
  if (options.writerSchema !== undefined) {
    writer = avroTypeOption(factory, 'writerSchema', options.writerSchema, longs);
    try {
      resolver = resolverFor(type, writer);
    } catch (error) {
      throw new TypeError(
        `${factory}: options.schema cannot read records written with options.writerSchema: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }
  const name = avroSerdeName('avro', type);
  const label = { serde: name };
  const writerLabel = writer === type ? 'the schema' : 'options.writerSchema';
  // Refuses a block count the bytes cannot hold before avsc loops over it (schemas with arrays or maps only).
  const guard = avroPayloadGuard(writer);
  return Object.freeze<Serde<unknown>>({
    name,
    serialize(topic: string, value: unknown): Buffer {
      return encodeAvro(type, value, -1, label, topic);
    },
    deserialize(topic: string, data: Buffer): unknown {
      const fault = guard?.(data, 0);
      if (fault !== undefined) throw payloadFaultError(fault, name, writerLabel, contextOf(label, topic), data.length);
      return decodeAvro(type, data, 0, resolver, label, topic, writerLabel);
    },
  });
}
