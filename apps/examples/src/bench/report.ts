/** The benchmark's figures: the table it prints and the JSON it writes. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LatencyResult } from './latency-phase.js';
import { formatLatencyTable } from './latency-report.js';
import type { BenchGuarantee } from './protocol.js';
import { formatInt as int, formatRatio as x, formatTable as table } from './text-table.js';

/** One scenario's figures. */
export interface ScenarioResult {
  readonly id: string;
  readonly label: string;
  readonly guarantee: BenchGuarantee | undefined;
  readonly records: number;
  /** From the first record consumed to the last output acknowledged (committed, under exactly_once). */
  readonly durationMs: number;
  readonly recordsPerSec: number;
  /** Input key + value bytes per second, in 10^6 bytes. */
  readonly mbPerSec: number;
  readonly peakRssMb: number;
  /**
   * CPU time (user + system) of the scenario's process per input record, from the first record to
   * the end of the measurement: less sensitive to a busy machine than records/s.
   */
  readonly cpuUsPerRecord: number;
  /** CPU time over wall time of that window: near 1 (or above) means the loop was CPU-bound. */
  readonly cpuUtilization: number;
  /** How completion was decided. */
  readonly completion: string;
  /** Records the child had taken when told to stop (may exceed N only after a rebalance). */
  readonly consumed: number;
  /**
   * Output topic end offsets minus start offsets after close: the latency phase's outputs included,
   * and transaction markers under exactly_once.
   */
  readonly outputOffsets: number;
  /** The group's committed offsets reached the input's end offsets (latency phase included) after close. */
  readonly committedToEnd: boolean;
  /** End-to-end latency at a fixed input rate, after the throughput phase; undefined when skipped. */
  readonly latency: LatencyResult | undefined;
  readonly details: Record<string, number>;
  readonly topics: { readonly input: string; readonly output: string };
}

/** A scenario that did not finish. */
export interface ScenarioFailure {
  readonly id: string;
  readonly label: string;
  readonly error: string;
}

/** A line of the performance budget (docs/architecture.md#performance-budget), checked against this run. */
export interface TargetCheck {
  readonly name: string;
  readonly ratio: number;
  readonly target: number;
  readonly met: boolean;
}

/** Everything one run found: what bench-results/core-<timestamp>.json holds. */
export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly environment: { readonly node: string; readonly platform: string; readonly cpus: number; readonly brokers: readonly string[] };
  readonly input: { readonly records: number; readonly keys: number; readonly valueBytes: number; readonly totalBytes: number; readonly partitions: number };
  /** The latency phase with no loop between producer and probe consumer: the floor under every latency; undefined when skipped. */
  readonly latencyFloor: LatencyResult | undefined;
  readonly scenarios: readonly ScenarioResult[];
  readonly failures: readonly ScenarioFailure[];
  readonly ratios: Record<string, number>;
  readonly targets: readonly TargetCheck[];
  readonly notes: readonly string[];
}

/**
 * Ratios between scenarios and the budget's targets: at_least_once >= 0.9x raw, exactly_once >=
 * 0.6x at_least_once. `<id>/raw` and `<id>/alos` are records/s over the raw loop's and over the
 * at_least_once pass-through's of the same run; `<id>/alos cpu` is CPU µs/record over the
 * pass-through's (above 1: more CPU per record), the steadier figure on a busy machine;
 * `<id>/raw p50` and `<id>/raw p99` are latency percentiles over the raw loop's (above 1: slower).
 */
export function ratiosAndTargets(results: readonly ScenarioResult[]): { ratios: Record<string, number>; targets: TargetCheck[] } {
  const find = (id: string) => results.find((r) => r.id === id);
  const raw = find('raw')?.recordsPerSec;
  const alos = find('alos');
  const ratios: Record<string, number> = {};
  const rawLatency = find('raw')?.latency?.summary;
  for (const r of results) {
    if (raw !== undefined) ratios[`${r.id}/raw`] = r.recordsPerSec / raw;
    const latency = r.latency?.summary;
    // A raw percentile of 0 ms (below the clock's resolution) has no meaningful ratio.
    if (rawLatency !== undefined && latency !== undefined && rawLatency.p50Ms > 0) ratios[`${r.id}/raw p50`] = latency.p50Ms / rawLatency.p50Ms;
    if (rawLatency !== undefined && latency !== undefined && rawLatency.p99Ms > 0) ratios[`${r.id}/raw p99`] = latency.p99Ms / rawLatency.p99Ms;
    if (alos !== undefined && r.id !== 'raw' && r.id !== 'alos') {
      ratios[`${r.id}/alos`] = r.recordsPerSec / alos.recordsPerSec;
      ratios[`${r.id}/alos cpu`] = r.cpuUsPerRecord / alos.cpuUsPerRecord;
    }
  }
  const targets: TargetCheck[] = [];
  if (ratios['alos/raw'] !== undefined) {
    targets.push({ name: 'at_least_once >= 0.9x raw', ratio: ratios['alos/raw'], target: 0.9, met: ratios['alos/raw'] >= 0.9 });
  }
  if (ratios['eos/alos'] !== undefined) {
    targets.push({ name: 'exactly_once >= 0.6x at_least_once', ratio: ratios['eos/alos'], target: 0.6, met: ratios['eos/alos'] >= 0.6 });
  }
  return { ratios, targets };
}

/** The table printed at the end of a run. */
export function formatReport(report: BenchReport): string {
  const { input, environment, ratios, targets } = report;
  const target = (name: string) => targets.find((t) => t.name.startsWith(name));
  const rows: string[][] = [
    ['scenario', 'guarantee', 'records/s', 'MB/s', 'p50 ms', 'p99 ms', 'peak RSS MB', 'seconds', 'CPU µs/rec', 'CPU use', 'vs raw', 'vs pass-through', 'CPU vs pass-through', 'target', 'result'],
  ];
  for (const r of report.scenarios) {
    const t = r.id === 'alos' ? target('at_least_once') : r.id === 'eos' ? target('exactly_once') : undefined;
    rows.push([
      r.label,
      r.guarantee ?? '-',
      int(r.recordsPerSec),
      r.mbPerSec.toFixed(2),
      r.latency?.summary === undefined ? '-' : int(r.latency.summary.p50Ms),
      r.latency?.summary === undefined ? '-' : int(r.latency.summary.p99Ms),
      int(r.peakRssMb),
      (r.durationMs / 1000).toFixed(2),
      r.cpuUsPerRecord.toFixed(1),
      `${Math.round(r.cpuUtilization * 100)}%`,
      x(ratios[`${r.id}/raw`]),
      x(ratios[`${r.id}/alos`]),
      x(ratios[`${r.id}/alos cpu`]),
      t === undefined ? '' : `>= ${t.target.toFixed(2)}x ${r.id === 'eos' ? 'alos' : 'raw'}`,
      t === undefined ? '' : t.met ? 'met' : 'MISSED',
    ]);
  }
  for (const f of report.failures) rows.push([f.label, '', 'FAILED', '', '', '', '', '', '', '', '', '', '', '', f.error.split('\n')[0]!.slice(0, 80)]);
  const header =
    `Rivulet core benchmark: ${int(input.records)} records per scenario (${(input.totalBytes / 1e6).toFixed(1)} MB of keys and values, ` +
    `${int(input.keys)} keys, ${input.valueBytes}-byte values), ${input.partitions} partitions; ` +
    `Node ${environment.node}, ${environment.cpus} CPUs, brokers ${environment.brokers.join(',')}`;
  const remarks = report.scenarios.flatMap((r) => {
    const lines: string[] = [];
    if (r.consumed > r.records) lines.push(`${r.id}: ${int(r.consumed - r.records)} records processed a second time (a rebalance or an aborted transaction)`);
    if ((r.details['abortedTransactions'] ?? 0) > 0) lines.push(`${r.id}: ${r.details['abortedTransactions']} transaction(s) aborted and the task restored`);
    if ((r.details['sendFailures'] ?? 0) > 0) lines.push(`${r.id}: ${r.details['sendFailures']} failed send(s) of the record collector`);
    if (r.latency !== undefined && r.latency.missing > 0) lines.push(`${r.id}: latency phase: ${int(r.latency.missing)} of ${int(r.latency.sent)} outputs never seen; its percentiles leave out the slowest`);
    if (r.latency !== undefined && r.latency.outputs > r.latency.sent) lines.push(`${r.id}: latency phase: ${int(r.latency.outputs - r.latency.sent)} more outputs than inputs (duplicates)`);
    if (!r.committedToEnd) lines.push(`${r.id}: the committed offsets did not reach the input end offsets after close`);
    return lines;
  });
  const remarkText = remarks.length > 0 ? `\n${remarks.map((l) => `! ${l}`).join('\n')}\n` : '';
  // The DSL scenarios against the at_least_once pass-through of this run.
  const versus = report.scenarios
    .filter((r) => (r.id === 'windowed' || r.id === 'join') && ratios[`${r.id}/alos`] !== undefined)
    .map(
      (r) =>
        `${r.label} vs pass-through (at_least_once): ${x(ratios[`${r.id}/alos`])} the records/s, ` +
        `${x(ratios[`${r.id}/alos cpu`])} the CPU µs/record`,
    );
  const versusText = versus.length > 0 ? `\n${versus.join('\n')}\n` : '';
  const latencyText = report.scenarios.some((r) => r.latency !== undefined) ? `\n${formatLatencyTable(report.scenarios, ratios, report.latencyFloor)}\n` : '';
  return `${header}\n\n${table(rows, new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))}\n${latencyText}${remarkText}${versusText}\n${report.notes.map((n) => `- ${n}`).join('\n')}\n`;
}

/** Writes the report to `<dir>/core-<timestamp>.json` and returns the path. */
export function writeReport(dir: string, report: BenchReport): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `core-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
