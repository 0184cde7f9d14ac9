/**
 * The parent's side of one scenario: fresh topics, the input, a child process running the loop,
 * and the clock. The clock starts at the child's first consumed record and stops at the first poll
 * (every 200 ms, every 20 ms once the child has consumed all N) that sees the outputs complete:
 * - the raw loop and at_least_once: the output topic's end offsets add up to N (acks all, so every
 *   output is acknowledged);
 * - exactly_once: the app's committed offsets reach the input's end offsets (the offsets commit in
 *   the same transaction as the outputs; the output's end offsets also count transaction markers).
 * Then, unless disabled, the latency phase (latency-phase.ts) feeds the same running child at a
 * fixed rate, and the child is stopped.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { committedOffsets, committedReached, createTopics, endOffsets, produceInput, produceRecords, uniqueTopic, type InputShape } from './input.js';
import { JOIN_TABLE_STORE, tableRecords } from './join-topology.js';
import { measureLatency, type LatencySettings } from './latency-phase.js';
import type { ScenarioId } from './options.js';
import type { ProgressLine } from './progress-line.js';
import { nowMs, type BenchGuarantee, type ChildMeasurement, type ScenarioKind, type ScenarioSpec } from './protocol.js';
import type { ScenarioResult } from './report.js';
import { ScenarioProcess } from './scenario-process.js';
import { COUNT_STORE } from './topologies.js';
import { WINDOWED_COUNT_STORE } from './windowed-count-topology.js';

/** What each scenario id runs. */
export const SCENARIOS: Record<ScenarioId, { label: string; kind: ScenarioKind; guarantee: BenchGuarantee | undefined }> = {
  raw: { label: 'raw kafkajs loop', kind: 'raw', guarantee: undefined },
  alos: { label: 'Rivulet pass-through', kind: 'pass-through', guarantee: 'at_least_once' },
  eos: { label: 'Rivulet pass-through', kind: 'pass-through', guarantee: 'exactly_once' },
  count: { label: 'Rivulet per-key count', kind: 'count', guarantee: 'at_least_once' },
  windowed: { label: 'Rivulet windowed count', kind: 'windowed-count', guarantee: 'at_least_once' },
  join: { label: 'Rivulet stream-table join', kind: 'stream-table-join', guarantee: 'at_least_once' },
};

/** The internal topics a scenario's app creates, deleted with its own topics. */
function internalTopics(kind: ScenarioKind, groupId: string): string[] {
  if (kind === 'count') return [`${groupId}-${COUNT_STORE}-changelog`];
  if (kind === 'windowed-count') return [`${groupId}-${WINDOWED_COUNT_STORE}-changelog`];
  if (kind === 'stream-table-join') return [`${groupId}-${JOIN_TABLE_STORE}-changelog`];
  return [];
}

const POLL_MS = 200;
const FAST_POLL_MS = 20;
const CLOSE_TIMEOUT_MS = 60_000;

/** What every scenario of one run shares. */
export interface RunContext {
  readonly kafka: Kafka;
  readonly brokers: readonly string[];
  readonly shape: InputShape;
  readonly totalBytes: number;
  readonly progress: ProgressLine;
  readonly cpuProfDir: string | undefined;
  readonly keepTopics: boolean;
  readonly stallTimeoutMs: number;
  /** The latency phase's rate and duration; undefined skips it. */
  readonly latency: LatencySettings | undefined;
  /** The child running now, for the parent's SIGINT handler. */
  current: ChildProcess | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const int = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Runs one scenario on fresh topics and a fresh group, and returns its figures. The topics and the
 * group are deleted afterwards unless `keepTopics`.
 */
export async function runScenario(id: ScenarioId, ctx: RunContext): Promise<ScenarioResult> {
  const { label, kind, guarantee } = SCENARIOS[id];
  const { shape, progress } = ctx;
  // An admin client per scenario: kafkajs keeps refreshing metadata of every topic an admin has
  // looked at, and fails once an earlier scenario's topics are deleted.
  const admin = ctx.kafka.admin();
  await admin.connect();
  const name = `${label}${guarantee ? ` (${guarantee})` : ''}`;
  const input = uniqueTopic(`bench-${id}-in`);
  const output = uniqueTopic(`bench-${id}-out`);
  const groupId = uniqueTopic(`bench-${id}`);
  const table = kind === 'stream-table-join' ? { topic: uniqueTopic(`bench-${id}-table`), records: tableRecords(shape).length } : undefined;
  const spec: ScenarioSpec = {
    id,
    label,
    kind,
    guarantee,
    brokers: ctx.brokers,
    input,
    output,
    groupId,
    records: shape.records,
    stateDir: join(tmpdir(), 'rivulet-bench', groupId),
    table,
  };
  const own = [input, output, ...(table === undefined ? [] : [table.topic])];
  const topics = [...own, ...internalTopics(kind, groupId)];
  try {
    await createTopics(admin, own);
    if (table !== undefined) {
      // Same partition count and partitioner as the input: co-partitioned, as the join requires.
      await produceRecords(ctx.kafka, table.topic, tableRecords(shape));
      progress.done(`[bench] ${id}: produced the table, ${int(table.records)} keys`);
    }
    const producedAt = Date.now();
    await produceInput(ctx.kafka, input, shape, (done) => progress.update(`[bench] ${id}: producing input ${int(done)}/${int(shape.records)}`));
    const inputEnds = await endOffsets(admin, input);
    if (inputEnds.total !== BigInt(shape.records)) throw new Error(`input topic holds ${inputEnds.total} records, expected ${shape.records}`);
    progress.done(`[bench] ${id}: produced ${int(shape.records)} input records in ${((Date.now() - producedAt) / 1000).toFixed(1)} s`);

    const proc = ScenarioProcess.start(spec, profileArgs(spec, ctx));
    ctx.current = proc.child;
    const measured = await measureThroughput(spec, ctx, admin, inputEnds.byPartition, proc);
    const latency =
      ctx.latency === undefined
        ? undefined
        : await measureLatency(ctx.kafka, { id, input, output, groupId, firstSeq: shape.records, shape }, ctx.latency, progress, () => proc.check());
    const details = await proc.stop(CLOSE_TIMEOUT_MS);
    const seconds = measured.durationMs / 1000;
    const after = await endOffsets(admin, output);
    // After the latency phase too, if it ran: the committed offsets must reach the input's final end.
    const committedToEnd = await committedReached(admin, groupId, input, (await endOffsets(admin, input)).byPartition);
    const result: ScenarioResult = {
      id,
      label,
      guarantee,
      records: shape.records,
      durationMs: measured.durationMs,
      recordsPerSec: shape.records / seconds,
      mbPerSec: ctx.totalBytes / 1e6 / seconds,
      peakRssMb: measured.peakRssBytes / 1024 / 1024,
      cpuUsPerRecord: measured.cpuUs / shape.records,
      cpuUtilization: measured.cpuUs / 1000 / measured.cpuWindowMs,
      completion: guarantee === 'exactly_once' ? 'committed offsets reached the input end offsets' : `output end offsets reached ${shape.records}`,
      consumed: measured.consumed,
      outputOffsets: Number(after.total),
      committedToEnd,
      latency,
      details,
      topics: { input, output },
    };
    progress.done(
      `[bench] ${id}: ${name}: ${int(result.recordsPerSec)} records/s, ${result.mbPerSec.toFixed(2)} MB/s, ` +
        `peak RSS ${int(result.peakRssMb)} MB, ${seconds.toFixed(2)} s, ${result.cpuUsPerRecord.toFixed(1)} CPU µs/record` +
        (result.consumed > shape.records ? `, ${int(result.consumed - shape.records)} records processed again` : ''),
    );
    if (latency !== undefined) {
      const { summary: s } = latency;
      progress.done(
        `[bench] ${id}: latency at ${int(latency.ratePerSec)} records/s: ` +
          (s === undefined ? 'no samples' : `p50 ${int(s.p50Ms)} ms, p99 ${int(s.p99Ms)} ms, max ${int(s.maxMs)} ms over ${int(s.count)} records`) +
          (latency.missing > 0 ? `, ${int(latency.missing)} outputs MISSING` : ''),
      );
    }
    return result;
  } finally {
    if (ctx.current !== undefined && ctx.current.exitCode === null) ctx.current.kill('SIGKILL');
    ctx.current = undefined;
    rmSync(spec.stateDir, { recursive: true, force: true });
    if (!ctx.keepTopics) {
      await admin.deleteGroups([groupId, `${groupId}-latency-probe`]).catch(() => undefined);
      await admin.deleteTopics({ topics }).catch(() => undefined);
    }
    await admin.disconnect();
  }
}

/** --cpu-prof: a V8 CPU profile of the child, named after the scenario. */
function profileArgs(spec: ScenarioSpec, ctx: RunContext): string[] {
  if (ctx.cpuProfDir === undefined) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfDir}`, `--cpu-prof-name=${spec.id}-${Date.now()}.cpuprofile`];
}

type Measured = ChildMeasurement & { durationMs: number };

/** The throughput phase's clock: from the child's first record to the first poll that sees the outputs complete. */
async function measureThroughput(
  spec: ScenarioSpec,
  ctx: RunContext,
  admin: Admin,
  inputEnds: ReadonlyMap<number, bigint>,
  proc: ScenarioProcess,
): Promise<Measured> {
  const { progress } = ctx;
  let pollError: unknown;
  const complete = async (): Promise<boolean> => {
    try {
      return spec.guarantee === 'exactly_once'
        ? await committedReached(admin, spec.groupId, spec.input, inputEnds)
        : (await endOffsets(admin, spec.output)).total >= BigInt(spec.records);
    } catch (err) {
      // A busy broker may time a request out: not complete yet, ask again at the next poll.
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
        `scenario ${spec.id} made no progress for ${ctx.stallTimeoutMs / 1000} s with ${proc.consumed} records consumed; ` +
          `committed/end offsets of the input ${where}; output end offsets total ${output.total}` +
          (pollError instanceof Error ? `; last poll error: ${pollError.message}` : ''),
      );
    }
    const firstAt = proc.firstAt;
    if (firstAt === undefined) {
      progress.update(`[bench] ${spec.id}: waiting for the first record (joining the group)`);
      continue;
    }
    const checkedAt = nowMs();
    if (await complete()) {
      const measurement = await proc.endMeasurement(CLOSE_TIMEOUT_MS);
      return { ...measurement, durationMs: checkedAt - firstAt };
    }
    const elapsed = (nowMs() - firstAt) / 1000;
    progress.update(
      `[bench] ${spec.id}: ${int(proc.consumed)}/${int(spec.records)} consumed, ${int(proc.consumed / Math.max(elapsed, 0.001))} records/s, ` +
        `RSS ${int(proc.rssBytes / 1024 / 1024)} MB, ${elapsed.toFixed(1)} s`,
    );
  }
}
