import { InvalidJsonError, SchemaMismatchError } from './errors.js';
import type { Serde } from './serde.js';
import type { StandardSchemaIssue, StandardSchemaResult, StandardSchemaV1 } from './standard-schema.js';
import { jsonSyntaxErrorPosition } from './internal/json-syntax-error.js';
import { compileJsonSchema } from './internal/json-schema-validator.js';
import type { JsonSchemaCheck } from './internal/json-schema-validator.js';
import { findJsonUnwritable, unwritableError } from './internal/json-unwritable.js';
import { asSerdeError, errorMessage, notSerializable } from './internal/serde-errors.js';
import { firstFew, formatPath } from './internal/where.js';

/** Options of {@link jsonSerde}. */
export interface JsonSerdeOptions<T> {
  /**
   * A Standard Schema (zod 3.24+, valibot, arktype...) each value read must pass: its output is
   * the record's value and fixes the serde's type. A failure throws a `SchemaMismatchError` naming
   * the fields. Values written are not checked against it (a schema may convert on the way in).
   */
  schema?: StandardSchemaV1<unknown, T>;
  /**
   * A JSON Schema (draft-07, or 2019-09 / 2020-12 by its `$schema`) that values must match, both
   * written and read, checked with Ajv (compiled once, here). A failure throws a
   * `SchemaMismatchError` naming each field that failed. The type is not inferred from it: give it,
   * `jsonSerde<Order>({ jsonSchema })`. Formats (`"format": "email"`) are not checked.
   */
  jsonSchema?: object;
  /**
   * Checks, and may convert, each value read: it receives what `JSON.parse` returned and returns
   * the record's value, or throws to reject it (the error becomes the cause of a
   * `SerdeError`). A schema's parse function fits as is, e.g. zod's `User.parse`; a type
   * guard fits as `(v) => { if (!isUser(v)) throw new Error('not a User'); return v; }`.
   * Without it, the parsed value is taken to be a `T` unchecked.
   */
  parse?: (value: unknown) => T;
}

function invalidJson(topic: string, text: string, cause: unknown): InvalidJsonError {
  const position = jsonSyntaxErrorPosition(text);
  let detail: string;
  if (position < 0) {
    // The scanner found no fault JSON.parse did; fall back on the engine's own words.
    detail = `invalid JSON: ${errorMessage(cause)}`;
  } else if (position >= text.length) {
    detail = `invalid JSON at position ${position}, unexpected end of input`;
  } else {
    const code = text.charCodeAt(position);
    const shown =
      code >= 0x20 && code < 0x7f
        ? `'${text.charAt(position)}'`
        : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    detail = `invalid JSON at position ${position}, unexpected ${shown}`;
  }
  return new InvalidJsonError(`json: ${detail} (topic ${topic})`, { serde: 'json', topic }, position, { cause });
}

/**
 * `value` as JSON bytes. `schemaChecked` when a schema passed the value: then NaN and the infinities,
 * which JSON writes as null, are refused as well as an Invalid Date.
 */
function serializeJson(topic: string, value: unknown, schemaChecked = false): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    // A bigint, a circular structure, or a throwing toJSON().
    throw new SchemaMismatchError(`json cannot serialize the value: ${errorMessage(error)} (topic ${topic})`, { serde: 'json', topic }, [], { cause: error });
  }
  // JSON.stringify returns undefined, rather than throwing, for undefined, a function or a symbol.
  if (text === undefined) throw notSerializable('json', topic, value, 'a value JSON can represent');
  const unwritable = findJsonUnwritable(value, text, schemaChecked);
  if (unwritable !== undefined) throw unwritableError({ serde: 'json', topic }, unwritable);
  return Buffer.from(text, 'utf8');
}

function parseJson(topic: string, data: Buffer): unknown {
  const text = data.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidJson(topic, text, error);
  }
}

const UNCHECKED_JSON: Serde<unknown> = Object.freeze<Serde<unknown>>({
  name: 'json',
  serialize: (topic: string, value: unknown) => serializeJson(topic, value),
  deserialize: parseJson,
});

function schemaMismatch(topic: string, action: string, faults: readonly { path: string; text: string }[]): SchemaMismatchError {
  return new SchemaMismatchError(
    `json ${action}: ${firstFew(faults.map((f) => f.text))} (topic ${topic})`,
    { serde: 'json', topic },
    faults.map((f) => f.path),
  );
}

function issueFault(issue: StandardSchemaIssue): { path: string; text: string } {
  const segments = (issue.path ?? []).map((p) => (typeof p === 'object' ? p.key : p)).map((k) => (typeof k === 'number' ? k : String(k)));
  const path = formatPath(segments);
  return { path, text: `at ${path}: ${issue.message}` };
}

function checkedBy<T>(topic: string, result: StandardSchemaResult<T>): T {
  if (result.issues !== undefined) throw schemaMismatch(topic, 'value does not match its schema', result.issues.map(issueFault));
  return result.value;
}

/** A schema or a validator that threw rather than answering: the record still fails typed. */
function checkFailed(topic: string, error: unknown): never {
  throw asSerdeError(error, { serde: 'json', topic }, 'could not check the value against its schema');
}

/**
 * Values as UTF-8 JSON text, as `JSON.stringify` writes them and `JSON.parse` reads them: plain
 * JSON, with no schema envelope or magic byte, readable by any JSON deserializer on the other side.
 *
 * JSON's own rules apply: object properties that are `undefined` are left out, `NaN` and the
 * infinities become `null` (unless a `jsonSchema` checks the value: then they throw a
 * `SchemaMismatchError` naming the field, as the schema saw a number), and a `Date` is written as
 * its ISO string and read back as a string; an Invalid Date throws a `SchemaMismatchError`.
 * A value JSON cannot represent at all (`undefined`, a bigint, a circular structure) throws a
 * `SerdeError`, and bytes that are not JSON an `InvalidJsonError` naming the position where
 * they stop being JSON and the topic.
 *
 * Without options nothing checks that the value read is a `T`. To check it, give a `schema`
 * (zod, valibot, arktype: any Standard Schema, which also fixes the type), a `jsonSchema`
 * (checked with Ajv on both sides), or a `parse` function (which may also revive dates and the
 * like). A value that fails throws a `SchemaMismatchError` whose message names the fields.
 *
 * @example
 * interface Order { id: string; total: number }
 * const orders = jsonSerde<Order>();
 * orders.serialize('orders', { id: 'a1', total: 9.5 }); // <{"id":"a1","total":9.5}>
 *
 * @example
 * // With a zod schema: the value type is inferred from it, and a bad record names its field:
 * // json value does not match its schema: at age: Expected number, received string (topic users)
 * const users = jsonSerde({ schema: z.object({ name: z.string(), age: z.number() }) });
 *
 * @example
 * // With a JSON Schema, checked when writing and reading.
 * const orders = jsonSerde<Order>({
 *   jsonSchema: { type: 'object', required: ['id', 'total'], properties: { id: { type: 'string' }, total: { type: 'number' } } },
 * });
 */
export function jsonSerde<T = unknown>(options?: JsonSerdeOptions<T>): Serde<T> {
  const parse = options?.parse;
  const schema = options?.schema;
  const jsonSchema = options?.jsonSchema;
  // Without options the serde is stateless and shared; Serde<T> only narrows its type.
  if (parse === undefined && schema === undefined && jsonSchema === undefined) return UNCHECKED_JSON as Serde<T>;
  if (parse !== undefined && schema !== undefined) {
    throw new TypeError('jsonSerde: give options.schema or options.parse, not both: both would decide the value read');
  }
  if (schema !== undefined && typeof schema['~standard']?.validate !== 'function') {
    throw new TypeError('jsonSerde: options.schema must be a Standard Schema (zod 3.24+, valibot, arktype...): it has no ~standard.validate');
  }
  let check: JsonSchemaCheck | undefined;
  if (jsonSchema !== undefined) {
    try {
      check = compileJsonSchema(jsonSchema);
    } catch (error) {
      throw new TypeError(`jsonSerde: options.jsonSchema is not a valid JSON Schema: ${errorMessage(error)}`, { cause: error });
    }
  }
  const validateJson = check;
  return Object.freeze<Serde<T>>({
    name: 'json',
    serialize(topic: string, value: T): Buffer {
      if (validateJson !== undefined) {
        let faults: ReturnType<JsonSchemaCheck>;
        try {
          faults = validateJson(value);
        } catch (error) {
          checkFailed(topic, error);
        }
        if (faults !== undefined) throw schemaMismatch(topic, 'cannot serialize the value', faults);
      }
      return serializeJson(topic, value, validateJson !== undefined);
    },
    deserialize(topic: string, data: Buffer): T | Promise<T> {
      const value = parseJson(topic, data);
      if (validateJson !== undefined) {
        let faults: ReturnType<JsonSchemaCheck>;
        try {
          faults = validateJson(value);
        } catch (error) {
          checkFailed(topic, error);
        }
        if (faults !== undefined) throw schemaMismatch(topic, 'value does not match its JSON Schema', faults);
      }
      if (schema !== undefined) {
        let result: StandardSchemaResult<T> | Promise<StandardSchemaResult<T>>;
        try {
          result = schema['~standard'].validate(value);
        } catch (error) {
          checkFailed(topic, error);
        }
        return result instanceof Promise
          ? result.then(
              (r) => checkedBy(topic, r),
              (error: unknown) => checkFailed(topic, error),
            )
          : checkedBy(topic, result);
      }
      if (parse === undefined) return value as T;
      try {
        return parse(value);
      } catch (error) {
        throw new SchemaMismatchError(
          `json value rejected by parse: ${errorMessage(error)} (topic ${topic})`,
          { serde: 'json', topic },
          [],
          { cause: error },
        );
      }
    },
  });
}
