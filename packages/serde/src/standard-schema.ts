// The Standard Schema interface (https://standardschema.dev), version 1: the common surface of zod
// (3.24+), valibot, arktype and others. Its authors ask libraries to copy these types rather than
// depend on a package, so any such schema plugs into jsonSerde without Rivulet depending on it.

/** One problem a Standard Schema found, with the path of the field when it has one. */
export interface StandardSchemaIssue {
  readonly message: string;
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** What a Standard Schema's `validate` returns: the (possibly converted) value, or the issues. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaIssue[] };

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
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** The type a Standard Schema outputs. */
export type StandardSchemaOutput<S> = S extends StandardSchemaV1<unknown, infer Output> ? Output : never;
