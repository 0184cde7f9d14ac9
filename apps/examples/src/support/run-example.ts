/**
 * The life of an example's main.ts: run it, then close what it opened (apps, clients, servers) in
 * reverse order and exit 0; on an error, say it in one line, close and exit 1; on Ctrl-C (SIGINT) or
 * SIGTERM, close and exit 130. Apps are started with `{ handleSignals: false }` so that this is the
 * one place that reacts to signals.
 */

/** Prints a line on stdout. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Where a main registers what must be closed when it ends, however it ends. */
export interface Closer {
  /** `close` runs once, after those registered later. */
  add(what: string, close: () => Promise<unknown> | unknown): void;
}

/** How long closing may take before the process exits anyway. */
const CLOSE_BOUND_MS = 20_000;

/**
 * Runs `main`, then closes and exits. Never returns.
 *
 * @example
 * runExample('word count', async (closer) => {
 *   const app = new StreamsApp(topology, config);
 *   closer.add('the app', () => app.close());
 *   await app.start({ handleSignals: false });
 * });
 */
export function runExample(name: string, main: (closer: Closer) => Promise<void>): void {
  const closers: { what: string; close: () => Promise<unknown> | unknown }[] = [];
  let closing: Promise<void> | undefined;

  const closeAll = (): Promise<void> => {
    closing ??= (async () => {
      const bound = setTimeout(() => {
        process.stderr.write(`${name}: closing took more than ${CLOSE_BOUND_MS / 1000} s; exiting\n`);
        process.exit(1);
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
    })();
    return closing;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    say(`\n${signal === 'SIGINT' ? 'Ctrl-C' : signal}: closing...`);
    void closeAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  main({ add: (what, close) => void closers.push({ what, close }) }).then(
    () => closeAll().then(() => process.exit(0)),
    (err: unknown) => {
      const error = err instanceof Error ? err : new Error(String(err));
      process.stderr.write(`${name} failed: ${error.message}\n`);
      if (process.env['DEBUG']) process.stderr.write(`${error.stack ?? ''}\n`);
      void closeAll().finally(() => process.exit(1));
    },
  );
}
