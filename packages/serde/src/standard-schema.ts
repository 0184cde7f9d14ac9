// The Standard Schema interface (https://standardschema.dev), version 1: the common surface of zod
// (3.24+), valibot, arktype and others. Its authors ask libraries to copy these types rather than
// depend on a package, so any such schema plugs into jsonSerde without Rivulet depending on it.

/** One problem a Standard Schema found, with the path of the field when it has one. */
export interface StandardSchemaIssue {
  /** What is wrong, as the schema library words it. */
  readonly message: string;
  /** The path to the offending field, as keys or `{ key }` segments; absent for the value itself. */
  readonly path?:
    | readonly (
        | PropertyKey
        | {
            /** One segment of the path. */
            readonly key: PropertyKey;
          }
      )[]
    | undefined;
}

/** What a Standard Schema's `validate` returns: the (possibly converted) value, or the issues. */
export type StandardSchemaResult<Output> =
  | {
      /** The validated, possibly converted, value. */
      readonly value: Output;
      /** Absent when validation succeeded. */
      readonly issues?: undefined;
    }
  | {
      /** The problems found; the value is invalid. */
      readonly issues: readonly StandardSchemaIssue[];
    };

/**
 * A schema that validates, and may convert, a value: zod, valibot, arktype and other libraries
 * implementing Standard Schema v1. Its output type is the type of the serde's values.
 *
 * @example
 * import { z } from 'zod';
 * const users = jsonSerde({ schema: z.object({ name: z.string(), age: z.number().int() }) });
 * // Serde<{ name: string; age: number }>
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties, under a key that does not clash with the library's own API. */
  readonly '~standard': {
    /** The Standard Schema version: 1. */
    readonly version: 1;
    /** The library that implements the schema, e.g. `zod`. */
    readonly vendor: string;
    /** Checks a value and returns it (possibly converted) or the issues; may be async. */
    readonly validate: (value: unknown) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    /** Carries the input and output types for inference only; never set at run time. */
    readonly types?:
      | {
          /** The type the schema accepts. */
          readonly input: Input;
          /** The type the schema produces. */
          readonly output: Output;
        }
      | undefined;
  };
}

/** The type a Standard Schema outputs. */
export type StandardSchemaOutput<S> = S extends StandardSchemaV1<unknown, infer Output> ? Output : never;
