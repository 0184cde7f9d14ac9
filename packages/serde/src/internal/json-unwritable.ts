import { SchemaMismatchError } from '../errors.js';
import type { SerdeErrorContext } from '../serde.js';
import { formatPath, whereSuffix } from './where.js';

// JSON.stringify writes an Invalid Date, NaN and the infinities as `null` without a word. An Invalid
// Date is always a bug upstream (there is no time to write); a non-finite number is one when a
// schema checked the value as a number, since what lands on the topic is a null the schema never
// saw. The JSON serdes look for them only when the text they wrote has a `null` in it, so values
// without one pay a substring search and nothing more.

/** A value JSON would write as null although it is not null: where, and what it is. */
export interface JsonUnwritable {
  /** The field path, e.g. `lines[0].at`, or `(root)`. */
  readonly path: string;
  /** `an Invalid Date`, `NaN`, `Infinity`. */
  readonly what: string;
}

/**
 * The first Invalid Date in `value` (and, with `numbers`, the first NaN or infinity) that
 * JSON.stringify wrote as null, or undefined when there is none. `text` is what JSON.stringify
 * wrote for `value`: without a `null` in it there is nothing to look for.
 */
export function findJsonUnwritable(value: unknown, text: string, numbers: boolean): JsonUnwritable | undefined {
  if (!text.includes('null')) return undefined;
  const path: (string | number)[] = [];
  const what = walk(value, numbers, path);
  return what === undefined ? undefined : { path: formatPath(path), what };
}

function walk(value: unknown, numbers: boolean, path: (string | number)[]): string | undefined {
  if (typeof value === 'number') return numbers && !Number.isFinite(value) ? String(value) : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'an Invalid Date' : undefined;
  // Another object with its own toJSON (a Buffer, a class) is written as that returns: not walked.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const found = walk(value[i], numbers, path);
      if (found !== undefined) return found;
      path.pop();
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    path.push(key);
    const found = walk((value as Record<string, unknown>)[key], numbers, path);
    if (found !== undefined) return found;
    path.pop();
  }
  return undefined;
}

/** The error for a value JSON would write as null: a {@link SchemaMismatchError} naming its path. */
export function unwritableError(context: SerdeErrorContext, found: JsonUnwritable): SchemaMismatchError {
  const at = found.path === '(root)' ? '' : ` at ${found.path}`;
  return new SchemaMismatchError(`${context.serde} cannot serialize ${found.what}${at}: JSON would write it as null ${whereSuffix(context)}`, context, [found.path]);
}
