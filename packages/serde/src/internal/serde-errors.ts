import { SerdeError } from '../serde.js';

/**
 * The error for bytes of the wrong size, e.g. `int64 expects 8 bytes, got 3 (topic orders)`.
 * Kept out of the serdes so their per-record path is only the length check.
 */
export function wrongLength(serde: string, topic: string, expected: number, actual: number): SerdeError {
  return new SerdeError(`${serde} expects ${expected} bytes, got ${actual} (topic ${topic})`, { serde, topic });
}

/**
 * The error for a value a serde cannot write, naming the value and what is allowed, e.g.
 * `int32 cannot serialize 1.5: expected an integer in [-2147483648, 2147483647] (topic orders)`.
 */
export function notSerializable(serde: string, topic: string, value: unknown, expected: string): SerdeError {
  return new SerdeError(`${serde} cannot serialize ${describeValue(value)}: expected ${expected} (topic ${topic})`, {
    serde,
    topic,
  });
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
