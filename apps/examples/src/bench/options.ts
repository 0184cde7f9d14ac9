/** The benchmark's command line. */
import { parseArgs } from 'node:util';

/** Scenario ids, in the order they run. */
export const SCENARIO_IDS = ['raw', 'alos', 'eos', 'count', 'windowed', 'join'] as const;
/** One of {@link SCENARIO_IDS}. */
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** The parsed command line. */
export interface BenchOptions {
  readonly records: number;
  readonly keys: number;
  readonly valueBytes: number;
  readonly only: readonly ScenarioId[];
  /** Write a V8 CPU profile of each scenario's child process into this folder. */
  readonly cpuProfDir: string | undefined;
  readonly keepTopics: boolean;
  /** Give up on a scenario that makes no progress for this long. */
  readonly stallTimeoutMs: number;
  /** The latency phase's input rate, records/s. */
  readonly rate: number;
  /** The latency phase's sampled duration per scenario, ms; 0 skips the phase. */
  readonly latencyDurationMs: number;
}

/** What --help prints. */
export const USAGE = `Usage: npm run bench -- [options]

  --records N       input records per scenario (default 1000000)
  --keys N          distinct keys, at most 100000 (default 10000)
  --value-bytes N   bytes per value (default 100)
  --only LIST       comma-separated subset of ${SCENARIO_IDS.join(',')} (default all; ratios need raw and alos)
  --cpu-prof DIR    write a V8 CPU profile of each scenario's process into DIR
  --keep-topics     keep the benchmark's topics (default: delete them after each scenario)
  --stall-timeout S give up on a scenario after S seconds without progress (default 120)
  --rate N          latency phase: input records/s, fed to the running scenario after its
                    throughput phase (default 2000; keep it well under the slowest scenario's records/s)
  --latency-seconds S
                    latency phase: seconds sampled per scenario, after a 1 s warm-up
                    (default 10; 0 skips the phase)
  --help

Brokers: KAFKA_BROKERS if set, otherwise the local broker of scripts/kafka.mjs (started if needed).`;

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer in [${min}, ${max}], got '${raw}'`);
  return value;
}

function positiveInt(name: string, raw: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  return integer(name, raw, fallback, 1, max);
}

/** Parses argv; returns undefined after printing the usage for --help. */
export function parseOptions(argv: readonly string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      records: { type: 'string' },
      keys: { type: 'string' },
      'value-bytes': { type: 'string' },
      only: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'keep-topics': { type: 'boolean', default: false },
      'stall-timeout': { type: 'string' },
      rate: { type: 'string' },
      'latency-seconds': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return undefined;
  }
  const only = values.only === undefined ? [...SCENARIO_IDS] : values.only.split(',').map((s) => s.trim());
  for (const id of only) {
    if (!(SCENARIO_IDS as readonly string[]).includes(id)) throw new Error(`--only: unknown scenario '${id}'; known: ${SCENARIO_IDS.join(', ')}`);
  }
  return {
    records: positiveInt('records', values.records, 1_000_000),
    keys: positiveInt('keys', values.keys, 10_000, 100_000),
    valueBytes: positiveInt('value-bytes', values['value-bytes'], 100, 1_000_000),
    only: SCENARIO_IDS.filter((id) => only.includes(id)),
    cpuProfDir: values['cpu-prof'],
    keepTopics: values['keep-topics'],
    stallTimeoutMs: positiveInt('stall-timeout', values['stall-timeout'], 120) * 1000,
    rate: positiveInt('rate', values.rate, 2_000, 1_000_000),
    latencyDurationMs: integer('latency-seconds', values['latency-seconds'], 10, 0, 3_600) * 1000,
  };
}
