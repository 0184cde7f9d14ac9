/** The comparison bench's command line: `npm run bench -- --compare [options]` (compare.ts). */
import { parseArgs } from 'node:util';
import type { BenchGuarantee, ScenarioKind } from './protocol.js';

/** The pipelines both frameworks run, in the order they run. */
export const PIPELINES = ['pass-through', 'filter-map', 'count', 'windowed-count', 'stream-table-join', 'cpu-heavy'] as const satisfies readonly ScenarioKind[];
/** One of {@link PIPELINES}. */
export type Pipeline = (typeof PIPELINES)[number];

/**
 * The pipelines run without `--pipelines`: every one but `cpu-heavy` at one thread count; all of
 * them with several thread counts (cpu-heavy is the pipeline that shows thread scaling) and with
 * `--short` (where it costs little and checks that both frameworks compute the same digests).
 *
 * @example
 * defaultPipelines([1, 2], false); // [...every pipeline, 'cpu-heavy']
 */
export function defaultPipelines(threads: readonly number[], short: boolean): Pipeline[] {
  return threads.length > 1 || short ? [...PIPELINES] : PIPELINES.filter((p) => p !== 'cpu-heavy');
}

/** The guarantees, by their short names on the command line. */
export const GUARANTEES: Readonly<Record<'alos' | 'eos', BenchGuarantee>> = { alos: 'at_least_once', eos: 'exactly_once' };

/** One (pipeline, guarantee, stream threads) the bench runs in Rivulet and then in Kafka Streams. */
export interface CompareCase {
  readonly pipeline: Pipeline;
  readonly guarantee: BenchGuarantee;
  readonly threads: number;
}

/** The parsed command line. */
export interface CompareOptions {
  /** `--compare-memory`: the store memory comparison instead of the pipelines. */
  readonly mode: 'pipelines' | 'memory';
  readonly records: number;
  readonly keys: number;
  readonly valueBytes: number;
  readonly cases: readonly CompareCase[];
  readonly stallTimeoutMs: number;
  /** The latency phase's input rate, records/s. */
  readonly rate: number;
  /** The latency phase's sampled duration per run, ms; 0 skips it. */
  readonly latencyDurationMs: number;
  readonly keepTopics: boolean;
  readonly short: boolean;
  /** The baseline file (ratios) read by every run, written by --save-baseline. */
  readonly baselinePath: string;
  readonly saveBaseline: boolean;
  /** Exit non-zero when a ratio is worse than the baseline's by more than the tolerance. */
  readonly checkBaseline: boolean;
  /** A ratio more than this fraction worse than the baseline's is a regression. */
  readonly tolerance: number;
  /** Also write the JSON report here (bench-results/compare-<timestamp>.json is always written). */
  readonly reportPath: string | undefined;
  /** --compare-memory: keys loaded into each store. */
  readonly memoryKeys: number;
  /** `--repeat N`: every case runs N times, round after round; the figures are each framework's median round, the ratios the median of the rounds' ratios. */
  readonly repeat: number;
}

/** What `--compare --help` prints. */
export const COMPARE_USAGE = `Usage: npm run bench -- --compare [options]
       npm run bench -- --compare-memory [--memory-keys N]

Runs each pipeline in Rivulet, then in Kafka Streams ${'4.4.0'} (Java, built on demand), one after the
other on fresh topics with the same input; checks both outputs; prints records/s, CPU µs/record, peak
RSS, p99 latency and the ratios Rivulet / Kafka Streams against the targets of issue 17.

  --records N         input records per run (default 1000000; the JVM needs ~1M to warm up)
  --keys N            distinct keys, at most 100000 (default 10000)
  --value-bytes N     bytes per value (default 100)
  --pipelines LIST    subset of ${PIPELINES.join(',')} (default all but cpu-heavy;
                      all with several --threads or --short). cpu-heavy: mapValues with ~55 µs of
                      hashing per record, the pipeline where stream threads can use more cores
  --guarantees LIST   subset of alos,eos (default both)
  --threads LIST      stream threads per app, e.g. 1,2 (default 1): Kafka Streams' num.stream.threads,
                      Rivulet's numStreamThreads
  --rate N            latency phase: input records/s (default 2000)
  --latency-seconds S latency phase: seconds sampled per run after a 1 s warm-up (default 10; 0 skips)
  --stall-timeout S   give up on a run after S seconds without progress (default 120)
  --repeat N          rounds: every case runs N times in both frameworks, round after round (the
                      latency phase in the first only); the tables show each framework's median
                      round, each ratio is the median of the rounds' ratios, and every round's
                      records/s is printed too (default 1)
  --keep-topics       keep the topics (default: delete them after each run)
  --short             CI: 3000 records, no latency phase, every pipeline at alos, the
                      pass-through and the join at eos too (unless --guarantees is given); checks
                      it runs and the outputs agree
  --baseline FILE     the stored ratios (default apps/examples/src/bench/baseline.json)
  --save-baseline     write this run's ratios to the baseline file
  --check-baseline    exit non-zero when a ratio is worse than the baseline's beyond the tolerance
  --tolerance PCT     how much worse a ratio may be, in percent (default 15)
  --report FILE       also write the JSON report to FILE
  --memory-keys N     --compare-memory: keys per store (default 1000000)
  --help

Brokers: KAFKA_BROKERS if set, otherwise the local broker of scripts/kafka.mjs (started if needed).`;

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got '${raw}'`);
  return value;
}

function list<T extends string>(name: string, raw: string | undefined, known: readonly T[]): T[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim());
  for (const item of items) {
    if (!(known as readonly string[]).includes(item)) throw new Error(`--${name}: unknown '${item}'; known: ${known.join(', ')}`);
  }
  return known.filter((k) => items.includes(k));
}

/** The pipelines --short also runs at exactly_once. */
const EOS_IN_SHORT: ReadonlySet<Pipeline> = new Set(['pass-through', 'stream-table-join']);

/** --threads: distinct integers in [1, 16], ascending. */
function threadList(raw: string | undefined): number[] {
  if (raw === undefined) return [1];
  const threads = raw.split(',').map((s) => integer('threads', s.trim(), 1, 1, 16));
  return [...new Set(threads)].sort((a, b) => a - b);
}

/**
 * The runs: every pipeline x guarantee x threads. --short without --guarantees runs alos, plus eos
 * for the pass-through and the stream-table join (whose table is handed from a warm-up app to the
 * measured one: the hand-over under exactly_once is worth checking on every CI run).
 */
export function compareCases(pipelines: readonly Pipeline[], guarantees: readonly BenchGuarantee[] | undefined, threads: readonly number[], short: boolean): CompareCase[] {
  const cases: CompareCase[] = [];
  for (const t of threads) {
    for (const pipeline of pipelines) {
      const mine = guarantees ?? (short && !EOS_IN_SHORT.has(pipeline) ? ['at_least_once' as const] : Object.values(GUARANTEES));
      for (const guarantee of mine) cases.push({ pipeline, guarantee, threads: t });
    }
  }
  return cases;
}

/**
 * Parses argv (without `--compare` / `--compare-memory`, which pick the mode); returns undefined
 * after printing the usage for --help.
 *
 * @example
 * parseCompareOptions(['--compare', '--records', '20000', '--threads', '1,2']);
 */
export function parseCompareOptions(argv: readonly string[], defaultBaseline: string): CompareOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      compare: { type: 'boolean', default: false },
      'compare-memory': { type: 'boolean', default: false },
      records: { type: 'string' },
      keys: { type: 'string' },
      'value-bytes': { type: 'string' },
      pipelines: { type: 'string' },
      guarantees: { type: 'string' },
      threads: { type: 'string' },
      rate: { type: 'string' },
      'latency-seconds': { type: 'string' },
      'stall-timeout': { type: 'string' },
      'keep-topics': { type: 'boolean', default: false },
      short: { type: 'boolean', default: false },
      baseline: { type: 'string' },
      'save-baseline': { type: 'boolean', default: false },
      'check-baseline': { type: 'boolean', default: false },
      tolerance: { type: 'string' },
      report: { type: 'string' },
      'memory-keys': { type: 'string' },
      repeat: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${COMPARE_USAGE}\n`);
    return undefined;
  }
  if (values.compare && values['compare-memory']) throw new Error('--compare and --compare-memory: pick one');
  const short = values.short;
  if (short && values['save-baseline']) throw new Error('--save-baseline with --short: a baseline of a few thousand records would say nothing');
  const threads = threadList(values.threads);
  const pipelines = list('pipelines', values.pipelines, PIPELINES) ?? defaultPipelines(threads, short);
  const guarantees = list('guarantees', values.guarantees, ['alos', 'eos'] as const)?.map((g) => GUARANTEES[g]);
  return {
    mode: values['compare-memory'] ? 'memory' : 'pipelines',
    records: integer('records', values.records, short ? 3_000 : 1_000_000, 1, Number.MAX_SAFE_INTEGER),
    keys: integer('keys', values.keys, short ? 500 : 10_000, 1, 100_000),
    valueBytes: integer('value-bytes', values['value-bytes'], 100, 16, 1_000_000),
    cases: compareCases(pipelines, guarantees, threads, short),
    stallTimeoutMs: integer('stall-timeout', values['stall-timeout'], short ? 60 : 120, 1, 3_600) * 1000,
    rate: integer('rate', values.rate, 2_000, 1, 1_000_000),
    latencyDurationMs: integer('latency-seconds', values['latency-seconds'], short ? 0 : 10, 0, 3_600) * 1000,
    keepTopics: values['keep-topics'],
    short,
    baselinePath: values.baseline ?? defaultBaseline,
    saveBaseline: values['save-baseline'],
    checkBaseline: values['check-baseline'],
    tolerance: integer('tolerance', values.tolerance, 15, 0, 100) / 100,
    reportPath: values.report,
    memoryKeys: integer('memory-keys', values['memory-keys'], 1_000_000, 1, 10_000_000),
    repeat: integer('repeat', values.repeat, 1, 1, 20),
  };
}
