import { closestMatch } from './closest-match.js';
import { formatValue } from './format-value.js';
import type { IssueList } from './issue-list.js';

/** The largest value of a Kafka int32 field, and of a Node timer: every ms and byte setting stops here. */
export const INT32_MAX = 2_147_483_647;

/** The allowed range of an integer setting. */
export interface IntegerRange {
  /** The smallest value allowed. */
  readonly min: number;
  /** The largest value allowed; {@link INT32_MAX} unless given. */
  readonly max?: number;
}

/**
 * Reads an integer setting. A missing value gives the default; a wrong one is reported and also
 * gives the default, so that reading goes on and every problem is found in one pass.
 *
 * @param issues - Where problems are reported.
 * @param path - The setting's dotted path, for messages.
 * @param value - The value the user gave, or `undefined`.
 * @param range - The allowed range.
 * @param defaultValue - The value when unset or wrong.
 * @returns The integer to use.
 */
export function readInteger(issues: IssueList, path: string, value: unknown, range: IntegerRange, defaultValue: number): number {
  if (value === undefined) return defaultValue;
  const max = range.max ?? INT32_MAX;
  if (typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= max) return value;

  const allowed = max >= Number.MAX_SAFE_INTEGER ? `an integer >= ${range.min}` : `an integer from ${range.min} to ${max}`;
  const hint = typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? ' (a number, not a string)' : '';
  issues.add(
    path,
    `${path} = ${formatValue(value)} is not allowed: it must be ${allowed}${hint}. ` +
      `Fix: set ${path} to ${allowed}, or remove it to use the default (${formatDefault(defaultValue)}).`,
  );
  return defaultValue;
}

/**
 * Reads a setting that takes one of a few values, with a "did you mean" for a near miss such as
 * `'exactly-once'`.
 *
 * @param issues - Where problems are reported.
 * @param path - The setting's dotted path, for messages.
 * @param value - The value the user gave, or `undefined`.
 * @param allowed - The values allowed.
 * @param defaultValue - The value when unset or wrong.
 * @returns The value to use.
 */
export function readChoice<T extends string | number>(
  issues: IssueList,
  path: string,
  value: unknown,
  allowed: readonly T[],
  defaultValue: T,
): T {
  if (value === undefined) return defaultValue;
  if ((allowed as readonly unknown[]).includes(value)) return value as T;

  const names = allowed.map(formatValue).join(', ');
  const near = typeof value === 'string' ? closestMatch(value, allowed.filter((a) => typeof a === 'string')) : undefined;
  const fix = near === undefined ? `set ${path} to one of those` : `did you mean '${near}'? Set ${path} to '${near}'`;
  issues.add(
    path,
    `${path} = ${formatValue(value)} is not allowed: it must be one of ${names}. ` +
      `Fix: ${fix}, or remove it to use the default (${formatValue(defaultValue)}).`,
  );
  return defaultValue;
}

/**
 * Reads a boolean setting.
 *
 * @param issues - Where problems are reported.
 * @param path - The setting's dotted path, for messages.
 * @param value - The value the user gave, or `undefined`.
 * @param defaultValue - The value when unset or wrong.
 * @returns The value to use.
 */
export function readBoolean(issues: IssueList, path: string, value: unknown, defaultValue: boolean): boolean {
  if (value === undefined) return defaultValue;
  if (typeof value === 'boolean') return value;
  issues.add(
    path,
    `${path} = ${formatValue(value)} is not allowed: it must be true or false. ` +
      `Fix: set ${path} to true or false, or remove it to use the default (${defaultValue}).`,
  );
  return defaultValue;
}

/**
 * Reads a string setting that must not be empty.
 *
 * @param issues - Where problems are reported.
 * @param path - The setting's dotted path, for messages.
 * @param value - The value the user gave, or `undefined`.
 * @param defaultValue - The value when unset or wrong.
 * @returns The value to use.
 */
export function readText(issues: IssueList, path: string, value: unknown, defaultValue: string): string {
  if (value === undefined) return defaultValue;
  if (typeof value === 'string' && value.trim() !== '') return value;
  issues.add(
    path,
    `${path} = ${formatValue(value)} is not allowed: it must be a non-empty string. ` +
      `Fix: set ${path} to a non-empty string, or remove it to use the default (${formatValue(defaultValue)}).`,
  );
  return defaultValue;
}

/**
 * Reads a group of nested settings such as `producer`: a plain object, or nothing.
 *
 * @param issues - Where problems are reported.
 * @param path - The group's dotted path, for messages.
 * @param value - The value the user gave, or `undefined`.
 * @returns The object, or an empty one when unset or wrong.
 */
export function readGroup(issues: IssueList, path: string, value: unknown): Readonly<Record<string, unknown>> {
  if (value === undefined) return {};
  if (isPlainObject(value)) return value;
  issues.add(
    path,
    `${path} = ${formatValue(value)} is not allowed: it must be an object of ${path} settings. ` +
      `Fix: write ${path}: { ... }, or remove it to use the defaults.`,
  );
  return {};
}

/**
 * Whether a value is a plain object (`{ ... }`): not null, not an array, not a class instance
 * such as a Date.
 *
 * @param value - Any value.
 * @returns `true` for an object literal or an object without prototype.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function formatDefault(value: number): string {
  return value === Number.MAX_SAFE_INTEGER ? 'unlimited, Number.MAX_SAFE_INTEGER' : formatValue(value);
}
