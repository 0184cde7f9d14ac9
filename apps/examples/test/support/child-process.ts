/**
 * Examples in child processes, run as a user runs them: `node --conditions=@rivulet/source
 * --import tsx <file>` from the repository root. Follows what the child prints, waits for a line,
 * kills it (SIGKILL: the crash) or lets it exit. Every child started here is tracked, so a test's
 * afterEach can kill whatever is left with {@link killAllChildren}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ExampleChild>();

/** A script of this repository running in a child process. */
export class ExampleChild {
  readonly process: ChildProcess;
  /** Every line printed, stdout and stderr (marked `!`), in order. */
  readonly lines: string[] = [];
  readonly exited: Promise<ChildExit>;
  exit: ChildExit | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly label: string,
    /** The script, relative to the repository root. */
    script: string,
    env: Record<string, string> = {},
  ) {
    const childEnv = { ...process.env, ...env };
    delete childEnv['NODE_OPTIONS'];
    this.process = spawn(process.execPath, ['--conditions=@rivulet/source', '--import', 'tsx', script], {
      cwd: REPO_ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this);
    const onLine = (prefix: string) => (line: string) => {
      this.lines.push(`${prefix}${line}`);
      for (const wake of this.waiters) wake();
    };
    createInterface({ input: this.process.stdout! }).on('line', onLine(''));
    createInterface({ input: this.process.stderr! }).on('line', onLine('! '));
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': every line the child printed has been read by then.
      this.process.once('close', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        for (const wake of this.waiters) wake();
        resolve(this.exit);
      });
    });
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Waits until a printed line matches `pattern` (among all printed so far); fails if the child exits first. */
  async waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((l) => pattern.test(l));
      if (found !== undefined) return found;
      if (!this.alive) throw new Error(`${this.label} exited (${JSON.stringify(this.exit)}) before printing ${pattern}:\n${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.label}: nothing matched ${pattern} within ${timeoutMs} ms:\n${this.tail()}`);
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

  /** Waits for the child to exit by itself; kills it after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<ChildExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const exit = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (exit !== undefined) return exit;
    await this.kill();
    throw new Error(`${this.label} did not exit within ${timeoutMs} ms:\n${this.tail()}`);
  }

  /** SIGKILL: the crash. Resolves once the process is gone. */
  async kill(): Promise<ChildExit> {
    if (this.alive) this.process.kill('SIGKILL');
    return this.exited;
  }

  /** Sends a signal (SIGINT: Ctrl-C) without waiting. */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.process.kill(signal);
  }

  /** The last `count` lines printed, for failure messages. */
  tail(count = 30): string {
    return this.lines.slice(-count).join('\n');
  }
}

/** Starts `script` (relative to the repository root) in a child process. */
export function startExample(label: string, script: string, env: Record<string, string> = {}): ExampleChild {
  return new ExampleChild(label, script, env);
}

/** Kills every child still running. */
export async function killAllChildren(): Promise<void> {
  const children = [...live];
  for (const child of children) child.process.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
}

// A test worker that dies must not leave children behind.
process.once('exit', () => {
  for (const child of live) child.process.kill('SIGKILL');
});
