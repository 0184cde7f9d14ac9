/**
 * What the fault tests share: the app's topics, input fed in chunks while faults happen, waiting
 * for the group to consume everything, the read_committed verdict on the outputs, and a failure
 * report with each child's output and the broker's log.
 *
 * The helpers of support/kafka.ts read the broker from KAFKA_BROKERS: a test file that runs a
 * private broker points KAFKA_BROKERS at it in its beforeAll (vitest runs each file in its own
 * worker process, so other files keep the shared broker).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, onTestFailed } from 'vitest';
import { changelogTopic } from '../../src/index.js';
import { inputRecords, verifyCopies, verifyCounts, writtenInput, type CopiesReport, type CountsReport, type CrashInput } from '../crash/verifier.js';
import { killAllChildren, startCrashApp, type CrashAppArgs, type CrashAppChild } from '../support/child-app.js';
import { groupLag } from '../support/group-offsets.js';
import { brokers, readAll, testKafka, uniqueName, withAdmin } from '../support/kafka.js';
import { startPrivateBroker, type PrivateBroker } from '../support/private-broker.js';
import { createTopicsAndWait } from '../support/topics.js';

export type Guarantee = 'at_least_once' | 'exactly_once';

const JAVA_READER = fileURLToPath(new URL('../support/java/ReadCommitted.java', import.meta.url));

/** Reads a topic with the Java consumer under read_committed and says how many duplicates it sees. */
function javaVerdict(topic: string, input: CrashInput): string {
  const libs = join(process.env['RIVULET_KAFKA_CACHE'] ?? join(homedir(), '.cache', 'rivulet', 'kafka'), process.env['KAFKA_VERSION'] ?? '4.4.0', 'libs');
  const run = spawnSync('java', ['-cp', `${libs}/*`, JAVA_READER, brokers().join(','), topic], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) return `; the Java read_committed reader failed: ${run.stderr.slice(-500)}`;
  const decode = (s: string | undefined): string | null => (s === undefined || s === '-' ? null : Buffer.from(s, 'base64').toString('utf8'));
  const records = run.stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split(' '))
    .map(([, , key, value]) => ({ key: decode(key), value: decode(value) }));
  const report = verifyCopies(records, input);
  return `; the Java read_committed reader sees ${records.length} records, ${report.duplicated} duplicated, ${report.missing} missing`;
}

/** The apps the test in progress created: cleaned up after it by {@link privateBrokerForFile}'s hook. */
const created: FaultApp[] = [];

/**
 * Starts a broker of this test file's own before its tests (a fault test must not stop the suite's
 * shared broker) and points KAFKA_BROKERS at it: support/kafka.ts (topics, readers, admin) and the
 * children then use it. After each test the apps it created are cleaned up, and a broker a failed
 * test left down is restarted for the next; after the file the broker is stopped and its data removed.
 *
 * @returns The broker, once started.
 */
export function privateBrokerForFile(): () => PrivateBroker {
  let broker: PrivateBroker | undefined;
  beforeAll(async () => {
    broker = await startPrivateBroker();
    process.env['KAFKA_BROKERS'] = broker.bootstrap;
  }, 120_000);
  afterEach(async () => {
    for (const app of created.splice(0)) await app.cleanUp();
    if (broker !== undefined && broker.pid === undefined) await broker.restart();
  }, 120_000);
  afterAll(async () => {
    await broker?.close();
  });
  return () => {
    if (broker === undefined) throw new Error('the private broker is not started yet');
    return broker;
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One app of a fault test: its id, its topics, its children and their state folders. */
export class FaultApp {
  readonly children: CrashAppChild[] = [];
  private readonly generation = new Map<string, number>();

  private constructor(
    readonly applicationId: string,
    readonly input: string,
    readonly copies: string,
    readonly counts: string,
    readonly guarantee: Guarantee,
    readonly stateRoot: string,
    private readonly defaults: Partial<CrashAppArgs>,
  ) {}

  /**
   * Creates the input, copies, counts and changelog topics (unique names) on the broker of
   * KAFKA_BROKERS. The changelog is created here as in the crash tests: StreamsApp.start() would,
   * but with kafkajs's createTopics({ waitForLeaders: true }), which a busy broker can fail.
   */
  static async create(prefix: string, guarantee: Guarantee, partitions: number, defaults: Partial<CrashAppArgs> = {}): Promise<FaultApp> {
    const applicationId = uniqueName(`${prefix}-${guarantee === 'exactly_once' ? 'eos' : 'alos'}`);
    const input = uniqueName(`${prefix}-in`);
    const copies = uniqueName(`${prefix}-copies`);
    const counts = uniqueName(`${prefix}-counts`);
    await createTopicsAndWait([input, copies, counts], partitions);
    await createTopicsAndWait([changelogTopic(applicationId, 'counts')], partitions, { 'cleanup.policy': 'compact' });
    const app = new FaultApp(applicationId, input, copies, counts, guarantee, `/tmp/rivulet-faults/${applicationId}`, defaults);
    created.push(app);
    return app;
  }

  /** Starts an instance `name` (its own state folder, kept across restarts) in a child process. */
  launch(name: string, args: Partial<CrashAppArgs> = {}): CrashAppChild {
    const n = (this.generation.get(name) ?? 0) + 1;
    this.generation.set(name, n);
    const child = startCrashApp(`${name}#${n}`, {
      brokers: brokers(),
      applicationId: this.applicationId,
      input: this.input,
      copies: this.copies,
      counts: this.counts,
      guarantee: this.guarantee,
      stateDir: `${this.stateRoot}/${name}`,
      // Member ids start with the client id: the instances sort in the order of their names.
      clientId: `${this.applicationId}-${name}`,
      logLevel: 'warn',
      metricsIntervalMs: 500,
      ...this.defaults,
      ...args,
    });
    this.children.push(child);
    return child;
  }

  /** How many input records the group has not committed yet. */
  lag(): Promise<number> {
    return withAdmin((admin) => groupLag(admin, this.applicationId, this.input));
  }

  /**
   * Waits until the group has committed every input offset, checking that no instance of `alive`
   * exited on its own meanwhile. Admin requests may fail while the broker is coming back: retried.
   */
  async consumed(what: string, timeoutMs: number, alive: readonly CrashAppChild[] = []): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown = 'never read';
    for (;;) {
      checkNoUnexpectedExit(alive);
      try {
        last = await this.lag();
        if (last === 0) return;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`${what}: the input was not consumed within ${timeoutMs} ms (lag: ${String(last)})`);
      await sleep(500);
    }
  }

  /** The read_committed outputs against the input. */
  async verify(input: CrashInput): Promise<{ copies: CopiesReport; counts: CountsReport }> {
    const [copied, counted, fed] = await Promise.all([
      readAll(this.copies, { timeoutMs: 60_000 }),
      readAll(this.counts, { timeoutMs: 60_000 }),
      readAll(this.input, { timeoutMs: 60_000 }),
    ]);
    // The app is judged on the input it was given: the feeder may have written a batch twice.
    const given = writtenInput(fed, input);
    if (given.duplicated > 0) console.log(`the input topic ${this.input} holds ${given.duplicated} records twice (written twice by the feeder): they are expected twice`);
    return {
      copies: verifyCopies(copied, input, given.written),
      counts: verifyCounts(
        counted.map((r) => ({ key: r.key, count: r.valueBytes!.readBigInt64BE() })),
        input,
        given.counts,
      ),
    };
  }

  /**
   * Asserts what the guarantee promises: no loss, and no count update lost (each key's last count
   * at least its number of input records: a stale store would count too low); under exactly_once
   * no duplicate and counts 1..n per key.
   */
  expectGuaranteeHeld(report: { copies: CopiesReport; counts: CountsReport }, input?: CrashInput): void {
    const { copies, counts } = report;
    expect(copies.problems, 'copies that no correct run could produce').toEqual([]);
    expect(copies.missing, `lost input records, e.g. ${copies.examples.missing.join(', ')}`).toBe(0);
    expect(counts.lostUpdates, `lost count updates: ${counts.lostUpdateExamples.join('; ')}`).toBe(0);
    if (this.guarantee === 'exactly_once') {
      // A duplicate seen by kafkajs's read_committed reader: the Java consumer, the reference, says
      // whether a read_committed reader really sees it (a written duplicate) or kafkajs let an
      // aborted record through (a reader's fault).
      const java = copies.duplicated > 0 && input !== undefined ? javaVerdict(this.copies, input) : '';
      expect(copies.duplicated, `duplicated input records, e.g. ${copies.examples.duplicated.join(', ')}${java}`).toBe(0);
      expect(copies.keysOutOfOrder).toBe(0);
      expect(counts.problems, 'counts per key must run 1..n').toEqual([]);
    }
  }

  /** Kills every child still running and removes the state folders. */
  async cleanUp(): Promise<void> {
    await killAllChildren();
    rmSync(this.stateRoot, { recursive: true, force: true });
  }
}

/**
 * Throws if an instance exited without being asked to, or reached ERROR (an app in ERROR processes
 * nothing more; the message says whether its process still runs: one that outlives its app).
 */
export function checkNoUnexpectedExit(instances: readonly CrashAppChild[]): void {
  for (const i of instances) {
    if (!i.alive && !i.expectedExit) throw new Error(`${i.label} exited by itself (${JSON.stringify(i.exit)}); its last output:\n${i.tail(60)}`);
    if (i.states.includes('ERROR')) {
      const fatal = i.events.find((e) => e.event === 'log' && e.level === 'error' && /fatal/i.test(e.message ?? ''))?.message;
      const process = i.alive ? 'its process is still running' : `its process exited ${JSON.stringify(i.exit)}`;
      throw new Error(`${i.label} reached ERROR (${fatal ?? 'no fatal-error line'}); ${process}; its last output:\n${i.tail(60)}`);
    }
  }
}

/**
 * Produces input records `from` (inclusive) to `to` (exclusive) in chunks, pausing `pauseMs`
 * between chunks: input that keeps arriving while the app runs. One idempotent producer, one
 * request at a time, so each key's records are in their partition in sequence order.
 */
export async function feed(topic: string, input: CrashInput, from: number, to: number, { chunk = 200, pauseMs = 100 } = {}): Promise<void> {
  const producer = testKafka('rivulet-fault-feeder').producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = from; i < to; i += chunk) {
      await producer.send({ topic, acks: -1, messages: inputRecords(input, i, Math.min(i + chunk, to)) });
      if (pauseMs > 0) await sleep(pauseMs);
    }
  } finally {
    await producer.disconnect();
  }
}

/** Waits until the child's last reported state is `state`. */
export function waitForState(child: CrashAppChild, state: string, timeoutMs: number): Promise<unknown> {
  return child.waitForEvent(() => child.lastState === state, timeoutMs, `state ${state} (states so far: ${child.states.join(' -> ')})`);
}

/** A task found fenced by a newer owner, or closed as migrated (the runtime's wording changes). */
export const FENCED = /fenced|was migrated/i;

/** Info lines, warnings and errors an instance logged that match `pattern`. */
export function logLines(child: CrashAppChild, pattern: RegExp): string[] {
  return child.events.filter((e) => e.event === 'log' && pattern.test(e.message ?? '')).map((e) => e.message ?? '');
}

/** The instance's records-processed counter as of its last metrics event. */
export function recordsProcessed(child: CrashAppChild): number {
  return child.events.filter((e) => e.event === 'metrics').at(-1)?.recordsProcessed ?? 0;
}

/** On failure, prints each child's last lines and the broker's log tail. */
export function reportOnFailure(children: () => readonly CrashAppChild[], broker?: () => PrivateBroker | undefined): void {
  onTestFailed(() => {
    for (const c of children()) console.log(`--- ${c.label} (pid ${c.pid}, states ${c.states.join(' -> ')}) ---\n${c.tail(60)}`);
    const b = broker?.();
    if (b !== undefined) {
      console.log(`--- broker ${b.bootstrap} ---\n${b.logTail(30)}`);
      const skipped = skippedMarkerLines(b.settings.logFile);
      if (skipped.length > 0) {
        console.log(
          `--- the broker skipped transaction markers (a hanging transaction left by Kafka after its unclean restart, not by the app: docs/failures.md, "A hanging transaction") ---\n${skipped.join('\n')}`,
        );
      }
    }
  });
}

/** Lines where the broker's transaction coordinator took partitions without a leader for deleted ones and skipped their markers. */
function skippedMarkerLines(logFile: string): string[] {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => l.includes('likely deleted already and hence can be skipped'));
}

/** A short summary of one instance for the figures a test prints. */
export function summary(child: CrashAppChild): Record<string, unknown> {
  return {
    states: child.states.join('>'),
    outputLines: child.output.length,
    errorLogs: child.events.filter((e) => e.event === 'log' && e.level === 'error').length,
    warnLogs: child.events.filter((e) => e.event === 'log' && e.level === 'warn').length,
    fenced: logLines(child, FENCED).length,
    rebalances: child.events.filter((e) => e.event === 'rebalance').length,
    recordsProcessed: recordsProcessed(child),
    exit: child.exit,
  };
}
