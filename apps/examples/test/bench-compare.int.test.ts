/**
 * The comparison bench's short mode (`npm run bench -- --compare --short`), as CI runs it: every
 * pipeline in Rivulet and in Kafka Streams (the Java app built on demand) against the suite's
 * broker, 3,000 records per run. cpu-heavy is among them, so the TypeScript and Java digests are
 * held equal to each other and to the checker's on every CI run. It must run end to end, exit 0, and write a report in which both
 * frameworks' outputs were checked against the input and found equal to each other, with positive
 * figures. Speed is not asserted (the bench prints it; the lead records full-size figures).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KafkaTestHarness } from '@rivulet/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompareReport } from '../src/bench/compare-report.js';
import { PIPELINES } from '../src/bench/compare-options.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bench-compare-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bench with `args`; resolves with its exit code and output. Kills it (its own pid only) after `timeoutMs`. */
function runBench(args: readonly string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_BROKERS: new KafkaTestHarness().brokers.join(',') };
  delete env['NODE_OPTIONS'];
  const child = spawn(process.execPath, ['--conditions=@rivulet/source', '--import', 'tsx', 'apps/examples/src/bench/run.ts', ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run bench -- --compare --short', () => {
  // 14 runs, each starting a process (a JVM for half of them): about 2.5 minutes on the 2-core machine.
  it('runs every pipeline in both frameworks and checks their outputs equal', { timeout: 330_000 }, async () => {
    const reportPath = join(dir, 'report.json');
    const { code, output } = await runBench(['--compare', '--short', '--report', reportPath, '--baseline', join(dir, 'no-baseline.json')], 300_000);
    expect(code, output.slice(-3000)).toBe(0);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as CompareReport;
    expect(report.failed).toBe(false);
    expect(report.input.records).toBe(3_000);

    // Every pipeline at at_least_once, and the pass-through and the join at exactly_once too.
    expect(report.cases.map((c) => `${c.case.pipeline}/${c.case.guarantee}`).sort()).toEqual(
      [...PIPELINES.map((p) => `${p}/at_least_once`), 'pass-through/exactly_once', 'stream-table-join/exactly_once'].sort(),
    );
    for (const c of report.cases) {
      const what = `${c.case.pipeline} ${c.case.guarantee}`;
      expect(c.outputsAgree, what).toBe(true);
      for (const run of [c.rivulet, c.kstreams]) {
        expect(run.status, `${what} ${run.framework}: ${run.error ?? ''}`).toBe('ok');
        expect(run.check?.ok, `${what} ${run.framework}`).toBe(true);
        expect(run.check!.records, `${what} ${run.framework}`).toBe(run.check!.expectedRecords);
        for (const figure of [run.recordsPerSec, run.cpuUsPerRecord, run.peakRssMb, run.durationMs]) {
          expect(figure, `${what} ${run.framework}`).toBeGreaterThan(0);
        }
      }
      expect(c.rivulet.check!.fingerprint).toBe(c.kstreams.check!.fingerprint);
    }
    // The filter drops about half; the others write one output per input.
    const filter = report.cases.find((c) => c.case.pipeline === 'filter-map')!;
    expect(filter.rivulet.check!.records).toBeGreaterThan(0);
    expect(filter.rivulet.check!.records).toBeLessThan(3_000);
    expect(report.cases.find((c) => c.case.pipeline === 'count')!.kstreams.check!.records).toBe(3_000);
    // The join's table was loaded by a warm-up app of the same application (until its offsets on the
    // table topic were committed) in both frameworks and both guarantees, before the clock.
    for (const c of report.cases.filter((c) => c.case.pipeline === 'stream-table-join')) {
      for (const run of [c.rivulet, c.kstreams]) expect(run.details?.['tableLoadMs'], `${c.case.guarantee} ${run.framework}`).toBeGreaterThan(0);
    }

    // Ratios Rivulet / Kafka Streams for every case, and the table printed with them.
    for (const c of report.cases) {
      const name = `${c.case.pipeline} ${c.case.guarantee === 'exactly_once' ? 'eos' : 'alos'} t1`;
      for (const kind of ['throughput', 'cpu']) expect(report.ratios.find((r) => r.name === `${name} ${kind}`)?.value, `${name} ${kind}`).toBeGreaterThan(0);
    }
    expect(output).toContain('Ratios Rivulet / Kafka Streams');
    expect(output).toContain('target pass-through at_least_once >= 0.8x Kafka Streams');
    expect(output).toContain(`baseline: none at ${join(dir, 'no-baseline.json')}`);
  });

  // 8 runs (the pass-through at both guarantees, two rounds): about a minute.
  it('--repeat 2: every case twice, round after round; the median round in the tables and every round printed', { timeout: 200_000 }, async () => {
    const reportPath = join(dir, 'rounds.json');
    const { code, output } = await runBench(
      ['--compare', '--short', '--pipelines', 'pass-through', '--repeat', '2', '--report', reportPath, '--baseline', join(dir, 'no-baseline.json')],
      180_000,
    );
    expect(code, output.slice(-3000)).toBe(0);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as CompareReport;
    expect(report.failed).toBe(false);
    expect(report.cases.map((c) => c.case.guarantee)).toEqual(['at_least_once', 'exactly_once']);
    for (const c of report.cases) {
      expect(c.outputsAgree, c.case.guarantee).toBe(true);
      const series = { rivulet: c.rounds?.rivulet, kstreams: c.rounds?.kstreams, 'rivulet cpu': c.rounds?.cpu?.rivulet, 'kstreams cpu': c.rounds?.cpu?.kstreams };
      for (const [name, values] of Object.entries(series)) {
        expect(values, `${c.case.guarantee} ${name}`).toHaveLength(2);
        for (const value of values!) expect(value, `${c.case.guarantee} ${name}`).toBeGreaterThan(0);
      }
      // The median of two is the slower round.
      expect(c.rivulet.recordsPerSec).toBe(Math.min(...(c.rounds!.rivulet as number[])));
      expect(c.kstreams.recordsPerSec).toBe(Math.min(...(c.rounds!.kstreams as number[])));
    }
    // Each ratio is the median of the rounds' ratios (of two, the lower), not the ratio of the median runs.
    const [alosCase, eosCase] = report.cases;
    const eosOverAlos = eosCase!.rounds!.rivulet.map((v, i) => v! / alosCase!.rounds!.rivulet[i]!);
    expect(report.ratios.find((r) => r.name === 'pass-through t1 rivulet eos/alos')!.value).toBeCloseTo(Math.min(...eosOverAlos), 9);
    const rivuletOverKs = alosCase!.rounds!.rivulet.map((v, i) => v! / alosCase!.rounds!.kstreams[i]!);
    expect(report.ratios.find((r) => r.name === 'pass-through alos t1 throughput')!.value).toBeCloseTo(Math.min(...rivuletOverKs), 9);
    expect(output).toContain('[compare] round 2 of 2');
    expect(output).toMatch(/pass-through t1 rivulet eos\/alos by round: \d+\.\d\dx, \d+\.\d\dx/);
  });
});
