/**
 * The comparison bench's figures: Rivulet and Kafka Streams per case, the ratios Rivulet / Kafka
 * Streams and the targets of issue 17 they are held to, as a printed table and a JSON file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BaselineVerdict } from './baseline.js';
import type { CompareCase, Pipeline } from './compare-options.js';
import type { LatencyResult } from './latency-phase.js';
import type { OutputCheck } from './output-check.js';
import type { BenchGuarantee } from './protocol.js';
import { formatInt as int, formatRatio as x, formatTable } from './text-table.js';

/** The two frameworks compared. */
export type Framework = 'rivulet' | 'kafka-streams';

/** `ok`: figures measured and the output checked; `FAILED`: no figures or a wrong output; `not supported yet`: Rivulet without numStreamThreads. */
export type RunStatus = 'ok' | 'FAILED' | 'not supported yet';

/** One framework's run of one case. Figures are present when the run got through its throughput phase. */
export interface RunFigures {
  readonly framework: Framework;
  readonly pipeline: Pipeline;
  readonly guarantee: BenchGuarantee;
  readonly threads: number;
  readonly records: number;
  readonly status: RunStatus;
  readonly error?: string;
  /** First record processed -> outputs complete. */
  readonly durationMs?: number;
  readonly recordsPerSec?: number;
  /** utime + stime of the process (/proc) over the same window, per input record. */
  readonly cpuUsPerRecord?: number;
  /** CPU time over wall time of that window (1 = one core busy). */
  readonly cpuUtilization?: number;
  /** VmHWM of the process when the outputs were complete. */
  readonly peakRssMb?: number;
  /** The latency phase's p99 (undefined when skipped or without samples). */
  readonly p99Ms?: number;
  readonly latency?: LatencyResult;
  readonly check?: OutputCheck;
  readonly details?: Record<string, number>;
}

/** Both frameworks' runs of one case and whether their outputs agree. */
export interface CaseResult {
  readonly case: CompareCase;
  /** With several rounds (`--repeat`): the median round's figures (see {@link combineRounds}). */
  readonly rivulet: RunFigures;
  readonly kstreams: RunFigures;
  /** undefined when one side has no checked output to compare. */
  readonly outputsAgree: boolean | undefined;
  readonly disagreement?: string;
  /**
   * With several rounds: records/s of every round, in round order (undefined: no figures that round),
   * and CPU µs/record likewise.
   */
  readonly rounds?: RoundFigures;
}

/** Per framework, one figure per round in round order (undefined: no figures that round). */
export interface RoundFigures {
  readonly rivulet: readonly (number | undefined)[];
  readonly kstreams: readonly (number | undefined)[];
  readonly cpu?: { readonly rivulet: readonly (number | undefined)[]; readonly kstreams: readonly (number | undefined)[] };
}

/**
 * One framework's runs of a case over the rounds, as one: a run that FAILED (or was not supported)
 * stands for the case, whatever the other rounds did; otherwise the median run by records/s (of an
 * even count, the lower of the middle two), carrying the latency phase's figures of the round that
 * measured them (the first).
 *
 * @example
 * medianRun([runAt(300), runAt(100), runAt(200)]).recordsPerSec; // 200
 */
export function medianRun(runs: readonly RunFigures[]): RunFigures {
  if (runs.length === 0) throw new Error('medianRun: no runs');
  const bad = runs.find((r) => r.status !== 'ok' || r.recordsPerSec === undefined);
  if (bad !== undefined) return bad;
  const sorted = [...runs].sort((a, b) => a.recordsPerSec! - b.recordsPerSec!);
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const timed = runs.find((r) => r.p99Ms !== undefined || r.latency !== undefined);
  return timed === undefined || timed === median ? median : { ...median, p99Ms: timed.p99Ms, latency: timed.latency };
}

/**
 * A case's rounds (`--repeat N`: every case runs in both frameworks once per round, round after
 * round) as one result: each framework's median run, outputs agreeing only if they agreed in
 * every round, and every round's records/s. One round is returned as it is.
 */
export function combineRounds(rounds: readonly CaseResult[]): CaseResult {
  if (rounds.length === 1) return rounds[0]!;
  const first = rounds[0]!;
  const disagreeing = rounds.find((r) => r.outputsAgree === false);
  const agree = disagreeing !== undefined ? false : rounds.every((r) => r.outputsAgree === true) ? true : undefined;
  return {
    case: first.case,
    rivulet: medianRun(rounds.map((r) => r.rivulet)),
    kstreams: medianRun(rounds.map((r) => r.kstreams)),
    outputsAgree: agree,
    ...(disagreeing?.disagreement === undefined ? {} : { disagreement: disagreeing.disagreement }),
    rounds: {
      rivulet: rounds.map((r) => r.rivulet.recordsPerSec),
      kstreams: rounds.map((r) => r.kstreams.recordsPerSec),
      cpu: { rivulet: rounds.map((r) => r.rivulet.cpuUsPerRecord), kstreams: rounds.map((r) => r.kstreams.cpuUsPerRecord) },
    },
  };
}

/**
 * With several rounds: every round's records/s per case and framework, and each framework's
 * exactly_once / at_least_once of every round (the two ran minutes apart in the same round). Empty
 * for one round.
 */
export function formatRounds(cases: readonly CaseResult[]): string[] {
  const count = Math.max(0, ...cases.map((c) => c.rounds?.rivulet.length ?? 0));
  if (count < 2) return [];
  const rate = (v: number | undefined) => (v === undefined ? '-' : int(v));
  const header = ['pipeline', 'guarantee', 'threads', 'framework', ...Array.from({ length: count }, (_, i) => `round ${i + 1}`)];
  const rows: string[][] = [header];
  const perRound: string[] = [];
  for (const c of cases) {
    const head = [c.case.pipeline, c.case.guarantee, String(c.case.threads)];
    rows.push([...head, 'Rivulet', ...(c.rounds?.rivulet ?? []).map(rate)], [...head, 'Kafka Streams', ...(c.rounds?.kstreams ?? []).map(rate)]);
    if (c.case.guarantee !== 'exactly_once') continue;
    const alos = cases.find((o) => o.case.pipeline === c.case.pipeline && o.case.threads === c.case.threads && o.case.guarantee === 'at_least_once');
    if (alos?.rounds === undefined || c.rounds === undefined) continue;
    for (const framework of ['rivulet', 'kstreams'] as const) {
      const values = c.rounds[framework].map((v, i) => {
        const base = alos.rounds![framework][i];
        return v === undefined || base === undefined ? '-' : x(v / base);
      });
      perRound.push(`${c.case.pipeline} t${c.case.threads} ${framework === 'rivulet' ? 'rivulet' : 'kafka-streams'} eos/alos by round: ${values.join(', ')}`);
    }
  }
  return [
    `Rounds: records/s of each of the ${count} rounds (every case in both frameworks, round after round); the tables above show each framework's median round; every ratio is the median of the ${count} rounds' ratios.`,
    '',
    formatTable(rows, new Set(header.map((_, i) => i).filter((i) => i >= 4 || i === 2))),
    '',
    ...perRound,
  ];
}

/** A ratio of this run, and which way is better (what the baseline check needs). */
export interface Ratio {
  readonly name: string;
  readonly value: number;
  readonly better: 'higher' | 'lower';
}

/** A target of issue 17, checked against this run. */
export interface TargetCheck {
  readonly name: string;
  readonly ratio: number;
  readonly target: number;
  readonly met: boolean;
}

/** Everything one comparison found: what bench-results/compare-<timestamp>.json holds. */
export interface CompareReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly environment: { readonly node: string; readonly java: string; readonly kafkaStreams: string; readonly cpus: number; readonly brokers: readonly string[] };
  readonly input: { readonly records: number; readonly keys: number; readonly valueBytes: number; readonly partitions: number };
  readonly cases: readonly CaseResult[];
  readonly ratios: readonly Ratio[];
  readonly targets: readonly TargetCheck[];
  readonly baseline: { readonly path: string; readonly verdicts: readonly BaselineVerdict[]; readonly note?: string };
  /** Runs FAILED or outputs that disagree: the script exits non-zero. */
  readonly failed: boolean;
  readonly notes: readonly string[];
}

const g = (guarantee: BenchGuarantee) => (guarantee === 'exactly_once' ? 'eos' : 'alos');
const measured = (r: RunFigures | undefined): r is RunFigures & { recordsPerSec: number; cpuUsPerRecord: number } =>
  r !== undefined && r.status === 'ok' && r.recordsPerSec !== undefined && r.cpuUsPerRecord !== undefined;

/**
 * The median over rounds of `a[i] / b[i]`, the rounds where both were measured (of an even count,
 * the lower middle one); undefined without rounds on both sides. A ratio of two runs of one round
 * (minutes apart) is steadier than the ratio of two medians that may come from different rounds,
 * when the machine's pace drifts from round to round.
 *
 * @example
 * medianOfRoundRatios([100, 300, 200], [100, 200, 400]); // 1 (ratios 1, 1.5, 0.5)
 */
export function medianOfRoundRatios(a: readonly (number | undefined)[] | undefined, b: readonly (number | undefined)[] | undefined): number | undefined {
  if (a === undefined || b === undefined || a.length !== b.length || a.length < 2) return undefined;
  const values = a.flatMap((v, i) => (v === undefined || b[i] === undefined ? [] : [v / b[i]!])).sort((x, y) => x - y);
  return values.length === 0 ? undefined : values[Math.floor((values.length - 1) / 2)];
}

/**
 * The ratios of a run, named so that runs compare (the baseline keys):
 * - `<pipeline> <alos|eos> t<n> throughput`: Rivulet's records/s over Kafka Streams' (higher is better);
 * - `<pipeline> <alos|eos> t<n> cpu`: Rivulet's CPU µs/record over Kafka Streams' (lower is better);
 * - `<pipeline> t<n> <framework> eos/alos`: a framework's exactly_once records/s over its at_least_once;
 * - `<pipeline> <alos|eos> <framework> t<n>/t1`: a framework's records/s with n threads over 1.
 * Only runs that are `ok` on both sides of a ratio count. With several rounds each ratio is the median
 * of the ratios of the rounds ({@link medianOfRoundRatios}), not the ratio of the median runs.
 */
export function compareRatios(results: readonly CaseResult[]): Ratio[] {
  const ratios: Ratio[] = [];
  const caseOf = (pipeline: Pipeline, guarantee: BenchGuarantee, threads: number) =>
    results.find((c) => c.case.pipeline === pipeline && c.case.guarantee === guarantee && c.case.threads === threads);
  const side = (framework: Framework) => (framework === 'rivulet' ? 'rivulet' : 'kstreams');
  for (const { case: c, rivulet, kstreams, rounds } of results) {
    const name = `${c.pipeline} ${g(c.guarantee)} t${c.threads}`;
    if (measured(rivulet) && measured(kstreams)) {
      const throughput = medianOfRoundRatios(rounds?.rivulet, rounds?.kstreams) ?? rivulet.recordsPerSec / kstreams.recordsPerSec;
      const cpu = medianOfRoundRatios(rounds?.cpu?.rivulet, rounds?.cpu?.kstreams) ?? rivulet.cpuUsPerRecord / kstreams.cpuUsPerRecord;
      ratios.push({ name: `${name} throughput`, value: throughput, better: 'higher' });
      ratios.push({ name: `${name} cpu`, value: cpu, better: 'lower' });
    }
  }
  /** `self` over `other` for one framework: the median of the rounds' ratios, or of the medians' figures. */
  const between = (framework: Framework, self: CaseResult | undefined, other: CaseResult | undefined): number | undefined => {
    const a = self?.[side(framework)];
    const b = other?.[side(framework)];
    if (!measured(a) || !measured(b)) return undefined;
    return medianOfRoundRatios(self?.rounds?.[side(framework)], other?.rounds?.[side(framework)]) ?? a.recordsPerSec / b.recordsPerSec;
  };
  for (const framework of ['rivulet', 'kafka-streams'] as const) {
    for (const self of results) {
      const c = self.case;
      if (c.guarantee === 'exactly_once') {
        const value = between(framework, self, caseOf(c.pipeline, 'at_least_once', c.threads));
        if (value !== undefined) ratios.push({ name: `${c.pipeline} t${c.threads} ${framework} eos/alos`, value, better: 'higher' });
      }
      if (c.threads > 1) {
        const value = between(framework, self, caseOf(c.pipeline, c.guarantee, 1));
        if (value !== undefined) ratios.push({ name: `${c.pipeline} ${g(c.guarantee)} ${framework} t${c.threads}/t1`, value, better: 'higher' });
      }
    }
  }
  return ratios;
}

/**
 * Issue 17's targets, for the ratios this run has: pass-through and count at_least_once with one
 * thread >= 0.8x Kafka Streams; Rivulet's exactly_once >= 0.9x its own at_least_once; Rivulet's CPU
 * per record <= 1.2x Kafka Streams' (every case).
 */
export function targetChecks(ratios: readonly Ratio[]): TargetCheck[] {
  const targets: TargetCheck[] = [];
  const at = (name: string) => ratios.find((r) => r.name === name)?.value;
  for (const pipeline of ['pass-through', 'count'] as const) {
    const ratio = at(`${pipeline} alos t1 throughput`);
    if (ratio !== undefined) targets.push({ name: `${pipeline} at_least_once >= 0.8x Kafka Streams`, ratio, target: 0.8, met: ratio >= 0.8 });
  }
  for (const r of ratios) {
    const eos = /^(\S+) t(\d+) rivulet eos\/alos$/.exec(r.name);
    if (eos !== null) targets.push({ name: `${eos[1]} t${eos[2]}: Rivulet exactly_once >= 0.9x its at_least_once`, ratio: r.value, target: 0.9, met: r.value >= 0.9 });
    const cpu = /^(.+) cpu$/.exec(r.name);
    if (cpu !== null) targets.push({ name: `${cpu[1]}: CPU/record <= 1.2x Kafka Streams`, ratio: r.value, target: 1.2, met: r.value <= 1.2 });
  }
  return targets;
}

function cells(r: RunFigures): string[] {
  const label = r.framework === 'rivulet' ? 'Rivulet' : 'Kafka Streams';
  if (r.status !== 'ok' && r.recordsPerSec === undefined) return [label, r.status === 'FAILED' ? 'FAILED' : r.status, '', '', '', '', '', ''];
  return [
    label,
    int(r.recordsPerSec!),
    r.cpuUsPerRecord!.toFixed(1),
    `${Math.round(r.cpuUtilization! * 100)}%`,
    int(r.peakRssMb!),
    r.p99Ms === undefined ? '-' : int(r.p99Ms),
    ((r.durationMs ?? 0) / 1000).toFixed(2),
    r.check === undefined ? '-' : r.check.ok ? 'as expected' : 'WRONG',
  ];
}

/**
 * The stream-thread table, when the run has several thread counts (`--threads 1,2`): per pipeline,
 * guarantee and framework, records/s and CPU use at each thread count, and records/s with n
 * threads over one thread (the `t<n>/t1` ratios). Empty for one thread count.
 *
 * @example
 * formatThreadScaling(report).join('\n'); // 'Stream threads: ...\n\npipeline   guarantee   framework   t1 records/s ...'
 */
export function formatThreadScaling(report: Pick<CompareReport, 'cases' | 'ratios' | 'environment'>): string[] {
  const counts = [...new Set(report.cases.map((c) => c.case.threads))].sort((a, b) => a - b);
  if (counts.length < 2) return [];
  const header = ['pipeline', 'guarantee', 'framework'];
  for (const n of counts) header.push(`t${n} records/s`, `t${n} CPU use`, ...(n > 1 ? [`t${n}/t1`] : []));
  const rows: string[][] = [header];
  const groups = [...new Set(report.cases.map((c) => `${c.case.pipeline} ${c.case.guarantee}`))];
  for (const group of groups) {
    const [pipeline, guarantee] = group.split(' ') as [Pipeline, BenchGuarantee];
    for (const framework of ['rivulet', 'kafka-streams'] as const) {
      const row = [pipeline, guarantee, framework === 'rivulet' ? 'Rivulet' : 'Kafka Streams'];
      for (const n of counts) {
        const c = report.cases.find((r) => r.case.pipeline === pipeline && r.case.guarantee === guarantee && r.case.threads === n);
        const run = framework === 'rivulet' ? c?.rivulet : c?.kstreams;
        row.push(measured(run) ? int(run.recordsPerSec) : (run?.status ?? '-'), measured(run) && run.cpuUtilization !== undefined ? `${Math.round(run.cpuUtilization * 100)}%` : '');
        if (n > 1) row.push(x(report.ratios.find((r) => r.name === `${pipeline} ${g(guarantee)} ${framework} t${n}/t1`)?.value));
      }
      rows.push(row);
    }
  }
  return [
    `Stream threads (${report.environment.cpus} CPUs, shared with the broker): tN/t1 is records/s with N threads over 1 thread, per framework; ` +
      'above 1: the threads found cores to use. CPU use 100% = one core busy.',
    '',
    formatTable(rows, new Set(header.map((_, i) => i).filter((i) => i >= 3))),
  ];
}

/** The tables and lines printed at the end of a comparison. */
export function formatCompareReport(report: CompareReport): string {
  const { input, environment } = report;
  const runs: string[][] = [['pipeline', 'guarantee', 'threads', 'framework', 'records/s', 'CPU µs/rec', 'CPU use', 'peak RSS MB', 'p99 ms', 'seconds', 'output']];
  const ratioRows: string[][] = [['pipeline', 'guarantee', 'threads', 'records/s R/KS', 'CPU/rec R/KS', 'outputs R = KS']];
  const ratio = (name: string) => report.ratios.find((r) => r.name === name)?.value;
  for (const c of report.cases) {
    const head = [c.case.pipeline, c.case.guarantee, String(c.case.threads)];
    runs.push([...head, ...cells(c.rivulet)], [...head, ...cells(c.kstreams)]);
    const name = `${c.case.pipeline} ${g(c.case.guarantee)} t${c.case.threads}`;
    ratioRows.push([...head, x(ratio(`${name} throughput`)), x(ratio(`${name} cpu`)), c.outputsAgree === undefined ? '-' : c.outputsAgree ? 'equal' : 'DIFFERENT']);
  }
  const header =
    `Rivulet vs Kafka Streams ${environment.kafkaStreams}: ${int(input.records)} records per run (${int(input.keys)} keys, ${input.valueBytes}-byte values), ` +
    `${input.partitions} partitions; Node ${environment.node}, Java ${environment.java}, ${environment.cpus} CPUs, brokers ${environment.brokers.join(',')}`;
  const problems = report.cases.flatMap((c) => [
    ...[c.rivulet, c.kstreams].filter((r) => r.status === 'FAILED').map((r) => `! ${c.case.pipeline} ${c.case.guarantee} t${c.case.threads} ${r.framework}: FAILED: ${r.error ?? ''}`),
    ...(c.outputsAgree === false ? [`! ${c.case.pipeline} ${c.case.guarantee} t${c.case.threads}: outputs differ: ${c.disagreement ?? ''}`] : []),
  ]);
  // The t<n>/t1 ratios are in the stream-thread table.
  const others = report.ratios.filter((r) => !/ (throughput|cpu)$/.test(r.name) && !/ t\d+\/t1$/.test(r.name)).map((r) => `${r.name}: ${x(r.value)}`);
  const scaling = formatThreadScaling(report);
  const rounds = formatRounds(report.cases);
  const targets = report.targets.map((t) => `target ${t.name}: ${t.ratio.toFixed(2)}x -> ${t.met ? 'met' : 'MISSED'}`);
  const baseline = [
    ...(report.baseline.note === undefined ? [] : [`baseline: ${report.baseline.note}`]),
    ...report.baseline.verdicts.map(
      (v) => `baseline ${v.name}: ${v.verdict === 'worse' ? 'worse' : 'ok'} (${v.current.toFixed(2)}x now, ${v.baseline.toFixed(2)}x in the baseline, ${v.change >= 0 ? '+' : ''}${(v.change * 100).toFixed(0)}%)`,
    ),
  ];
  return [
    header,
    '',
    formatTable(runs, new Set([2, 4, 5, 6, 7, 8, 9])),
    '',
    'Ratios Rivulet / Kafka Streams (records/s: above 1 is faster; CPU per record: above 1 costs more)',
    '',
    formatTable(ratioRows, new Set([2, 3, 4])),
    ...(scaling.length > 0 ? ['', ...scaling] : []),
    ...(rounds.length > 0 ? ['', ...rounds] : []),
    ...(others.length > 0 ? ['', ...others] : []),
    ...(problems.length > 0 ? ['', ...problems] : []),
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
    ...targets,
    ...(baseline.length > 0 ? ['', ...baseline] : []),
    '',
  ].join('\n');
}

/** Writes the report to `<dir>/compare-<timestamp>.json` (and to `extra` if given); returns the path. */
export function writeCompareReport(dir: string, report: CompareReport, extra?: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `compare-${report.startedAt.replace(/[:.]/g, '-')}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(path, text);
  if (extra !== undefined) writeFileSync(extra, text);
  return path;
}
