/**
 * Checks a duration option of a windows definition at the door, with an error that names it.
 *
 * @internal
 */
export function assertDuration(where: string, name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${where}: ${name} must be an integer number of milliseconds >= ${min}, got ${String(value)}`);
  }
}
