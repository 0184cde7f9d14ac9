import { MessageChannel, Worker } from 'node:worker_threads';
import type { LogLevel } from '../../config/logger.js';
import type { RebalanceEvent } from '../streams-app.js';
import { StreamsError } from '../../errors/streams-error.js';
import { SyncQueryClient } from './sync-query.js';
import { deserializeError, toStreamsError, type ThreadEvent, type ThreadStart } from './thread-protocol.js';
import type { QueryTarget } from './thread-queries.js';
import type { ThreadPhase } from './thread-states.js';
import { workerEntryUrl, workerLaunch } from './worker-launch.js';

/** How long a thread that reported it closed may take to end before it is terminated. */
const EXIT_GRACE_MS = 5_000;

/** What a thread tells its supervisor. */
export interface ThreadListener {
  /** Its phase changed (or anything the app's state depends on). */
  changed(): void;
  /** An error for the app's errors$. */
  error(error: StreamsError): void;
  /** It failed: a fatal error, a failed start (`starting`), or a worker that died. Once per worker. */
  failed(error: Error, starting: boolean): void;
  /** The thread completed a rebalance. */
  rebalanced(event: RebalanceEvent): void;
  /** A log line of the thread. */
  log(level: LogLevel, message: string, fields: Record<string, unknown> | undefined): void;
}

/** What a thread's worker is started with, but its query channel. */
export type ThreadSpec = Omit<ThreadStart, 'queries' | 'signal' | 'tsxCjs'>;

/**
 * One stream thread as the supervisor holds it: a worker running one `StreamsApp`, restarted in
 * place (same number) when it is replaced. Events of a worker that was replaced are ignored.
 */
export class StreamThreadHandle implements QueryTarget {
  /** Where the thread is; `DEAD` once its worker ended. */
  phase: ThreadPhase = 'STARTING';
  /** Its app is built and waits for {@link StreamThreadHandle.go}. */
  built = false;
  /** It was told to go. */
  released = false;
  /** Its app reached RUNNING once (start() resolved). */
  started = false;
  /** Its failure, if it failed. */
  failure: Error | undefined;
  /** Its app reported it closed. */
  closed = false;
  /** It failed and a new worker takes its place once the old one has ended. */
  replacing = false;
  /** Resolves when its current worker has ended. */
  exited: Promise<void> = Promise.resolve();
  private worker: Worker | undefined;
  private queries: SyncQueryClient | undefined;

  constructor(
    /** The thread's number, 1 to numStreamThreads. */
    readonly index: number,
    /** `<clientId>-StreamThread-<index>`. */
    readonly name: string,
    private readonly spec: () => ThreadSpec,
    private readonly listener: ThreadListener,
    private readonly queryTimeoutMs: number,
  ) {}

  /** Whether it can answer queries now. */
  get queryable(): boolean {
    return this.queries !== undefined && this.phase !== 'STARTING' && this.phase !== 'DEAD' && this.failure === undefined && !this.replacing;
  }

  /** Whether it is running (not failed, not closed, not ended). */
  get alive(): boolean {
    return this.phase !== 'DEAD' && this.failure === undefined && !this.closed;
  }

  ask(question: Parameters<QueryTarget['ask']>[0]): unknown {
    if (this.queries === undefined) throw new Error(`stream thread ${this.name} is not running`);
    return this.queries.ask(question, this.queryTimeoutMs);
  }

  /** Starts its worker (again, when replacing it). */
  start(): void {
    const spec = this.spec();
    const { port1, port2 } = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    Object.assign(this, { phase: 'STARTING', built: false, released: false, started: false, failure: undefined, closed: false, replacing: false });
    let launch;
    try {
      launch = workerLaunch(workerEntryUrl(import.meta.url), spec.moduleUrl, import.meta.url);
    } catch (err) {
      this.phase = 'DEAD';
      this.fail(err instanceof Error ? err : new Error(String(err)), true);
      return;
    }
    const workerData: ThreadStart = { ...spec, queries: port2, signal, tsxCjs: launch.tsxCjs };
    const worker = new Worker(launch.bootstrap, { eval: true, workerData, transferList: [port2], execArgv: launch.execArgv, name: this.name });
    this.worker = worker;
    this.queries = new SyncQueryClient(this.name, port1, signal);
    this.exited = new Promise<void>((resolve) => {
      worker.on('exit', (code) => {
        this.onExit(worker, code);
        resolve();
      });
    });
    worker.on('message', (event: ThreadEvent) => this.onEvent(worker, event));
    worker.on('error', (err) => {
      if (this.worker !== worker) return;
      // An exception the thread's app did not catch: the worker is gone.
      const error = new StreamsError(`stream thread ${this.name} failed: ${err.message}`, { category: 'fatal', action: 'fatal', cause: err });
      this.listener.error(error);
      this.fail(error, !this.started);
    });
  }

  /** Lets its built app join the group and process. */
  go(): void {
    this.worker?.postMessage({ type: 'start' });
  }

  /**
   * Asks its app to close (commit, close its tasks, leave the group) and waits for the worker to
   * end; terminates it after `deadlineMs`.
   */
  async close(deadlineMs: number, onDeadline: () => void): Promise<void> {
    const worker = this.worker;
    if (worker === undefined || this.phase === 'DEAD') return;
    worker.postMessage({ type: 'close' });
    const deadline = setTimeout(() => {
      onDeadline();
      void worker.terminate();
    }, deadlineMs);
    await this.exited;
    clearTimeout(deadline);
  }

  private fail(error: Error, starting: boolean): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    this.listener.failed(error, starting);
  }

  private onEvent(worker: Worker, event: ThreadEvent): void {
    if (this.worker !== worker) return;
    switch (event.type) {
      case 'state':
        this.phase = event.state;
        break;
      case 'error':
        this.listener.error(toStreamsError(deserializeError(event.error)));
        break;
      case 'fatal':
        this.fail(deserializeError(event.error), false);
        break;
      case 'built':
        this.built = true;
        break;
      case 'started':
        this.started = true;
        break;
      case 'start-failed':
        // Already on errors$ (the thread's app, or its worker, reported it).
        this.fail(deserializeError(event.error), true);
        break;
      case 'closed':
        this.closed = true;
        this.phase = event.state;
        // Its app is closed; the worker ends by itself unless something keeps it alive.
        setTimeout(() => void worker.terminate(), EXIT_GRACE_MS).unref();
        break;
      case 'rebalance':
        this.listener.rebalanced(event.event);
        break;
      case 'log':
        this.listener.log(event.level, event.message, event.fields);
        break;
    }
    this.listener.changed();
  }

  private onExit(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.queries?.close();
    this.queries = undefined;
    const unexpected = !this.closed && this.failure === undefined;
    this.phase = 'DEAD';
    if (unexpected) {
      const error = new StreamsError(`stream thread ${this.name} ended unexpectedly (exit code ${code})`, { category: 'fatal', action: 'fatal' });
      this.listener.error(error);
      this.fail(error, !this.started);
    }
    this.listener.changed();
  }
}
