import type { Logger } from './logger.js';

/** The default interval of {@link throttleLogger}, and of the lines about dropped records: 10 s. */
export const LOG_THROTTLE_INTERVAL_MS = 10_000;

/** Options of {@link throttleLogger}. */
export interface LogThrottleOptions {
  /** A warn or error of one template is written at most once per this many milliseconds. Default 10 000. */
  intervalMs?: number;
  /** The clock; default `Date.now`. */
  now?: () => number;
}

/** A {@link Logger} that writes repeated warnings and errors once per interval; see {@link throttleLogger}. */
export interface ThrottledLogger extends Logger {
  /** Writes the counts of lines held back so far and stops their timers (for example when the app closes). */
  flush(): void;
}

type Method = 'warn' | 'error';

/** Templates remembered at most; past that, those with nothing held back are forgotten. */
const MAX_TEMPLATES = 1000;

interface Window {
  /** When the interval began: the last line of this template written. */
  readonly start: number;
  /** Lines held back since then, and the newest of them. */
  suppressed: number;
  last: { message: string; extra: Record<string, unknown> | undefined } | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The template of a log line: numbers, ids, offsets, durations and hosts' ports normalized away, so
 * that "Restarting the consumer in 312ms" and "... in 498ms" are the same line.
 */
export function messageTemplate(message: string): string {
  return message
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '#')
    .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{6,}\b/gi, '#')
    .replace(/\d+/g, '#');
}

/**
 * Wraps a logger so that a burst of the same warning or error (same level, same
 * {@link messageTemplate}) is written once per `intervalMs`, not once per retry: the first line is
 * written at once; the ones that follow within the interval are counted, and at its end the newest
 * of them is written with the count, "(and 37 more like it in the last 10 s)". Debug and info lines
 * pass through. The end-of-interval timer is unref'd: it never keeps a process alive.
 *
 * @example
 * ```ts
 * const logger = throttleLogger(createConsoleLogger('warn'), { intervalMs: 10_000 });
 * for (let i = 0; i < 100; i++) logger.error(`Connection error: connect ECONNREFUSED 127.0.0.1:${9092}`);
 * // one line now; 10 s later: "... (and 98 more like it in the last 10 s)"
 * ```
 */
export function throttleLogger(logger: Logger, options: LogThrottleOptions = {}): ThrottledLogger {
  const intervalMs = options.intervalMs ?? LOG_THROTTLE_INTERVAL_MS;
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();

  const write = (method: Method, message: string, extra: Record<string, unknown> | undefined, more: number, since: number): void => {
    const seconds = Math.max(1, Math.round((now() - since) / 1000));
    logger[method](more > 0 ? `${message} (and ${more} more like it in the last ${seconds} s)` : message, extra);
  };

  /** The interval of a window is over: writes the newest line held back, with the count of the others. */
  const expire = (key: string, method: Method, w: Window): void => {
    if (w.timer !== undefined) clearTimeout(w.timer);
    windows.delete(key);
    if (w.last === undefined) return;
    write(method, w.last.message, w.last.extra, w.suppressed - 1, w.start);
    // A storm that goes on is written once per interval from here on.
    windows.set(key, { start: now(), suppressed: 0, last: undefined, timer: undefined });
  };

  const throttled =
    (method: Method) =>
    (message: string, extra?: Record<string, unknown>): void => {
      const key = `${method}:${messageTemplate(message)}`;
      const w = windows.get(key);
      const t = now();
      if (w === undefined || t - w.start >= intervalMs) {
        // First of its kind, or its interval is over and the timer has not run yet (a busy event
        // loop, or a clock that is not the timers'): written now, with the count held back.
        if (w?.timer !== undefined) clearTimeout(w.timer);
        if (windows.size >= MAX_TEMPLATES) prune(t);
        windows.set(key, { start: t, suppressed: 0, last: undefined, timer: undefined });
        write(method, message, extra, w?.suppressed ?? 0, w?.start ?? t);
        return;
      }
      w.suppressed++;
      w.last = { message, extra };
      if (w.timer === undefined) {
        w.timer = setTimeout(() => {
          if (windows.get(key) === w) expire(key, method, w);
        }, w.start + intervalMs - t);
        w.timer.unref?.();
      }
    };

  /** Forgets windows whose interval is over with nothing held back. */
  const prune = (t: number): void => {
    for (const [key, w] of windows) if (w.last === undefined && t - w.start >= intervalMs) windows.delete(key);
  };

  return {
    debug: (message, extra) => logger.debug(message, extra),
    info: (message, extra) => logger.info(message, extra),
    warn: throttled('warn'),
    error: throttled('error'),
    flush() {
      for (const [key, w] of [...windows]) {
        if (w.timer !== undefined) clearTimeout(w.timer);
        windows.delete(key);
        if (w.last !== undefined) write(key.startsWith('warn:') ? 'warn' : 'error', w.last.message, w.last.extra, w.suppressed - 1, w.start);
      }
    },
  };
}
