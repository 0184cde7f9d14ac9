/**
 * The Kafka Streams side of the comparison bench: builds kstreams/KStreamsBench.java on demand
 * (javac, once per version of the source, against the jars of scripts/kstreams-jars.mjs) and runs one
 * scenario in its own JVM, speaking the program's line protocol (see the Java file): `first`,
 * `progress`, `measured`, `done`, `failed` on its stdout; `end` and `stop` on its stdin.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fetchKafkaStreamsJars, kafkaStreamsHome } from '../../../../scripts/kstreams-jars.mjs';
import { CPU_HEAVY_ROUNDS } from './cpu-heavy-topology.js';
import type { ScenarioSpec } from './protocol.js';

const SOURCE = fileURLToPath(new URL('./kstreams/KStreamsBench.java', import.meta.url));
const MAIN_CLASS = 'KStreamsBench';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Fetches the jars if needed and compiles the program if this version of its source has not been
 * compiled yet; returns the JVM's class path (`<classes>:<libs>/*`). Throws with javac's output.
 */
export function buildKStreamsBench(): string {
  const libs = fetchKafkaStreamsJars();
  const hash = createHash('sha1').update(readFileSync(SOURCE)).digest('hex').slice(0, 12);
  const classes = join(kafkaStreamsHome(), 'bench-classes', hash);
  if (!existsSync(join(classes, `${MAIN_CLASS}.class`))) {
    // Into a fresh folder, renamed when complete: a concurrent or interrupted build never leaves half a folder.
    const building = `${classes}.${process.pid}.tmp`;
    rmSync(building, { recursive: true, force: true });
    mkdirSync(building, { recursive: true });
    const run = spawnSync('javac', ['-nowarn', '-cp', `${libs}/*`, '-d', building, SOURCE], { encoding: 'utf8' });
    if (run.error !== undefined) throw new Error(`javac (a JDK, 17 or later) is needed for the Kafka Streams side: ${run.error.message}`);
    if (run.status !== 0) throw new Error(`javac failed on ${SOURCE}: ${run.stderr}`);
    if (existsSync(classes)) rmSync(building, { recursive: true, force: true });
    else renameSync(building, classes);
  }
  return `${classes}:${libs}/*`;
}

/** The program's arguments for one scenario. */
export function kstreamsArgs(spec: ScenarioSpec, threads: number): string[] {
  const args = [
    `kind=${spec.kind}`,
    `guarantee=${spec.guarantee ?? 'at_least_once'}`,
    `threads=${threads}`,
    `brokers=${spec.brokers.join(',')}`,
    `input=${spec.input}`,
    `output=${spec.output}`,
    `appId=${spec.groupId}`,
    `stateDir=${spec.stateDir}`,
  ];
  if (spec.table !== undefined) args.push(`table=${spec.table.topic}`, `tableRecords=${spec.table.records}`);
  // One source of truth for the rounds: the Java app takes them from here.
  if (spec.kind === 'cpu-heavy') args.push(`rounds=${CPU_HEAVY_ROUNDS}`);
  return args;
}

/** One scenario's JVM and what it has said so far; the same surface as ScenarioProcess. */
export class KStreamsProcess {
  /** When the app processed its first input record (epoch ms), once it has. */
  firstAt: number | undefined;
  consumed = 0;
  lastChangeAt = Date.now();
  /** Lines the JVM printed that are not protocol (stderr, mostly), the last few: shown on a failure. */
  readonly stray: string[] = [];
  private failure: Error | undefined;
  private measured = false;
  private done: Record<string, number> | undefined;
  private exited = false;
  private readonly firstListeners: (() => void)[] = [];

  private constructor(
    readonly child: ChildProcess,
    private readonly id: string,
  ) {
    const keep = (line: string) => {
      this.stray.push(line);
      if (this.stray.length > 20) this.stray.shift();
    };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const space = line.indexOf(' ');
      const word = space < 0 ? line : line.slice(0, space);
      const rest = space < 0 ? '' : line.slice(space + 1);
      if (word === 'first') {
        this.firstAt = Number(rest);
        for (const listener of this.firstListeners) listener();
      } else if (word === 'progress') {
        const consumed = Number(rest);
        if (consumed !== this.consumed) this.lastChangeAt = Date.now();
        this.consumed = consumed;
      } else if (word === 'measured') {
        this.consumed = Number(rest);
        this.measured = true;
      } else if (word === 'done') {
        const [closed, tableLoadMs, processed, rebalances, restores, restored] = rest.split(' ').map(Number);
        this.done = {
          closedCleanly: closed ?? 0,
          processed: processed ?? 0,
          // State changes to REBALANCING, the first (joining the group) included.
          rebalances: rebalances ?? 0,
          // Stores restored from a changelog, and records restored: a task re-created (the join's table load included).
          restores: restores ?? 0,
          restoredRecords: restored ?? 0,
          ...(tableLoadMs !== undefined && tableLoadMs >= 0 ? { tableLoadMs } : {}),
        };
      } else if (word === 'failed') {
        this.failure ??= new Error(`Kafka Streams (${id}) failed: ${rest}`);
      } else keep(line);
    });
    createInterface({ input: child.stderr! }).on('line', keep);
    child.on('exit', (code, signal) => {
      this.exited = true;
      if (this.done === undefined) {
        this.failure ??= new Error(`Kafka Streams (${id}) exited (${signal ?? code}) before it finished; its last lines: ${this.stray.slice(-5).join(' | ')}`);
      }
    });
  }

  /** Starts the JVM on `classPath` (from {@link buildKStreamsBench}) for `spec`. */
  static start(classPath: string, spec: ScenarioSpec, threads: number): KStreamsProcess {
    // RIVULET_BENCH_JVM_OPTS: extra JVM options (a heap size, say), after the class path.
    const jvmOpts = (process.env['RIVULET_BENCH_JVM_OPTS'] ?? '').split(' ').filter((o) => o.length > 0);
    const child = spawn('java', ['-cp', classPath, ...jvmOpts, MAIN_CLASS, ...kstreamsArgs(spec, threads)], { stdio: ['pipe', 'pipe', 'pipe'] });
    return new KStreamsProcess(child, spec.id);
  }

  /** Calls `listener` once the first record is processed (at once if it already is). */
  onFirstRecord(listener: () => void): void {
    if (this.firstAt !== undefined) listener();
    else this.firstListeners.push(listener);
  }

  /** Throws the JVM's failure, if any. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** The throughput phase is over: the JVM reports the records it has processed and keeps running. */
  async endMeasurement(timeoutMs: number): Promise<void> {
    this.send('end');
    await this.until(() => this.measured, timeoutMs, 'report its measurement');
  }

  /** Closes Kafka Streams cleanly (commit, leave the group) and waits for the JVM to exit. */
  async stop(timeoutMs: number): Promise<Record<string, number>> {
    this.send('stop');
    await this.until(() => this.exited, timeoutMs, 'close');
    this.check();
    return this.done!;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private send(command: string): void {
    this.check();
    this.child.stdin!.write(`${command}\n`);
  }

  private async until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      this.check();
      if (Date.now() > deadline) throw new Error(`Kafka Streams (${this.id}) did not ${what} within ${timeoutMs / 1000} s`);
      await sleep(50);
    }
  }
}
