/** The latency table printed under the throughput table. */
import type { LatencyResult } from './latency-phase.js';
import type { ScenarioResult } from './report.js';
import { formatInt as int, formatRatio as x, formatTable } from './text-table.js';

/**
 * One row per scenario with a latency phase: what was sent and at what rate, how many outputs came
 * back, p50 / p99 / max / mean in ms, p50 / p99 over the raw loop's of the same run, and how far
 * the producer ever fell behind its schedule (records are stamped when sent, so a lag is not in
 * their latency: a large one means the figures understate what a steady source would see); then
 * the floor (producer straight to the probe consumer), if it was measured.
 */
export function formatLatencyTable(
  scenarios: readonly ScenarioResult[],
  ratios: Readonly<Record<string, number>>,
  floor: LatencyResult | undefined,
): string {
  const measured = scenarios.filter((r) => r.latency !== undefined);
  const first = measured[0]?.latency;
  if (first === undefined) return '';
  const rows: string[][] = [
    ['scenario', 'guarantee', 'sent', 'sent/s', 'outputs', 'samples', 'p50 ms', 'p99 ms', 'max ms', 'mean ms', 'p50 vs raw', 'p99 vs raw', 'max send lag ms'],
  ];
  for (const r of measured) {
    const l = r.latency!;
    const s = l.summary;
    rows.push([
      r.label,
      r.guarantee ?? '-',
      int(l.sent),
      int(l.achievedRatePerSec),
      int(l.outputs),
      s === undefined ? '0' : int(s.count),
      s === undefined ? '-' : int(s.p50Ms),
      s === undefined ? '-' : int(s.p99Ms),
      s === undefined ? '-' : int(s.maxMs),
      s === undefined ? '-' : s.meanMs.toFixed(1),
      x(ratios[`${r.id}/raw p50`]),
      x(ratios[`${r.id}/raw p99`]),
      int(l.maxSendLagMs),
    ]);
  }
  const header =
    `End-to-end latency at ${int(first.ratePerSec)} records/s for ${(first.durationMs / 1000).toFixed(0)} s per scenario ` +
    `(after a ${(first.warmupMs / 1000).toFixed(0)} s warm-up, not sampled): output seen by a read_committed consumer - input record timestamp, ` +
    `whole ms; percentiles by nearest rank over every sample`;
  const f = floor?.summary;
  const floorText =
    floor === undefined || f === undefined
      ? ''
      : `\nfloor, no loop (the producer straight to the probe consumer, one topic): p50 ${int(f.p50Ms)} ms, p99 ${int(f.p99Ms)} ms, ` +
        `max ${int(f.maxMs)} ms over ${int(f.count)} records, max send lag ${int(floor.maxSendLagMs)} ms`;
  return `${header}\n\n${formatTable(rows, new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))}${floorText}`;
}
