/** Plain-text table and number formatting shared by the benchmark's reports. */

/** An integer with thousands separators: `1,234,567`. */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A ratio as `1.23x`; empty for none. */
export function formatRatio(n: number | undefined): string {
  return n === undefined ? '' : `${n.toFixed(2)}x`;
}

/**
 * Rows as aligned columns, three spaces apart; the first row is the header.
 *
 * @example
 * formatTable([['name', 'n'], ['a', '10']], new Set([1])); // 'name    n\na      10'
 */
export function formatTable(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) => r.map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('   ').trimEnd())
    .join('\n');
}
