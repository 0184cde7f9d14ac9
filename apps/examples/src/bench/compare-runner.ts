/**
 * One run of the comparison bench: one case (pipeline, guarantee, stream threads) in one framework,
 * on fresh topics holding the same input, in its own process (scenario-child.ts for Rivulet,
 * kstreams/KStreamsBench.java for Kafka Streams). Both are measured alike, from this process:
 * - the clock runs from the process's first processed record to the first poll that finds the
 *   outputs complete (at_least_once: the output's end offsets reach the expected count; exactly_once:
 *   the committed offsets reach the input's end offsets), as scenario-runner.ts does;
 * - CPU is utime + stime of /proc/<pid>/stat (every thread) between the first record and completion;
 * - peak RSS is VmHWM of /proc/<pid>/status at completion;
 * then the output is read back (read_committed) and checked (output-check.ts), and, unless
 * disabled, the latency phase (latency-phase.ts) feeds the same running process at a fixed rate.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import type { CompareCase } from './compare-options.js';
import type { Framework, RunFigures } from './compare-report.js';
import { filterMapKeeps } from './filter-map-topology.js';
import { committedOffsets, committedReached, createTopics, endOffsets, produceInput, produceRecords, uniqueTopic, type InputShape } from './input.js';
import { JOIN_TABLE_STORE, tableRecords } from './join-topology.js';
import { KStreamsProcess } from './kstreams-process.js';
import { measureLatency, type LatencySettings } from './latency-phase.js';
import { OutputChecker, expectedOutputCount } from './output-check.js';
import { processCpuUs, processMemory } from './proc-stats.js';
import type { ProgressLine } from './progress-line.js';
import { nowMs, type ScenarioSpec } from './protocol.js';
import { readOutput } from './read-output.js';
import { ScenarioProcess } from './scenario-process.js';
import { COUNT_STORE } from './topologies.js';
import { WINDOWED_COUNT_STORE } from './windowed-count-topology.js';

const POLL_MS = 200;
const FAST_POLL_MS = 20;
const CLOSE_TIMEOUT_MS = 60_000;

/** What every run of one comparison shares. */
export interface CompareContext {
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  readonly shape: InputShape;
  /** Input record i's timestamp: the same for both frameworks, so that their windowed counts agree. */
  readonly timestampOf: (i: number) => number;
  readonly progress: ProgressLine;
  readonly keepTopics: boolean;
  readonly stallTimeoutMs: number;
  /** The latency phase, if any: undefined after the first round of several (`--repeat`). */
  latency: LatencySettings | undefined;
  /** The JVM's class path, from buildKStreamsBench(). */
  readonly kstreamsClassPath: string;
  /** The process running now, for the SIGINT handler. */
  current: { kill(): void } | undefined;
}

/** A running scenario process of either framework, as the runner drives it. */
interface RunningProcess {
  readonly pid: number;
  readonly firstAt: number | undefined;
  readonly consumed: number;
  readonly lastChangeAt: number;
  onFirstRecord(listener: () => void): void;
  check(): void;
  endMeasurement(timeoutMs: number): Promise<unknown>;
  stop(timeoutMs: number): Promise<Record<string, number>>;
  kill(): void;
}

function startRivulet(spec: ScenarioSpec): RunningProcess {
  const proc = ScenarioProcess.start(spec);
  const listeners: (() => void)[] = [];
  proc.child.on('message', (message: { type?: string }) => {
    if (message.type === 'first-record') for (const listener of listeners.splice(0)) listener();
  });
  return {
    pid: proc.child.pid!,
    get firstAt() {
      return proc.firstAt;
    },
    get consumed() {
      return proc.consumed;
    },
    get lastChangeAt() {
      return proc.lastChangeAt;
    },
    onFirstRecord: (listener) => (proc.firstAt !== undefined ? listener() : listeners.push(listener)),
    check: () => proc.check(),
    endMeasurement: (timeoutMs) => proc.endMeasurement(timeoutMs),
    stop: (timeoutMs) => proc.stop(timeoutMs),
    kill: () => proc.kill(),
  };
}

function startKafkaStreams(classPath: string, spec: ScenarioSpec, threads: number): RunningProcess {
  const proc = KStreamsProcess.start(classPath, spec, threads);
  return Object.assign(proc, { pid: proc.child.pid! });
}

/** The changelog topics each pipeline's app creates (same names in both frameworks), deleted with the run's topics. */
function changelogs(c: CompareCase, appId: string): string[] {
  if (c.pipeline === 'count') return [`${appId}-${COUNT_STORE}-changelog`];
  if (c.pipeline === 'windowed-count') return [`${appId}-${WINDOWED_COUNT_STORE}-changelog`];
  if (c.pipeline === 'stream-table-join') return [`${appId}-${JOIN_TABLE_STORE}-changelog`];
  return [];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** The label of a run in progress lines: `count alos t1 kafka-streams`. */
export function runLabel(c: CompareCase, framework: Framework): string {
  return `${c.pipeline} ${c.guarantee === 'exactly_once' ? 'eos' : 'alos'} t${c.threads} ${framework}`;
}

/** Runs `c` in `framework`; a failure is returned as a FAILED run, never thrown. */
export async function runFramework(framework: Framework, c: CompareCase, ctx: CompareContext): Promise<RunFigures> {
  const label = runLabel(c, framework);
  const base = { framework, pipeline: c.pipeline, guarantee: c.guarantee, threads: c.threads, records: ctx.shape.records };
  const admin = ctx.kafka.admin();
  await admin.connect();
  const short = `${c.pipeline}-${c.guarantee === 'exactly_once' ? 'eos' : 'alos'}-t${c.threads}-${framework === 'rivulet' ? 'rv' : 'ks'}`;
  const appId = uniqueTopic(`cmp-${short}`);
  const table = c.pipeline === 'stream-table-join' ? { topic: uniqueTopic(`cmp-${short}-table`), records: tableRecords(ctx.shape).length } : undefined;
  const spec: ScenarioSpec = {
    id: short,
    label,
    kind: c.pipeline,
    guarantee: c.guarantee,
    brokers: ctx.brokers,
    input: uniqueTopic(`cmp-${short}-in`),
    output: uniqueTopic(`cmp-${short}-out`),
    groupId: appId,
    records: ctx.shape.records,
    stateDir: join(tmpdir(), 'rivulet-bench', appId),
    table,
    ...(framework === 'rivulet' && c.threads > 1 ? { numStreamThreads: c.threads } : {}),
  };
  const own = [spec.input, spec.output, ...(table === undefined ? [] : [table.topic])];
  let proc: RunningProcess | undefined;
  try {
    await createTopics(admin, own);
    if (table !== undefined) await produceRecords(ctx.kafka, table.topic, tableRecords(ctx.shape, ctx.timestampOf(0) - 1));
    await produceInput(ctx.kafka, spec.input, ctx.shape, (done) => ctx.progress.update(`[compare] ${label}: producing input ${int(done)}/${int(ctx.shape.records)}`), ctx.timestampOf);
    const inputOffsets = await endOffsets(admin, spec.input);
    if (inputOffsets.total !== BigInt(ctx.shape.records)) throw new Error(`the input topic holds ${inputOffsets.total} records, expected ${ctx.shape.records}`);
    const inputEnds = inputOffsets.byPartition;
    const expected = expectedOutputCount(c.pipeline, ctx.shape);

    proc = framework === 'rivulet' ? startRivulet(spec) : startKafkaStreams(ctx.kstreamsClassPath, spec, c.threads);
    ctx.current = proc;
    let cpuAtFirst = 0;
    const running = proc;
    proc.onFirstRecord(() => {
      cpuAtFirst = processCpuUs(running.pid);
    });
    const measured = await untilComplete(spec, ctx, admin, inputEnds, expected, proc, label);
    const cpuUs = processCpuUs(proc.pid) - cpuAtFirst;
    const { peakRssBytes } = processMemory(proc.pid);
    await proc.endMeasurement(CLOSE_TIMEOUT_MS);
    const seconds = measured.durationMs / 1000;
    ctx.progress.done(
      `[compare] ${label}: ${int(ctx.shape.records / seconds)} records/s, ${(cpuUs / ctx.shape.records).toFixed(1)} CPU µs/record, ` +
        `peak RSS ${int(peakRssBytes / 1024 / 1024)} MB, ${seconds.toFixed(2)} s`,
    );

    const checker = OutputChecker.for(c.pipeline, ctx.shape, ctx.timestampOf);
    await readOutput(ctx.kafka, spec.output, expected, checker, {
      idleTimeoutMs: Math.min(ctx.stallTimeoutMs, 30_000),
      onProgress: (read) => ctx.progress.update(`[compare] ${label}: checking the output, ${int(read)}/${int(expected)} read`),
    });
    const check = checker.result();
    ctx.progress.done(`[compare] ${label}: output ${check.ok ? 'checked, as expected' : `WRONG: ${check.problems.join('; ')}`} (${int(check.records)} records)`);

    const latency =
      ctx.latency === undefined
        ? undefined
        : await measureLatency(
            ctx.kafka,
            {
              id: label,
              input: spec.input,
              output: spec.output,
              groupId: appId,
              firstSeq: ctx.shape.records,
              shape: ctx.shape,
              ...(c.pipeline === 'filter-map' ? { keeps: filterMapKeeps(ctx.shape) } : {}),
            },
            ctx.latency,
            ctx.progress,
            () => running.check(),
          );
    if (latency?.summary !== undefined) ctx.progress.done(`[compare] ${label}: latency p50 ${latency.summary.p50Ms} ms, p99 ${latency.summary.p99Ms} ms`);
    const details = await proc.stop(CLOSE_TIMEOUT_MS);
    return {
      ...base,
      status: check.ok ? 'ok' : 'FAILED',
      ...(check.ok ? {} : { error: `wrong output: ${check.problems.join('; ')} (process: ${JSON.stringify(details)})` }),
      durationMs: measured.durationMs,
      recordsPerSec: ctx.shape.records / seconds,
      cpuUsPerRecord: cpuUs / ctx.shape.records,
      cpuUtilization: cpuUs / 1000 / measured.durationMs,
      peakRssMb: peakRssBytes / 1024 / 1024,
      p99Ms: latency?.summary?.p99Ms,
      latency,
      check,
      details,
    };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    ctx.progress.note(`[compare] ${label}: FAILED: ${err instanceof Error ? (err.stack ?? error) : error}`);
    return { ...base, status: 'FAILED', error };
  } finally {
    proc?.kill();
    ctx.current = undefined;
    rmSync(spec.stateDir, { recursive: true, force: true });
    if (!ctx.keepTopics) {
      await admin.deleteGroups([appId, `${appId}-latency-probe`]).catch(() => undefined);
      await admin.deleteTopics({ topics: [...own, ...changelogs(c, appId)] }).catch(() => undefined);
    }
    await admin.disconnect();
  }
}

/** Waits for the outputs to be complete (see the file's comment); returns the clock's reading. */
async function untilComplete(
  spec: ScenarioSpec,
  ctx: CompareContext,
  admin: Admin,
  inputEnds: ReadonlyMap<number, bigint>,
  expected: number,
  proc: RunningProcess,
  label: string,
): Promise<{ durationMs: number }> {
  let pollError: unknown;
  const complete = async (): Promise<boolean> => {
    try {
      return spec.guarantee === 'exactly_once'
        ? await committedReached(admin, spec.groupId, spec.input, inputEnds)
        : (await endOffsets(admin, spec.output)).total >= BigInt(expected);
    } catch (err) {
      pollError = err;
      return false;
    }
  };
  for (;;) {
    await sleep(proc.consumed >= spec.records ? FAST_POLL_MS : POLL_MS);
    proc.check();
    if (Date.now() - proc.lastChangeAt > ctx.stallTimeoutMs) {
      const committed = await committedOffsets(admin, spec.groupId, spec.input);
      const output = await endOffsets(admin, spec.output);
      const where = [...inputEnds].map(([p, end]) => `${p}: ${committed.get(p) ?? -1n}/${end}`).join(', ');
      throw new Error(
        `no progress for ${ctx.stallTimeoutMs / 1000} s with ${proc.consumed} records processed; committed/end offsets of the input ${where}; ` +
          `output end offsets total ${output.total} of ${expected} expected` +
          (pollError instanceof Error ? `; last poll error: ${pollError.message}` : ''),
      );
    }
    const firstAt = proc.firstAt;
    if (firstAt === undefined) {
      ctx.progress.update(`[compare] ${label}: waiting for the first record (starting, joining the group)`);
      continue;
    }
    const checkedAt = nowMs();
    if (await complete()) return { durationMs: checkedAt - firstAt };
    const elapsed = (nowMs() - firstAt) / 1000;
    ctx.progress.update(`[compare] ${label}: ${int(proc.consumed)}/${int(spec.records)} processed, ${int(proc.consumed / Math.max(elapsed, 0.001))} records/s, ${elapsed.toFixed(1)} s`);
  }
}
