const MAX_LENGTH = 80;

/**
 * Renders a config value for an error message the way a user would have typed it: strings in
 * single quotes, numbers and booleans as literals, objects as short JSON, functions as
 * `a function`, `Number.MAX_SAFE_INTEGER` by name. Long renderings are cut at 80 characters.
 *
 * @param value - Any value found in a config.
 * @returns A short, readable rendering of it.
 *
 * @example
 * ```ts
 * formatValue('exactly_once'); // "'exactly_once'"
 * formatValue(Number.NaN);     // 'NaN'
 * ```
 */
export function formatValue(value: unknown): string {
  const text = render(value);
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 3)}...` : text;
}

function render(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `'${value}'`;
    case 'number':
      // The default retries of an idempotent producer: the name says more than 16 digits.
      return value === Number.MAX_SAFE_INTEGER ? 'Number.MAX_SAFE_INTEGER' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'function':
      return 'a function';
    case 'symbol':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      try {
        return JSON.stringify(value) ?? String(value);
      } catch {
        // A cyclic object, for example: say what it is rather than fail while reporting.
        return Array.isArray(value) ? 'an array' : 'an object';
      }
    default:
      // booleans and undefined read fine as they are.
      return String(value);
  }
}
