/**
 * Child processes for crash and zombie tests: runs test/crash/crash-app.ts under
 * `node --conditions=@rivulet/source --import tsx`, follows the JSON lines it prints, and kills,
 * stops or terminates it. Every child started here is tracked, so a test's afterEach can kill
 * whatever is left with {@link killAllChildren}, even after a failure. With `CRASH_LOG_DIR` set, each
 * child's whole output is written to `<CRASH_LOG_DIR>/<applicationId>-<label>.log` when it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CRASH_APP = fileURLToPath(new URL('../crash/crash-app.ts', import.meta.url));

/** The options crash-app.ts takes (see its header). */
export interface CrashAppArgs {
  brokers: readonly string[];
  applicationId: string;
  input: string;
  copies: string;
  counts: string;
  guarantee: 'at_most_once' | 'at_least_once' | 'exactly_once';
  /** Distinct per instance: two instances on one machine must not share task folders. */
  stateDir: string;
  store?: 'memory' | 'persistent';
  /** Member ids are `<clientId>-<uuid>`: the assignor breaks ties between members in their sorted order. */
  clientId?: string;
  commitIntervalMs?: number;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  maxBytesPerPartition?: number;
  shutdownTimeoutMs?: number;
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** StreamsConfig's `taskTimeoutMs` (issue 11): how long a task retries retriable errors before they are fatal. */
  taskTimeoutMs?: number;
  /** Print a `metrics` event (state, tasks, records processed) this often. */
  metricsIntervalMs?: number;
}

/** One JSON line a crash app printed. */
export interface AppEvent {
  event: 'state' | 'started' | 'running' | 'rebalance' | 'metrics' | 'error' | 'log' | 'option-unsupported' | 'closed';
  level?: 'info' | 'warn' | 'error';
  tasks?: string[];
  gained?: string[];
  lost?: string[];
  message?: string;
  state?: string;
  durationMs?: number;
  recordsProcessed?: number;
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<CrashAppChild>();

function toArgv(args: CrashAppArgs): string[] {
  const argv = [
    `--brokers=${args.brokers.join(',')}`,
    `--application-id=${args.applicationId}`,
    `--input=${args.input}`,
    `--copies=${args.copies}`,
    `--counts=${args.counts}`,
    `--guarantee=${args.guarantee}`,
    `--state-dir=${args.stateDir}`,
  ];
  const optional: [string, string | number | undefined][] = [
    ['store', args.store],
    ['client-id', args.clientId],
    ['commit-interval-ms', args.commitIntervalMs],
    ['session-timeout-ms', args.sessionTimeoutMs],
    ['heartbeat-interval-ms', args.heartbeatIntervalMs],
    ['rebalance-timeout-ms', args.rebalanceTimeoutMs],
    ['max-bytes-per-partition', args.maxBytesPerPartition],
    ['shutdown-timeout-ms', args.shutdownTimeoutMs],
    ['log-level', args.logLevel],
    ['task-timeout-ms', args.taskTimeoutMs],
    ['metrics-interval-ms', args.metricsIntervalMs],
  ];
  for (const [name, value] of optional) if (value !== undefined) argv.push(`--${name}=${value}`);
  return argv;
}

/** A crash app running in a child process. */
export class CrashAppChild {
  readonly process: ChildProcess;
  readonly events: AppEvent[] = [];
  /** Everything the child printed, stdout and stderr, for a failure report. */
  readonly output: string[] = [];
  readonly exited: Promise<ChildExit>;
  exit: ChildExit | undefined;
  /** Set by {@link kill} and {@link terminate}: the exit was asked for. */
  expectedExit = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly label: string,
    readonly args: CrashAppArgs,
  ) {
    const env = { ...process.env };
    delete env['NODE_OPTIONS'];
    this.process = spawn(process.execPath, ['--conditions=@rivulet/source', '--import', 'tsx', CRASH_APP, ...toArgv(args)], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    const started = Date.now();
    const stamp = () => `${label} +${((Date.now() - started) / 1000).toFixed(1)}s`;
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      this.output.push(`${stamp()} ${line}`);
      if (!line.startsWith('{')) return;
      try {
        this.events.push(JSON.parse(line) as AppEvent);
      } catch {
        return;
      }
      for (const wake of this.waiters) wake();
    });
    createInterface({ input: this.process.stderr! }).on('line', (line) => this.output.push(`${stamp()} ! ${line}`));
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': every line the child printed has been read by then.
      this.process.once('close', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        this.output.push(`${stamp()} exited code=${code} signal=${signal}`);
        const logDir = process.env['CRASH_LOG_DIR'];
        if (logDir) {
          mkdirSync(logDir, { recursive: true });
          writeFileSync(join(logDir, `${args.applicationId}-${label.replace(/[^\w.-]/g, '_')}.log`), `${this.output.join('\n')}\n`);
        }
        for (const wake of this.waiters) wake();
        resolve(this.exit);
      });
    });
  }

  get pid(): number {
    return this.process.pid!;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** How many times the app reached RUNNING. */
  get runningCount(): number {
    return this.events.filter((e) => e.event === 'running').length;
  }

  /** The states the app went through, in order (from its `state` events). */
  get states(): string[] {
    return this.events.filter((e) => e.event === 'state').map((e) => e.state ?? '?');
  }

  /** The app's state as of its last `state` event. */
  get lastState(): string | undefined {
    return this.states.at(-1);
  }

  /** Waits until the process has exited, at most `timeoutMs`; undefined if it is still running. */
  async waitForExit(timeoutMs: number): Promise<ChildExit | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const exit = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    return exit;
  }

  /** Waits until the app has printed an event matching `predicate` (among all it printed). */
  async waitForEvent(predicate: (e: AppEvent) => boolean, timeoutMs: number, what: string): Promise<AppEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found !== undefined) return found;
      if (!this.alive) throw new Error(`${this.label} exited (${JSON.stringify(this.exit)}) before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  /** Waits until the app is RUNNING (the `n`-th time, counting from 1). */
  waitForRunning(timeoutMs = 60_000, n = 1): Promise<AppEvent> {
    return this.waitForEvent(() => this.runningCount >= n, timeoutMs, `RUNNING #${n}`);
  }

  /** SIGKILL: the crash. Resolves once the process is gone. */
  async kill(): Promise<ChildExit> {
    this.expectedExit = true;
    if (this.alive) this.process.kill('SIGKILL');
    return this.exited;
  }

  /** SIGSTOP / SIGCONT: freezes the process (a zombie-to-be: no heartbeats, no writes) or resumes it. */
  stop(): void {
    this.process.kill('SIGSTOP');
  }

  resume(): void {
    this.process.kill('SIGCONT');
  }

  /**
   * SIGTERM: the graceful shutdown. Resolves with the exit and how long it took, or with
   * `timedOut` (the child is then still running: the caller kills it).
   */
  async terminate(timeoutMs: number): Promise<{ exit: ChildExit | undefined; durationMs: number; timedOut: boolean }> {
    this.expectedExit = true;
    const started = Date.now();
    if (this.alive) this.process.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const exit = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    return { exit, durationMs: Date.now() - started, timedOut: exit === undefined };
  }

  /**
   * The last `lines` lines the child printed. The half-second metrics events are left out but the
   * last one, or a stuck child's tail would show nothing else.
   */
  tail(lines = 40): string {
    const isMetrics = (line: string): boolean => line.includes('"event":"metrics"');
    const lastMetrics = this.output.findLast(isMetrics);
    const rest = this.output.filter((line) => !isMetrics(line)).slice(-lines);
    return [...rest, ...(lastMetrics === undefined ? [] : [`(last metrics) ${lastMetrics}`])].join('\n');
  }
}

/** Starts a crash app in a child process. */
export function startCrashApp(label: string, args: CrashAppArgs): CrashAppChild {
  return new CrashAppChild(label, args);
}

/** Kills every child still running (SIGCONT first, so a stopped one also dies at once). */
export async function killAllChildren(): Promise<void> {
  const children = [...live];
  for (const child of children) {
    child.expectedExit = true;
    child.process.kill('SIGCONT');
    child.process.kill('SIGKILL');
  }
  await Promise.all(children.map((c) => c.exited));
}

// A test worker that dies must not leave apps behind: kill them synchronously on the way out.
process.once('exit', () => {
  for (const child of live) child.process.kill('SIGKILL');
});
