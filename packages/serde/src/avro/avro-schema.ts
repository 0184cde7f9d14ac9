import type { LogicalTypeValues } from './logical-types.js';

/**
 * An Avro schema as Rivulet's Avro serdes accept it: the parsed JSON (an object, a union array or
 * a primitive name) or its JSON text. Declared `as const`, an object schema also gives the type of
 * the values (see {@link AvroValue}).
 *
 * @example
 * const User = {
 *   type: 'record',
 *   name: 'User',
 *   namespace: 'com.acme',
 *   fields: [
 *     { name: 'id', type: 'string' },
 *     { name: 'email', type: ['null', 'string'], default: null },
 *   ],
 * } as const satisfies AvroSchema;
 */
export type AvroSchema = string | AvroSchemaObject | readonly unknown[];

/** A record, enum, array, map, fixed or annotated primitive schema. */
export interface AvroSchemaObject {
  /** The Avro type: `record`, `enum`, `array`, `map`, `fixed` or a primitive name. */
  readonly type: unknown;
  readonly [attribute: string]: unknown;
}

/** How Avro `long` values are represented: JS numbers (exact to 2^53) or bigints. */
export type AvroLongs = 'number' | 'bigint';

type Primitive<S, L extends AvroLongs> = S extends 'null'
  ? null
  : S extends 'boolean'
    ? boolean
    : S extends 'int' | 'float' | 'double'
      ? number
      : S extends 'long'
        ? L extends 'bigint'
          ? bigint
          : number
        : S extends 'bytes'
          ? Buffer
          : S extends 'string'
            ? string
            : unknown;

type RecordValue<Fields, L extends AvroLongs> = Fields extends readonly { readonly name: string; readonly type: unknown }[]
  ? { -readonly [F in Fields[number] as F['name']]: AvroValue<F['type'], L> }
  : Record<string, unknown>;

type MicrosOrNanos = 'timestamp-micros' | 'timestamp-nanos' | 'local-timestamp-micros' | 'local-timestamp-nanos' | 'time-micros';

/**
 * The JS value of a logical type on the type the spec gives it, or never: a logical type on
 * another type (or unknown to Rivulet) is read as its underlying type.
 */
type LogicalValue<S> = S extends { readonly type: 'long'; readonly logicalType: 'timestamp-millis' | 'local-timestamp-millis' }
  ? Date
  : S extends { readonly type: 'long'; readonly logicalType: MicrosOrNanos }
    ? bigint
    : S extends { readonly type: 'int'; readonly logicalType: 'date' }
      ? Date
      : S extends { readonly type: 'int'; readonly logicalType: 'time-millis' }
        ? number
        : S extends { readonly type: 'string'; readonly logicalType: 'uuid' } | { readonly type: 'fixed'; readonly size: 16; readonly logicalType: 'uuid' }
          ? string
          : S extends { readonly type: 'bytes' | 'fixed'; readonly logicalType: 'decimal'; readonly precision: number }
            ? string
            : S extends { readonly type: 'fixed'; readonly size: 12; readonly logicalType: 'duration' }
              ? LogicalTypeValues['duration']
              : never;

/**
 * The JS type of the values of an Avro schema declared `as const`: records become objects, unions
 * the union of their branches (so `['null', 'string']` is `string | null`), enums their symbols,
 * arrays and maps `T[]` and `Record<string, T>`, bytes and fixed `Buffer`, `long` a number (or a
 * bigint with `longs: 'bigint'`), and the logical types their JS values (see
 * {@link LogicalTypeValues}: `timestamp-millis` and `date` a `Date`, the micro- and nanosecond
 * types a bigint, `decimal` and `uuid` a string). A reference to a named type, or a schema given
 * as text, gives `unknown`.
 *
 * avsc wraps the branches of a union that it cannot tell apart at run time (two records, or `int`
 * and `long`) as `{ [branchName]: value }`; such unions are typed unwrapped here, so give those
 * serdes an explicit type.
 *
 * @example
 * const Order = { type: 'record', name: 'Order', fields: [{ name: 'total', type: 'double' }] } as const;
 * type OrderValue = AvroValue<typeof Order>; // { total: number }
 */
export type AvroValue<S, L extends AvroLongs = 'number'> = 0 extends 1 & S
  ? unknown // S is any: stop here, as `any` would take every branch below, recursively.
  : S extends string
  ? Primitive<S, L>
  : S extends readonly unknown[]
    ? AvroValue<S[number], L>
    : S extends { readonly logicalType: string }
      ? [LogicalValue<S>] extends [never]
        ? Underlying<S, L>
        : LogicalValue<S>
      : Underlying<S, L>;

/** The value of a complex (or annotated primitive) schema, its logical type aside. */
type Underlying<S, L extends AvroLongs> = S extends { readonly type: 'record' | 'error'; readonly fields: infer Fields }
  ? RecordValue<Fields, L>
  : S extends { readonly type: 'enum'; readonly symbols: readonly (infer Symbol)[] }
    ? Symbol
    : S extends { readonly type: 'array'; readonly items: infer Items }
      ? AvroValue<Items, L>[]
      : S extends { readonly type: 'map'; readonly values: infer Values }
        ? Record<string, AvroValue<Values, L>>
        : S extends { readonly type: 'fixed' }
          ? Buffer
          : S extends { readonly type: infer Inner }
            ? AvroValue<Inner, L>
            : unknown;
