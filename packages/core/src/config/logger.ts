/**
 * How much Rivulet and its Kafka client log: `'nothing'`, `'error'`, `'warn'` (the default),
 * `'info'` or `'debug'`, each level including the ones before it. The same names as kafkajs's
 * `logLevel`.
 */
export type LogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** The log levels, from the quietest to the most verbose. */
export const LOG_LEVELS: readonly LogLevel[] = ['nothing', 'error', 'warn', 'info', 'debug'];

/**
 * Where Rivulet writes its logs. Any logger with these four methods fits (pino, winston, console
 * with a wrapper); `extra` carries structured fields such as `{ taskId, topic, partition }`.
 *
 * @example
 * ```ts
 * const logger: Logger = {
 *   debug: (message, extra) => pino.debug(extra ?? {}, message),
 *   info: (message, extra) => pino.info(extra ?? {}, message),
 *   warn: (message, extra) => pino.warn(extra ?? {}, message),
 *   error: (message, extra) => pino.error(extra ?? {}, message),
 * };
 * ```
 */
export interface Logger {
  /** Details useful while debugging: each commit, each fetch, each state transition. */
  debug(message: string, extra?: Record<string, unknown>): void;
  /** Milestones: started, partitions assigned, state restored. */
  info(message: string, extra?: Record<string, unknown>): void;
  /** Something unexpected that Rivulet works around: a record skipped by a handler, a slow rebalance. */
  warn(message: string, extra?: Record<string, unknown>): void;
  /** A failure: a task closed, the app stopping. */
  error(message: string, extra?: Record<string, unknown>): void;
}

type Method = keyof Logger;

const RANK: Readonly<Record<LogLevel, number>> = { nothing: 0, error: 1, warn: 2, info: 3, debug: 4 };

/**
 * Creates the default logger: it writes to the console (`console.error`, `console.warn`,
 * `console.info`, `console.debug`) with a `[rivulet]` prefix, and drops messages below `level`.
 *
 * @param level - The most verbose level to write; `'nothing'` writes nothing.
 * @returns A {@link Logger}.
 *
 * @example
 * ```ts
 * const logger = createConsoleLogger('info');
 * logger.info('partitions assigned', { partitions: [0, 1] }); // [rivulet] partitions assigned { partitions: [ 0, 1 ] }
 * logger.debug('not shown');
 * ```
 */
export function createConsoleLogger(level: LogLevel): Logger {
  const enabled = (method: Method): boolean => RANK[method] <= RANK[level];
  const write =
    (method: Method) =>
    (message: string, extra?: Record<string, unknown>): void => {
      if (!enabled(method)) return;
      // The console is looked up at each call, not captured, so test spies and later patches apply.
      if (extra === undefined) console[method](`[rivulet] ${message}`);
      else console[method](`[rivulet] ${message}`, extra);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
