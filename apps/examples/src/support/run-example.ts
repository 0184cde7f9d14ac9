/**
 * The life of an example's main.ts, built on `runApp` from @rivulet/core so that the examples exit
 * with its codes (0 clean, 1 fatal error, 2 bad configuration). The main starts its app with
 * `closer.start(app)`, which hands the app to `runApp`: runApp closes it on Ctrl-C (SIGINT) or
 * SIGTERM and reports how it ended. Whatever ends the run (the main finishing or failing, the app
 * reaching ERROR, a signal), everything registered is closed in reverse order, then the process
 * exits with the worst code seen: 1 if the main failed or the app reached ERROR.
 */
import { EXIT_CODES, runApp, type ExitCode, type StreamsApp } from '@rivulet/core';
import { filter, firstValueFrom } from 'rxjs';

/** Prints a line on stdout. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Where a main registers what must be closed when it ends, however it ends. */
export interface Closer {
  /** `close` runs once, after those registered later. */
  add(what: string, close: () => Promise<unknown> | unknown): void;
  /**
   * Starts the app under `runApp` (signals, exit codes) and registers its close. Resolves once the
   * app is RUNNING; rejects if it ends before.
   */
  start(app: StreamsApp): Promise<void>;
}

/** How long closing may take before the process exits anyway. */
const CLOSE_BOUND_MS = 20_000;

/**
 * Runs `main`, then closes what it registered and exits. Never returns.
 *
 * @example
 * runExample('word count', async (closer) => {
 *   const app = new StreamsApp(topology, config);
 *   await closer.start(app);
 *   // feed it, read its output...
 * });
 */
export function runExample(name: string, main: (closer: Closer) => Promise<void>): void {
  const closers: { what: string; close: () => Promise<unknown> | unknown }[] = [];
  let exitCode: ExitCode = EXIT_CODES.OK;
  let finishing: Promise<void> | undefined;

  const closeAll = async (): Promise<void> => {
    const bound = setTimeout(() => {
      process.stderr.write(`${name}: closing took more than ${CLOSE_BOUND_MS / 1000} s; exiting\n`);
      process.exit(EXIT_CODES.FATAL);
    }, CLOSE_BOUND_MS);
    bound.unref();
    for (const { what, close } of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (err) {
        process.stderr.write(`${name}: closing ${what} failed: ${(err as Error).message}\n`);
      }
    }
    clearTimeout(bound);
  };

  // The worst code wins: an app that ends in ERROR while everything closes still makes it exit 1.
  const finish = (code: ExitCode): void => {
    if (code > exitCode) exitCode = code;
    finishing ??= closeAll().then(() => process.exit(exitCode));
  };

  const closer: Closer = {
    add: (what, close) => void closers.push({ what, close }),
    async start(app) {
      closers.push({ what: 'the app', close: () => app.close() });
      // runApp owns the signals and reports the app's end; the other things close here.
      void runApp(app, { shutdownTimeoutMs: CLOSE_BOUND_MS, onExit: finish });
      const state = await firstValueFrom(app.state$.pipe(filter((s) => s === 'RUNNING')), { defaultValue: undefined });
      if (state === undefined) throw new Error(`the app ended in state ${app.state} before it was running`);
    },
  };

  main(closer).then(
    () => finish(EXIT_CODES.OK),
    (err: unknown) => {
      // Once closing has begun (a signal, the app's end), the main fails because its readers close: not news.
      if (finishing !== undefined) return;
      const error = err instanceof Error ? err : new Error(String(err));
      process.stderr.write(`${name} failed: ${error.message}\n`);
      if (process.env['DEBUG']) process.stderr.write(`${error.stack ?? ''}\n`);
      finish(EXIT_CODES.FATAL);
    },
  );
}
