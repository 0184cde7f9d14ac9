/**
 * The parent's handle on one scenario's child process (scenario-child.ts): forks it, keeps what it
 * reports, and ends it in two steps, first the measurement (the child freezes its CPU and RSS
 * figures and keeps running, so the latency phase can feed the same warm app), then the process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMeasurement, ChildMessage, ParentMessage, ScenarioSpec } from './protocol.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A running scenario child and what it has reported so far. */
export class ScenarioProcess {
  /** When the child took its first input record (epoch ms), once it has. */
  firstAt: number | undefined;
  /** Records the child's workload has taken, as of its last progress message. */
  consumed = 0;
  rssBytes = 0;
  /** When `consumed` last changed (epoch ms): the stall check reads it. */
  lastChangeAt = Date.now();
  private failure: Error | undefined;
  private measurement: ChildMeasurement | undefined;
  private details: Record<string, number> | undefined;
  private exited = false;

  private constructor(
    readonly child: ChildProcess,
    private readonly id: string,
  ) {
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'first-record') this.firstAt = message.at;
      else if (message.type === 'progress') {
        if (message.consumed !== this.consumed) this.lastChangeAt = Date.now();
        this.consumed = message.consumed;
        this.rssBytes = message.rssBytes;
      } else if (message.type === 'measured') this.measurement = message;
      else if (message.type === 'done') this.details = message.details;
      else if (message.type === 'failed') this.failure ??= new Error(`scenario ${id} failed in its process: ${message.message}`);
    });
    child.on('exit', (code, signal) => {
      this.exited = true;
      if (this.details === undefined) this.failure ??= new Error(`scenario ${id}'s process exited (${signal ?? code}) before it finished`);
    });
  }

  /**
   * Forks scenario-child.ts for `spec`, with the parent's own execArgv (--conditions, --import tsx)
   * plus `extraExecArgv` (a CPU profile, say).
   */
  static start(spec: ScenarioSpec, extraExecArgv: readonly string[] = []): ScenarioProcess {
    const childPath = fileURLToPath(new URL('./scenario-child.ts', import.meta.url));
    const execArgv = [...process.execArgv, ...extraExecArgv];
    const child = fork(childPath, [JSON.stringify(spec)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new ScenarioProcess(child, spec.id);
  }

  /** Throws the child's failure (a failed message, or an exit before it finished), if any. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Ends the throughput measurement and returns the child's CPU and peak RSS figures; the child keeps running. */
  async endMeasurement(timeoutMs: number): Promise<ChildMeasurement> {
    this.send({ type: 'end-measurement' });
    await this.until(() => this.measurement !== undefined, timeoutMs, 'report its measurement');
    return this.measurement!;
  }

  /** Stops the child cleanly (commit, leave the group) and returns its workload's counters. */
  async stop(timeoutMs: number): Promise<Record<string, number>> {
    this.send({ type: 'stop' });
    await this.until(() => this.exited, timeoutMs, 'close');
    this.check();
    return this.details!;
  }

  /** Kills the child if it still runs. */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  private send(message: ParentMessage): void {
    this.check();
    this.child.send(message);
  }

  private async until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      this.check();
      if (Date.now() > deadline) throw new Error(`scenario ${this.id} did not ${what} within ${timeoutMs / 1000} s`);
      await sleep(50);
    }
  }
}
