/**
 * pipe() on the real broker (issue 12, item 5: "pipe() that cannot lose records"):
 *
 * - an operator that holds records (bufferCount) or state derived from them (scan) stops the app
 *   with the error that names it, at the first record where the state shows, and no offset past a
 *   record whose output was held is committed; the output topic holds only what each record
 *   produces alone;
 * - a stateless pipe (filter, mergeMap, map) in a child process killed with SIGKILL mid-stream,
 *   after a commit, and restarted, loses nothing: every input record's outputs are in the output
 *   topic (at_least_once may repeat some; exactly_once, read_committed, none, in order per key).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ProcessingError, StreamsApp, type ProcessingGuarantee, type StreamRecord } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { bufferCount, lastValueFrom, map, scan, type OperatorFunction } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { brokers, createTopics, eventually, produce, readAll, uniqueName } from './support/broker.js';
import { KafkaTestHarness } from '../src/index.js';

const str = serdes.string();
const harness = () => new KafkaTestHarness(brokers());
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const apps: StreamsApp[] = [];
const children: ChildProcess[] = [];
const stateDirs: string[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  // Only the children this file started, by their pid.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  for (const dir of stateDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type Rec = StreamRecord<string, string>;

interface HeldCase {
  readonly name: string;
  readonly ops: () => OperatorFunction<Rec, Rec>[];
  /** The offset of the first record whose output the operators hold or derive from earlier records. */
  readonly failsAt: number;
  /** What the records before it wrote (what each produces alone). */
  readonly before: readonly string[];
  readonly says: RegExp;
}

const HELD: readonly HeldCase[] = [
  {
    name: 'bufferCount(2)',
    // Two records in one: the first is held until the second comes.
    ops: () => [bufferCount(2) as unknown as OperatorFunction<Rec, Rec[]>, map((pair: Rec[]) => pair[0]!.withValue(pair.map((r) => r.value).join('+')))] as never,
    failsAt: 0,
    before: [],
    says: /emitted 0 records, but 1 record given this record alone; 1 record of those only when their input completed/,
  },
  {
    name: 'scan (a running concatenation)',
    ops: () => [scan((acc: Rec, r: Rec) => r.withValue(`${acc.value}+${r.value}`))],
    failsAt: 1,
    before: ['v0'],
    says: /emitted 1 record, as many as given this record alone, but with other contents/,
  },
];

describe.each(['at_least_once', 'exactly_once'] as const)('a pipe that keeps state, on the broker (%s)', (guarantee: ProcessingGuarantee) => {
  it.each(HELD)('$name stops the app at its first held record and commits nothing past it', async ({ ops, failsAt, before, says }) => {
    const input = uniqueName('rx-held-in');
    const output = uniqueName('rx-held-out');
    const applicationId = uniqueName('rx-held-app');
    await createTopics([
      { topic: input, partitions: 1 },
      { topic: output, partitions: 1 },
    ]);
    // One produce before the start: the records come in one fetched batch, so no commit falls
    // between them by chance; what is committed is what the failure commits.
    await produce(
      input,
      Array.from({ length: 20 }, (_, i) => ({ key: 'k', value: `v${i}` })),
    );
    const builder = new StreamsBuilder({ warn: () => undefined });
    (builder.source(input, { key: str, value: str }) as unknown as { pipe(...o: unknown[]): { sink(t: string, o: object): void } })
      .pipe(...ops())
      .sink(output, { key: str, value: str });
    const stateDir = `/tmp/rivulet-test-state/${applicationId}`;
    stateDirs.push(stateDir);
    const app = new StreamsApp(builder.build(), {
      applicationId,
      brokers: brokers(),
      processingGuarantee: guarantee,
      // Whatever the handler: the state check is fatal.
      processingExceptionHandler: 'log-and-continue',
      logLevel: 'error',
      stateDir,
    });
    apps.push(app);
    const errors: Error[] = [];
    app.errors$.subscribe((e) => errors.push(e));
    const ended = lastValueFrom(app.state$);
    await app.start();
    // Bounded: an app that does not see the state runs on (it would hold records and commit past them).
    expect(await Promise.race([ended, sleep(20_000).then(() => `still ${app.state} after 20 s`)])).toBe('ERROR');

    expect(errors[0]).toBeInstanceOf(ProcessingError);
    expect(errors[0]).toMatchObject({ stage: 'processing', topic: input, partition: 0, offset: String(failsAt) });
    expect(errors[0]!.message).toMatch(/the RxJS operators of 'KSTREAM-RX-PIPE-\d+' keep state across records/);
    expect(errors[0]!.message).toMatch(says);
    expect(errors[0]!.message).toMatch(/groupByKey\(\) then aggregate, reduce or count/);

    // No commit past the failed record: a restart begins at it (or earlier) and loses nothing.
    const committed = (await harness().committedOffsets(applicationId, input)).get(0) ?? '-1';
    expect(BigInt(committed)).toBeLessThanOrEqual(BigInt(failsAt));
    const written = (await readAll(output)).map((r) => r.value);
    if (guarantee === 'at_least_once') {
      // The records before the failed one were done: committed, with their outputs.
      expect(committed).toBe(failsAt === 0 ? '-1' : String(failsAt));
      expect(written).toEqual(before);
    } else {
      // exactly_once aborts the open transaction: neither those outputs nor their offsets.
      expect(committed).toBe('-1');
      expect(written).toEqual([]);
    }
  });
});

/** The child app (test/support/rx-pipe-app.ts), followed through the JSON lines it prints. */
class PipeAppChild {
  readonly process: ChildProcess;
  readonly states: string[] = [];
  readonly errors: string[] = [];
  readonly output: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: Record<string, string>) {
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    this.process = spawn(
      process.execPath,
      ['--conditions=@rivulet/source', '--import', 'tsx', APP, ...Object.entries(args).map(([k, v]) => `--${k}=${v}`)],
      { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(this.process);
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      this.output.push(line);
      if (!line.startsWith('{')) return;
      const event = JSON.parse(line) as { event: string; state?: string; message?: string };
      if (event.event === 'state') this.states.push(event.state!);
      if (event.event === 'error') this.errors.push(event.message!);
    });
    createInterface({ input: this.process.stderr! }).on('line', (line) => this.output.push(`! ${line}`));
    this.exited = new Promise((resolve) => this.process.once('close', (code, signal) => resolve({ code, signal })));
  }

  /** SIGKILL, by the pid of the process this test started. */
  async kill(): Promise<void> {
    process.kill(this.process.pid!, 'SIGKILL');
    await this.exited;
  }
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const APP = fileURLToPath(new URL('./support/rx-pipe-app.ts', import.meta.url));

const TOTAL = 12_000;
const UP_FRONT = 2_000;
const CHUNK = 500;
const valueOf = (i: number) => (i % 7 === 3 ? `v${i}-skip` : `v${i}`);
const keyOf = (i: number) => `k${i % 40}`;
const inputs = (from: number, to: number) => Array.from({ length: to - from }, (_, j) => ({ key: keyOf(from + j), value: valueOf(from + j) }));

const sum = (offsets: Map<number, string>) => [...offsets.values()].reduce((n, o) => n + (BigInt(o) > 0n ? BigInt(o) : 0n), 0n);

describe.each(['at_least_once', 'exactly_once'] as const)('a stateless pipe killed mid-stream (%s)', (guarantee) => {
  it('loses no record: every input record has its outputs after the restart', async () => {
    const input = uniqueName('rx-crash-in');
    const output = uniqueName('rx-crash-out');
    const applicationId = uniqueName('rx-crash-app');
    await createTopics([
      { topic: input, partitions: 2 },
      { topic: output, partitions: 2 },
    ]);
    const stateDir = `/tmp/rivulet-test-state/${applicationId}`;
    stateDirs.push(stateDir);
    const args = { brokers: brokers().join(','), 'application-id': applicationId, input, output, guarantee, 'state-dir': stateDir, 'commit-interval-ms': '300' };

    await produce(input, inputs(0, UP_FRONT));
    const first = new PipeAppChild(args);
    await eventually(() => (first.states.includes('RUNNING') ? true : undefined), 'the app to run', 45_000);
    // The rest arrives while the app runs, so the kill lands in the middle of the stream.
    let produced = UP_FRONT;
    const feeding = (async () => {
      for (; produced < TOTAL; produced += CHUNK) {
        await produce(input, inputs(produced, produced + CHUNK));
        await sleep(150);
      }
    })();

    // Killed once a commit covered part of the input, not all of it.
    const committedAtKill = await eventually(async () => {
      const n = sum(await harness().committedOffsets(applicationId, input));
      return n > 0n ? n : undefined;
    }, `a first commit of ${applicationId}`, 45_000);
    await first.kill();
    const producedAtKill = produced;
    expect(first.errors, first.output.join('\n')).toEqual([]);
    // Mid-stream: input was still to come, and part of what came was not committed.
    expect(producedAtKill).toBeLessThan(TOTAL);
    expect(committedAtKill).toBeLessThan(BigInt(TOTAL));

    const second = new PipeAppChild(args);
    await feeding;
    await eventually(async () => {
      const committed = await harness().committedOffsets(applicationId, input);
      const ends = await harness().endOffsets(input);
      return [...ends].every(([p, end]) => committed.get(p) === end) ? true : undefined;
    }, 'the restarted app to commit the whole input', 50_000);
    process.kill(second.process.pid!, 'SIGTERM');
    expect(await second.exited, second.output.join('\n')).toEqual({ code: 0, signal: null });
    expect(second.errors).toEqual([]);

    const written = await readAll(output);
    const expected = new Map<string, string[]>();
    for (let i = 0; i < TOTAL; i++) {
      if (valueOf(i).endsWith('-skip')) continue;
      const perKey = expected.get(keyOf(i)) ?? [];
      perKey.push(`V${i}:A`, `V${i}:B`);
      expected.set(keyOf(i), perKey);
    }
    const expectedValues = [...expected.values()].flat();
    const counts = new Map<string, number>();
    for (const r of written) counts.set(r.value!, (counts.get(r.value!) ?? 0) + 1);
    const missing = expectedValues.filter((v) => !counts.has(v));
    const unexpected = [...counts.keys()].filter((v) => !expectedValues.includes(v));
    expect({ missing: missing.slice(0, 10), missingCount: missing.length, unexpected: unexpected.slice(0, 10) }).toEqual({
      missing: [],
      missingCount: 0,
      unexpected: [],
    });
    const duplicates = written.length - counts.size;
    if (guarantee === 'exactly_once') {
      expect(duplicates).toBe(0);
      // And in input order per key (one key, one partition).
      for (const [key, values] of expected) expect(written.filter((r) => r.key === key).map((r) => r.value)).toEqual(values);
    }
    // What the run was: the kill came after a commit and before the end of the input.
    console.log(
      `${guarantee}: killed after ${committedAtKill} of ${TOTAL} input records were committed (${producedAtKill} produced), ` +
        `${written.length} outputs for ${expectedValues.length} expected, ${duplicates} duplicates`,
    );
  });
});
