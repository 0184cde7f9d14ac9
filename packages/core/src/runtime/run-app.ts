/**
 * The entry-point helper: runs one app as the whole life of a process. Rivulet never owns the
 * process: no other code of the library installs signal handlers or calls `process.exit`. This is
 * the one exception, and only because the user calls it from their `main`.
 */
import { ConfigError } from '../config/config-error.js';
import { createConsoleLogger, type Logger } from '../config/logger.js';
import { TopologyError } from '../errors/topology-error.js';
import type { StreamsApp } from './streams-app.js';

/**
 * The exit codes of {@link runApp}, for supervisors (systemd, Kubernetes) and scripts:
 * - `OK` (0): the app was closed cleanly and ended `NOT_RUNNING` (after SIGINT/SIGTERM, or closed by other code);
 * - `FATAL` (1): the app reached `ERROR` (its start failed or a fatal error stopped it), the close
 *   after a signal did not finish within the deadline, a second signal forced the exit, or the
 *   factory threw something other than a configuration error;
 * - `CONFIG` (2): bad configuration: a `ConfigError` (invalid options) or a `TopologyError` (an
 *   invalid topology, or topics that do not exist or do not fit it), from the factory or from `start()`.
 *   Restarting will not help: fix the configuration.
 *
 * @example
 * ```ts
 * const code = await runApp(app, { onExit: () => undefined });
 * if (code === EXIT_CODES.CONFIG) console.error('fix the configuration');
 * ```
 */
export const EXIT_CODES = {
  /** A clean shutdown: the app closed and reached NOT_RUNNING. */
  OK: 0,
  /** A fatal error: the app reached ERROR, its start failed, or closing it missed its deadline. */
  FATAL: 1,
  /** Bad configuration: a ConfigError or TopologyError; restarting will not help. */
  CONFIG: 2,
} as const;

/** One of the {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** What {@link runApp} needs of an app: a {@link StreamsApp} fits. */
export type RunnableApp = Pick<StreamsApp, 'start' | 'close' | 'state' | 'state$' | 'errors$'>;

/** Options of {@link runApp}. */
export interface RunAppOptions {
  /**
   * How long closing may take once it was asked for (a signal) or once the app failed, before the
   * process exits with `FATAL` anyway. Default 30 000 ms.
   */
  readonly shutdownTimeoutMs?: number;
  /** Where runApp says what happens (signal received, fatal error, bad config). Default: the console at level `'info'`. */
  readonly logger?: Logger;
  /**
   * Called once with the exit code instead of `process.exit` (the default): for tests, or for an
   * entry point that closes more of its own (servers, clients) before it exits.
   */
  readonly onExit?: (code: ExitCode) => void;
}

/** States from which the app only goes on to ERROR (PENDING_ERROR comes with the new state machine). */
const FAILING_STATES: ReadonlySet<string> = new Set(['PENDING_ERROR', 'ERROR']);

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** The ConfigError or TopologyError that is this error or its cause (errors$ wraps errors in a StreamsError), if any. */
function configErrorIn(error: unknown): Error | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof ConfigError || e instanceof TopologyError || e.name === 'ConfigError' || e.name === 'TopologyError') return e;
  }
  return undefined;
}

function isConfigError(error: unknown): boolean {
  return configErrorIn(error) !== undefined;
}

/** An error of errors$ (a StreamsError) is told by its category. */
function categoryOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'category' in error ? error.category : undefined;
}

/**
 * An error in one line: the first line of its message, after its class name unless that says
 * nothing (`Error`, or errors$'s StreamsError, whose message already names the cause).
 */
function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const first = error.message.split('\n')[0] ?? '';
  return error.name === 'Error' || categoryOf(error) !== undefined ? first : `${error.name}: ${first}`;
}

/**
 * Runs an app as a process's entry point: builds it (when given a factory), starts it, closes it
 * on SIGINT or SIGTERM, and exits with one of the {@link EXIT_CODES}. It is the one place in
 * Rivulet allowed to install signal handlers and call `process.exit`; call it from your own
 * `main`, never from a library.
 *
 * - Bad configuration (a `ConfigError` or `TopologyError` thrown by the factory or by `start()`):
 *   says what is wrong on stderr, exits 2.
 * - The app reaches ERROR (its start fails, or a fatal error stops it): the app closes itself;
 *   runApp waits for that (at most `shutdownTimeoutMs`), prints the fatal error in one line and
 *   exits 1.
 * - SIGINT or SIGTERM: closes the app with a deadline of `shutdownTimeoutMs`; exits 0 if it ended
 *   NOT_RUNNING, 1 if it ended in ERROR or the deadline passed. A second signal while closing
 *   exits 1 at once. A signal while the factory runs closes the app as soon as it exists, without
 *   starting it.
 * - Other code closes the app (`app.close()`): exits 0 once it is NOT_RUNNING.
 *
 * Its signal listeners are removed before it exits. The returned promise resolves with the code
 * after `onExit` was called (with the default `onExit`, the process is gone by then).
 *
 * @param appOrFactory - An app not yet started, or a function that builds one (it may be async,
 *   for example to fetch configuration first): errors it throws are reported with their exit code.
 * @param options - The shutdown deadline, a logger and an exit hook for tests.
 * @returns The exit code, once `onExit` has been called with it.
 *
 * @example
 * ```ts
 * import { runApp, StreamsApp } from '@rivulet/core';
 *
 * runApp(() => new StreamsApp(topology, { applicationId: 'word-count', brokers: ['127.0.0.1:9092'] }), {
 *   shutdownTimeoutMs: 20_000,
 * });
 * ```
 */
export function runApp(appOrFactory: RunnableApp | (() => RunnableApp | Promise<RunnableApp>), options: RunAppOptions = {}): Promise<ExitCode> {
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;
  if (!(shutdownTimeoutMs > 0)) throw new RangeError(`runApp: shutdownTimeoutMs must be > 0, got ${shutdownTimeoutMs}`);
  const logger = options.logger ?? createConsoleLogger('info');
  const onExit = options.onExit ?? ((code: ExitCode) => process.exit(code));

  return new Promise<ExitCode>((resolve) => {
    let app: RunnableApp | undefined;
    let signalled = false;
    let startFailed = false;
    let finished = false;
    let deadline: NodeJS.Timeout | undefined;
    let lastError: unknown;
    let lastFatal: unknown;
    let fatal: unknown;
    const subscriptions: { unsubscribe(): void }[] = [];

    const finish = (code: ExitCode): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      for (const signal of SIGNALS) process.off(signal, onSignal);
      for (const s of subscriptions) s.unsubscribe();
      if (code === EXIT_CODES.CONFIG) logger.error(`bad configuration: ${configErrorIn(fatal)?.message ?? String(fatal)}`);
      else if (code === EXIT_CODES.FATAL && fatal !== undefined) logger.error(`fatal error: ${oneLine(fatal)}`);
      onExit(code);
      resolve(code);
    };

    // Started by a signal or a failure: whatever is still closing then, the process ends in time.
    const armDeadline = (why: string): void => {
      deadline ??= setTimeout(() => {
        logger.error(`${why}: the app did not close within ${shutdownTimeoutMs} ms; exiting`);
        finish(EXIT_CODES.FATAL);
      }, shutdownTimeoutMs);
    };

    /** The app has ended (its state$ completed, or the close asked for resolved): exit by its state. */
    const ended = (): void => {
      if (app === undefined) return;
      // A failed start is fatal whatever state the app closes in.
      if (app.state === 'ERROR' || startFailed) {
        fatal ??= lastFatal ?? lastError ?? new Error('the app ended in state ERROR');
        finish(isConfigError(fatal) ? EXIT_CODES.CONFIG : EXIT_CODES.FATAL);
      } else if (app.state === 'NOT_RUNNING' || app.state === 'CREATED') {
        finish(EXIT_CODES.OK);
      }
    };

    const closeApp = (): void => {
      void app?.close().then(ended, (err: unknown) => {
        fatal ??= err;
        finish(EXIT_CODES.FATAL);
      });
    };

    function onSignal(signal: NodeJS.Signals): void {
      if (signalled) {
        logger.error(`${signal} again while closing: exiting at once`);
        fatal ??= new Error(`forced exit by a second ${signal}`);
        finish(EXIT_CODES.FATAL);
        return;
      }
      signalled = true;
      logger.info(`${signal}: closing the app (at most ${shutdownTimeoutMs} ms)`);
      armDeadline(signal);
      // While the factory runs there is nothing to close yet: it is closed once it exists.
      if (app !== undefined) closeApp();
    }
    for (const signal of SIGNALS) process.on(signal, onSignal);

    const build = async (): Promise<RunnableApp> => (typeof appOrFactory === 'function' ? appOrFactory() : appOrFactory);
    build().then(
      (built) => {
        if (finished) return;
        app = built;
        // errors$ first: the error that stops the app is emitted before the state turns to ERROR.
        // It also reports errors the app recovers from: a fatal one is preferred when it says which.
        subscriptions.push(
          built.errors$.subscribe((error: unknown) => {
            lastError = error;
            if (categoryOf(error) === 'fatal') lastFatal = error;
          }),
        );
        subscriptions.push(
          built.state$.subscribe({
            next: (state) => {
              if (FAILING_STATES.has(state)) {
                fatal ??= lastFatal ?? lastError;
                armDeadline('fatal error');
              }
            },
            complete: ended,
          }),
        );
        if (finished) return; // state$ was already complete: the app had ended before
        if (signalled) return closeApp();
        built.start().catch((err: unknown) => {
          // The app closes itself after a failed start; close() waits for that (it is idempotent).
          startFailed = true;
          fatal = err;
          armDeadline('start failed');
          closeApp();
        });
      },
      (err: unknown) => {
        fatal = err;
        finish(isConfigError(err) ? EXIT_CODES.CONFIG : EXIT_CODES.FATAL);
      },
    );
  });
}
