/**
 * The core runtime's benchmark (docs/architecture.md#performance-budget): a raw kafkajs consume -> produce
 * loop, then Rivulet's pass-through at at_least_once and at exactly_once, then a per-key count, a
 * windowed count and a stream-table join (both with the DSL), each on fresh topics with the same
 * input, each in its own process. Prints records/s, MB/s, end-to-end latency p50/p99 at a fixed
 * input rate, peak RSS and the ratios to the raw loop against the budget's targets, and writes the
 * figures to bench-results/core-<timestamp>.json. docs/benchmarks.md explains the figures.
 *
 *   npm run bench -- --records 1000000
 *   node --conditions=@rivulet/source --import tsx apps/examples/src/bench/run.ts --help
 *
 * A benchmark, not a test: it never fails for being slow. Figures from a broker shared with other
 * runs are noisy; compare ratios from the same run, not absolute numbers across runs.
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../../../scripts/kafka.mjs';
import { PARTITIONS, inputBytes } from './input.js';
import { LATENCY_WARMUP_MS, measureLatencyFloor, type LatencyResult } from './latency-phase.js';
import { parseOptions, type BenchOptions } from './options.js';
import { ProgressLine } from './progress-line.js';
import { formatReport, ratiosAndTargets, writeReport, type BenchReport, type ScenarioFailure, type ScenarioResult } from './report.js';
import { SCENARIOS, runScenario, type RunContext } from './scenario-runner.js';

const RESULTS_DIR = fileURLToPath(new URL('../../../../bench-results/', import.meta.url));

async function brokers(progress: ProgressLine): Promise<string[]> {
  const given = process.env['KAFKA_BROKERS'];
  if (given) return given.split(',').map((b) => b.trim());
  const broker = await startBroker();
  if (broker.started) progress.note(`[bench] started the local Kafka broker on ${broker.bootstrap} (stop it with: npm run kafka stop)`);
  return [broker.bootstrap];
}

/** The JSON's and the table's note on how latency was measured; none when the phase is skipped. */
function latencyNote(options: BenchOptions): string[] {
  if (options.latencyDurationMs === 0) return [];
  return [
    `Latency: after its throughput phase, each scenario's running process gets ${options.rate} records/s for ` +
      `${LATENCY_WARMUP_MS / 1000} s (warm-up, not sampled) + ${options.latencyDurationMs / 1000} s, each record stamped with its send time ` +
      'as its Kafka timestamp (one send in flight, acks all); a read_committed consumer takes (its fetched batch handed over) - (record timestamp) ' +
      'per output, in whole ms (Date.now()); p50/p99 are nearest-rank over all samples, sorted. Every scenario emits one output per input ' +
      'carrying the input timestamp (the windowed count emits each update, stamped with the newest record of its window). ' +
      'Under exactly_once an output is visible only once its transaction commits (commit interval 100 ms). ' +
      'The floor: the same producer and probe consumer on one topic with no loop between them, measured before the scenarios.',
  ];
}

async function main(): Promise<number> {
  // Rivulet against Kafka Streams (compare.ts), with its own options.
  if (process.argv.includes('--compare') || process.argv.includes('--compare-memory')) return (await import('./compare.js')).runCompare(process.argv.slice(2));
  const options = parseOptions(process.argv.slice(2));
  if (options === undefined) return 0;
  const startedAt = new Date().toISOString();
  const progress = new ProgressLine();
  const list = await brokers(progress);
  // Failures surface as rejected calls; kafkajs's own error lines would only garble the progress line.
  const kafka = new Kafka({ clientId: 'rivulet-bench', brokers: list, logLevel: logLevel.NOTHING });

  const shape = { records: options.records, keys: options.keys, valueBytes: options.valueBytes };
  const ctx: RunContext = {
    kafka,
    brokers: list,
    shape,
    totalBytes: inputBytes(shape),
    progress,
    cpuProfDir: options.cpuProfDir,
    keepTopics: options.keepTopics,
    stallTimeoutMs: options.stallTimeoutMs,
    latency:
      options.latencyDurationMs > 0
        ? { ratePerSec: options.rate, durationMs: options.latencyDurationMs, drainTimeoutMs: options.stallTimeoutMs }
        : undefined,
    current: undefined,
  };
  process.once('SIGINT', () => {
    ctx.current?.kill('SIGKILL');
    process.exit(130);
  });

  let latencyFloor: LatencyResult | undefined;
  if (ctx.latency !== undefined) {
    latencyFloor = await measureLatencyFloor(kafka, shape, ctx.latency, progress);
    const f = latencyFloor.summary;
    progress.done(`[bench] latency floor (no loop): ${f === undefined ? 'no samples' : `p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms, max ${f.maxMs} ms`}`);
  }

  const results: ScenarioResult[] = [];
  const failures: ScenarioFailure[] = [];
  for (const id of options.only) {
    try {
      results.push(await runScenario(id, ctx));
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      failures.push({ id, label: SCENARIOS[id].label, error });
      progress.note(`[bench] ${id}: FAILED: ${err instanceof Error ? (err.stack ?? error) : error}`);
    }
  }

  const { ratios, targets } = ratiosAndTargets(results);
  const report: BenchReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, brokers: list },
    input: { ...shape, totalBytes: ctx.totalBytes, partitions: PARTITIONS },
    latencyFloor,
    scenarios: results,
    failures,
    ratios,
    targets,
    notes: [
      'Clock: first input record consumed -> last output acknowledged. Raw loop and at_least_once: the output end offsets reach N; ' +
        'exactly_once: the committed offsets reach the input end offsets (outputs and offsets commit in one transaction). ' +
        'Polled every 200 ms, every 20 ms once the process has consumed all N.',
      'Each scenario runs in its own process; peak RSS is that process, sampled every 100 ms until the outputs are complete.',
      'Raw loop: eachBatch -> sendBatch (acks all, idempotent, 1 in flight) -> commitOffsets after the send, auto-commit off; same fetch settings as Rivulet.',
      'Rivulet at defaults: commit interval 30 s (at_least_once) / 100 ms (exactly_once), linger 5 ms, batch size 16 KiB.',
      'Windowed count (DSL): per key and 1 s tumbling window (grace 1 min), each update to the output and the window store changelog.',
      'Stream-table join (DSL): the input joined by key (inner) with a pre-produced table of every key (same partitions). ' +
        'The table is loaded before the clock: a warm-up run of the same application reads the table topic into the store ' +
        "(and its changelog) until its committed offsets reach the table topic's end; the measured app restores the store from the changelog before its first record. " +
        'Neither the warm-up nor the restore is in the figures (details.tableLoadMs: the warm-up, start to close).',
      ...latencyNote(options),
      'vs pass-through: records/s over the at_least_once pass-through of this run; CPU vs pass-through: CPU µs/record over its.',
      'The broker may be shared with other runs: figures are noisy; compare ratios within one run.',
    ],
  };
  process.stdout.write(`\n${formatReport(report)}`);
  for (const t of targets) process.stdout.write(`target ${t.name}: ${t.ratio.toFixed(2)}x -> ${t.met ? 'met' : 'MISSED'}\n`);
  const path = writeReport(RESULTS_DIR, report);
  process.stdout.write(`\nresults: ${path}\n`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[bench] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
