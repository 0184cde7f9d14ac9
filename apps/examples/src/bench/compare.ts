/**
 * Rivulet side by side with Kafka Streams (issue 17): `npm run bench -- --compare`. For each case
 * (pipeline x guarantee x stream threads) it runs Rivulet, then Kafka Streams 4.4.0
 * (kstreams/KStreamsBench.java, built on demand), one after the other, each in its own process on
 * fresh topics with the same input (compare-runner.ts); checks both outputs against what the input
 * implies and against each other (output-check.ts); prints records/s, CPU µs/record, peak RSS and
 * p99 latency for both, the ratios against the targets, and each ratio against the stored
 * baseline (baseline.ts). `--compare-memory` compares the memory of 1M-key stores instead
 * (memory-compare.ts). docs/benchmarks.md explains the method.
 *
 * Exits non-zero when a run failed or an output is wrong or differs between the two (a faster
 * wrong answer is a failure), and with --check-baseline when a ratio regressed.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ConfigError, resolveConfig, type StreamsConfig } from '@rivulet/core';
import { Kafka, logLevel } from 'kafkajs';
import { KAFKA_STREAMS_VERSION } from '../../../../scripts/kstreams-jars.mjs';
import { startBroker } from '../../../../scripts/kafka.mjs';
import { compareToBaseline, inputNote, readBaseline, writeBaseline, type BaselineVerdict } from './baseline.js';
import { parseCompareOptions, type CompareCase, type CompareOptions } from './compare-options.js';
import { CPU_HEAVY_ROUNDS } from './cpu-heavy-topology.js';
import { combineRounds, compareRatios, formatCompareReport, targetChecks, writeCompareReport, type CaseResult, type CompareReport, type RunFigures } from './compare-report.js';
import { runFramework, runLabel, type CompareContext } from './compare-runner.js';
import { PARTITIONS } from './input.js';
import { LATENCY_WARMUP_MS } from './latency-phase.js';
import { runMemoryComparison } from './memory-compare.js';
import { compareOutputs } from './output-check.js';
import { ProgressLine } from './progress-line.js';
import { buildKStreamsBench } from './kstreams-process.js';

const RESULTS_DIR = fileURLToPath(new URL('../../../../bench-results/', import.meta.url));
/** The committed baseline of ratios, written by --save-baseline. */
export const DEFAULT_BASELINE = fileURLToPath(new URL('./baseline.json', import.meta.url));
/** Input record i's timestamp: 20 records per millisecond from the run's start (20,000 per 1 s window). */
const RECORDS_PER_MS = 20;

/** True when this Rivulet knows the numStreamThreads setting (its config validation accepts it). */
export function rivuletHasStreamThreads(): boolean {
  try {
    resolveConfig({ applicationId: 'bench-probe', brokers: ['localhost:9092'], numStreamThreads: 2 } as StreamsConfig);
    return true;
  } catch (err) {
    if (err instanceof ConfigError && err.settings.includes('numStreamThreads')) return false;
    throw err;
  }
}

async function brokers(progress: ProgressLine): Promise<string[]> {
  const given = process.env['KAFKA_BROKERS'];
  if (given) return given.split(',').map((b) => b.trim());
  const broker = await startBroker();
  if (broker.started) progress.note(`[compare] started the local Kafka broker on ${broker.bootstrap} (stop it with: npm run kafka stop)`);
  return [broker.bootstrap];
}

function javaVersion(): string {
  const run = spawnSync('java', ['-version'], { encoding: 'utf8' });
  return /version "([^"]+)"/.exec(run.stderr ?? '')?.[1] ?? 'unknown';
}

function notes(options: CompareOptions): string[] {
  return [
    'Each run: fresh topics (4 partitions) with the same input (records with fixed timestamps, 20 per ms), its own process; Rivulet first, then Kafka Streams.',
    'Clock: first input record processed -> outputs complete (at_least_once: output end offsets reach the expected count; exactly_once: committed offsets reach the input end offsets), polled every 200 ms (20 ms once all are processed).',
    'CPU µs/record: utime + stime of the process from /proc/<pid>/stat (all threads: the JVM\'s producer I/O thread, GC, ...) over the same window, read by the parent for both; peak RSS: VmHWM of /proc/<pid>/status.',
    `Kafka Streams ${KAFKA_STREAMS_VERSION}: num.stream.threads = threads, statestore.cache.max.bytes=0 (every update emitted, as Rivulet), commit.interval.ms 30000 (alos) / 100 (exactly_once_v2), in-memory stores, JVM and client defaults otherwise.`,
    'Rivulet at its defaults (commit interval 30 s / 100 ms, linger 5 ms); numStreamThreads set only above 1.',
    ...(options.cases.some((c) => c.pipeline === 'cpu-heavy')
      ? [`cpu-heavy: mapValues computing FNV-1a 32-bit over the value ${CPU_HEAVY_ROUNDS} times (the same code in TypeScript and Java), written as hex before the value; the per-record work dominates, so it shows whether more stream threads use more cores.`]
      : []),
    'Outputs: read back under read_committed after the throughput phase and checked against the input (pass-through: the input multiset; filter+map: the kept records, mapped; count and windowed count: updates 1..c per key / (key, window); join: one joined record per input; cpu-heavy: each input value prefixed with its digest, recomputed by the checker), and between the two frameworks (record count and an order-independent fingerprint).',
    options.latencyDurationMs === 0
      ? 'Latency phase skipped.'
      : `Latency: after the check, ${options.rate} records/s for ${LATENCY_WARMUP_MS / 1000} s (not sampled) + ${options.latencyDurationMs / 1000} s into the running app; p99 of (output seen by a read_committed consumer - record timestamp).`,
    'Ratios are Rivulet / Kafka Streams from the same run; compare ratios, not absolute figures, across runs and machines.',
    ...(options.repeat > 1
      ? [`Rounds: ${options.repeat}, every case in both frameworks per round; the tables show each framework's median round (of an even count, the slower middle one); each ratio (and so the targets and the baseline check) is the median over the rounds of that round's ratio (same rule); a failed round fails the case.`]
      : []),
  ];
}

async function comparePipelines(options: CompareOptions): Promise<number> {
  const startedAt = new Date().toISOString();
  const progress = new ProgressLine();
  const list = await brokers(progress);
  const kafka = new Kafka({ clientId: 'rivulet-bench-compare', brokers: list, logLevel: logLevel.NOTHING });
  progress.update('[compare] building the Kafka Streams app (Maven fetch and javac, the first time)');
  const kstreamsClassPath = buildKStreamsBench();
  const threadsSupported = rivuletHasStreamThreads();
  const shape = { records: options.records, keys: options.keys, valueBytes: options.valueBytes };
  const base = Math.floor(Date.now() / 1000) * 1000;
  const ctx: CompareContext = {
    kafka,
    brokers: list,
    shape,
    timestampOf: (i) => base + Math.floor(i / RECORDS_PER_MS),
    progress,
    keepTopics: options.keepTopics,
    stallTimeoutMs: options.stallTimeoutMs,
    latency:
      options.latencyDurationMs > 0 ? { ratePerSec: options.rate, durationMs: options.latencyDurationMs, drainTimeoutMs: options.stallTimeoutMs } : undefined,
    kstreamsClassPath,
    current: undefined,
  };
  process.once('SIGINT', () => {
    ctx.current?.kill();
    process.exit(130);
  });

  // Round after round (--repeat), every case in both frameworks: a slow spell of the machine falls
  // on one round of several cases rather than on every round of one case.
  const rounds: CaseResult[][] = options.cases.map(() => []);
  const latency = ctx.latency;
  for (let round = 0; round < options.repeat; round++) {
    if (options.repeat > 1) progress.note(`[compare] round ${round + 1} of ${options.repeat}${round === 0 || latency === undefined ? '' : ' (no latency phase)'}`);
    ctx.latency = round === 0 ? latency : undefined;
    for (const [i, c] of options.cases.entries()) {
      const rivulet = !threadsSupported && c.threads > 1 ? notSupported(c, options) : await runFramework('rivulet', c, ctx);
      if (rivulet.status === 'not supported yet') progress.done(`[compare] ${runLabel(c, 'rivulet')}: not supported yet (this Rivulet has no numStreamThreads setting)`);
      const kstreams = await runFramework('kafka-streams', c, ctx);
      const both = rivulet.check !== undefined && kstreams.check !== undefined;
      const disagreement = both ? compareOutputs(rivulet.check!, kstreams.check!) : undefined;
      rounds[i]!.push({ case: c, rivulet, kstreams, outputsAgree: both ? disagreement === undefined : undefined, ...(disagreement === undefined ? {} : { disagreement }) });
    }
  }
  const cases = rounds.map((r) => combineRounds(r));

  const ratios = compareRatios(cases);
  const input = { records: shape.records, keys: shape.keys, valueBytes: shape.valueBytes };
  const stored = readBaseline(options.baselinePath);
  let verdicts: BaselineVerdict[] = [];
  let note: string | undefined;
  if (stored === undefined) note = `none at ${options.baselinePath}; write one with --save-baseline (a full-size run)`;
  else {
    verdicts = compareToBaseline(ratios, stored, options.tolerance);
    note = inputNote(stored, input) ?? `${options.baselinePath} (saved ${stored.savedAt}), tolerance ${Math.round(options.tolerance * 100)}%`;
  }
  const failed = cases.some((c) => c.rivulet.status === 'FAILED' || c.kstreams.status === 'FAILED' || c.outputsAgree === false);
  const report: CompareReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    environment: { node: process.version, java: javaVersion(), kafkaStreams: KAFKA_STREAMS_VERSION, cpus: cpus().length, brokers: list },
    input: { ...input, partitions: PARTITIONS },
    cases,
    ratios,
    targets: targetChecks(ratios),
    baseline: { path: options.baselinePath, verdicts, note },
    failed,
    notes: notes(options),
  };
  process.stdout.write(`\n${formatCompareReport(report)}`);
  const path = writeCompareReport(RESULTS_DIR, report, options.reportPath);
  process.stdout.write(`results: ${path}\n`);
  if (options.saveBaseline) {
    if (failed) process.stdout.write('baseline NOT saved: a run failed or an output was wrong\n');
    else {
      writeBaseline(options.baselinePath, input, ratios);
      process.stdout.write(`baseline saved: ${options.baselinePath} (${ratios.length} ratios)\n`);
    }
  }
  const regressed = verdicts.filter((v) => v.verdict === 'worse');
  if (failed) process.stdout.write('FAILED: a run failed, or an output was wrong or differs between Rivulet and Kafka Streams\n');
  if (options.checkBaseline && regressed.length > 0) process.stdout.write(`REGRESSION: ${regressed.length} ratio(s) worse than the baseline\n`);
  return failed || (options.checkBaseline && regressed.length > 0) ? 1 : 0;
}

function notSupported(c: CompareCase, options: CompareOptions): RunFigures {
  return { framework: 'rivulet', pipeline: c.pipeline, guarantee: c.guarantee, threads: c.threads, records: options.records, status: 'not supported yet' };
}

/** The entry point of `--compare` and `--compare-memory`, called by run.ts; resolves to the exit code. */
export async function runCompare(argv: readonly string[]): Promise<number> {
  const options = parseCompareOptions(argv, DEFAULT_BASELINE);
  if (options === undefined) return 0;
  return options.mode === 'memory' ? runMemoryComparison(options) : comparePipelines(options);
}
