import { SchemaMismatchError, TruncatedPayloadError } from '../errors.js';
import { SerdeError } from '../serde.js';
import type { SerdeErrorContext } from '../serde.js';

/**
 * The error for bytes of the wrong size, e.g. `int64 expects 8 bytes, got 3 (topic orders)`: a
 * {@link TruncatedPayloadError} when they are too few, a {@link SchemaMismatchError} (bytes left over)
 * when too many. Kept out of the serdes so their per-record path is only the length check.
 */
export function wrongLength(serde: string, topic: string, expected: number, actual: number): SerdeError {
  const message = `${serde} expects ${expected} bytes, got ${actual} (topic ${topic})`;
  return actual < expected
    ? new TruncatedPayloadError(message, { serde, topic }, actual)
    : new SchemaMismatchError(message, { serde, topic }, []);
}

/**
 * The error for a value a serde cannot write, naming the value and what is allowed, e.g.
 * `int32 cannot serialize 1.5: expected an integer in [-2147483648, 2147483647] (topic orders)`:
 * a {@link SchemaMismatchError} at `path` (the whole value by default).
 */
export function notSerializable(serde: string, topic: string, value: unknown, expected: string, path = '(root)'): SchemaMismatchError {
  const at = path === '(root)' ? '' : ` at ${path}`;
  return new SchemaMismatchError(`${serde} cannot serialize ${describeValue(value)}${at}: expected ${expected} (topic ${topic})`, { serde, topic }, [path]);
}

/** The error for bytes a serde cannot read though their length is right, e.g. a boolean byte 0x02. */
export function notDeserializable(serde: string, topic: string, detail: string): SchemaMismatchError {
  return new SchemaMismatchError(`${serde} ${detail} (topic ${topic})`, { serde, topic }, []);
}

/**
 * Sets the schema id on an error of a schema-registry serde that was raised where the id was not
 * known (the Avro codec, the registry client), so every failure after the header carries it.
 */
export function withSchemaId<E extends SerdeError>(error: E, schemaId: number): E {
  if (error.schemaId === undefined) (error as { schemaId: number | undefined }).schemaId = schemaId;
  return error;
}

/**
 * Anything thrown at a serde's boundary as a {@link SerdeError}: a SerdeError passes as it is (with
 * `schemaId` set when given), anything else (a TypeError or RangeError from a codec or a user's
 * parse function) becomes a {@link SchemaMismatchError} with the original as its cause.
 */
export function asSerdeError(error: unknown, context: SerdeErrorContext, action: string): SerdeError {
  if (error instanceof SerdeError) return context.schemaId === undefined ? error : withSchemaId(error, context.schemaId);
  const where = context.part === undefined ? `(topic ${context.topic})` : `(topic ${context.topic}, ${context.part})`;
  return new SchemaMismatchError(`${context.serde} ${action}: ${errorMessage(error)} ${where}`, context, [], { cause: error });
}

const MAX_SHOWN_STRING = 40;

/**
 * A short, one-line rendering of a value for an error message: numbers, bigints and booleans as
 * written (`1.5`, `12n`), strings quoted and cut to 40 characters, anything else by its kind
 * (`an object`, `a function`), so a message never dumps a whole record.
 */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'number':
    case 'boolean':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'string':
      return value.length > MAX_SHOWN_STRING
        ? `${JSON.stringify(value.slice(0, MAX_SHOWN_STRING))}...`
        : JSON.stringify(value);
    case 'undefined':
      return 'undefined';
    case 'object':
      if (value === null) return 'null';
      if (Buffer.isBuffer(value)) return 'a Buffer';
      return Array.isArray(value) ? 'an array' : 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/** An error's message on one line (V8's circular-structure message spans several). */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ');
}
