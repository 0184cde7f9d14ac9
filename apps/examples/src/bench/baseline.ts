/**
 * The comparison bench's regression check (issue 17, part 5): a stored baseline of ratios Rivulet /
 * Kafka Streams (never absolute times, which depend on the machine), written by `--save-baseline`,
 * and every later run's ratios compared with it. A ratio is `worse` when it moved the wrong way by
 * more than the tolerance: a throughput ratio below `baseline x (1 - tolerance)`, a CPU ratio above
 * `baseline x (1 + tolerance)`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Ratio } from './compare-report.js';

/** What the baseline file holds. */
export interface Baseline {
  readonly savedAt: string;
  /** The input the ratios were measured on: ratios from a much smaller input are not comparable. */
  readonly input: { readonly records: number; readonly keys: number; readonly valueBytes: number };
  readonly ratios: readonly Ratio[];
}

/** One ratio against its baseline. */
export interface BaselineVerdict {
  readonly name: string;
  readonly current: number;
  readonly baseline: number;
  /** current / baseline - 1: the relative change. */
  readonly change: number;
  readonly verdict: 'ok' | 'worse';
}

/**
 * Each ratio of `current` that the baseline also has, judged against it; ratios the baseline does
 * not have (or only it has) are left out.
 *
 * @example
 * compareToBaseline([{ name: 'count alos t1 throughput', value: 0.6, better: 'higher' }], baseline, 0.15);
 * // [{ name: 'count alos t1 throughput', current: 0.6, baseline: 0.8, change: -0.25, verdict: 'worse' }]
 */
export function compareToBaseline(current: readonly Ratio[], baseline: Baseline, tolerance: number): BaselineVerdict[] {
  const verdicts: BaselineVerdict[] = [];
  for (const ratio of current) {
    const stored = baseline.ratios.find((r) => r.name === ratio.name);
    if (stored === undefined || stored.value <= 0) continue;
    const change = ratio.value / stored.value - 1;
    const worse = ratio.better === 'higher' ? ratio.value < stored.value * (1 - tolerance) : ratio.value > stored.value * (1 + tolerance);
    verdicts.push({ name: ratio.name, current: ratio.value, baseline: stored.value, change, verdict: worse ? 'worse' : 'ok' });
  }
  return verdicts;
}

/** The baseline at `path`, or undefined if there is none. Throws on a file that is not a baseline. */
export function readBaseline(path: string): Baseline | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Baseline>;
  if (!Array.isArray(parsed.ratios) || parsed.input === undefined) throw new Error(`${path} is not a comparison baseline (no ratios or input)`);
  return parsed as Baseline;
}

/** Writes `ratios` as the baseline at `path`. */
export function writeBaseline(path: string, input: Baseline['input'], ratios: readonly Ratio[], savedAt = new Date().toISOString()): Baseline {
  const baseline: Baseline = { savedAt, input, ratios: [...ratios].sort((a, b) => a.name.localeCompare(b.name)) };
  writeFileSync(path, `${JSON.stringify(baseline, null, 2)}\n`);
  return baseline;
}

/** A warning when the baseline's input differs from this run's (the ratios still compare, with care). */
export function inputNote(baseline: Baseline, input: Baseline['input']): string | undefined {
  const b = baseline.input;
  if (b.records === input.records && b.keys === input.keys && b.valueBytes === input.valueBytes) return undefined;
  return (
    `measured on ${b.records} records, ${b.keys} keys, ${b.valueBytes}-byte values; this run ${input.records}, ${input.keys}, ${input.valueBytes}: ` +
    'the JVM warms up over the first ~1M records, so ratios from smaller runs are not comparable'
  );
}
