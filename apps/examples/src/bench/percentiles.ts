/**
 * Latency percentiles, computed exactly: every sample is kept and sorted, and the p-th percentile
 * is the nearest-rank value (the smallest sample with at least p% of the samples at or below it),
 * so p50 and p99 are samples that were actually observed, never interpolated. A latency phase holds
 * a few tens of thousands of samples, so a sort costs a few milliseconds, once, after the phase.
 */

/** The summary of one set of latency samples, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

/**
 * The nearest-rank `p`-th percentile (0 < p <= 100) of samples sorted ascending.
 *
 * @example
 * percentile([1, 2, 3, 4], 50); // 2
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new Error('percentile of no samples');
  if (!(p > 0 && p <= 100)) throw new Error(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * Sorts a copy of the samples (numerically) and returns p50, p99, max and mean; undefined for none.
 *
 * @example
 * summarizeLatencies([5, 1, 3]); // { count: 3, p50Ms: 3, p99Ms: 5, maxMs: 5, meanMs: 3 }
 */
export function summarizeLatencies(samples: readonly number[]): LatencySummary | undefined {
  if (samples.length === 0) return undefined;
  // A typed array sorts numerically (Array#sort would compare the numbers as strings).
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1]!,
    meanMs: sum / sorted.length,
  };
}
