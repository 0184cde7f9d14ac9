import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import type { LogLevel, Logger } from './logger.js';

/** What Rivulet needs of a pino(-compatible) logger: its level methods `(fields, message)` and `child`. */
export interface PinoLike {
  /** Writes a debug line with these fields. */
  debug(fields: Record<string, unknown>, message: string): void;
  /** Writes an info line with these fields. */
  info(fields: Record<string, unknown>, message: string): void;
  /** Writes a warning with these fields. */
  warn(fields: Record<string, unknown>, message: string): void;
  /** Writes an error with these fields. */
  error(fields: Record<string, unknown>, message: string): void;
  /** A logger that adds these fields to each of its lines. */
  child(bindings: Record<string, unknown>): PinoLike;
}

/** Tells a pino(-compatible) logger from a plain {@link Logger}: pino's `child` and `bindings`. */
export function isPinoLike(value: unknown): value is PinoLike {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && typeof v['child'] === 'function' && typeof v['bindings'] === 'function' && typeof v['info'] === 'function';
}

/**
 * A pino (or pino-compatible) logger as Rivulet's {@link Logger}: Rivulet's `(message, fields)` calls
 * become pino's `(fields, message)`, so the fields (`taskId`, `topic`, `partition`, ...) are JSON
 * properties of the line. `logger: pino()` in the config is wrapped so by itself.
 *
 * @example
 * const app = new StreamsApp(topology, { applicationId: 'orders', brokers, logger: fromPino(pino({ level: 'info' }).child({ service: 'orders' })) });
 */
export function fromPino(logger: PinoLike): Logger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

const PINO_LEVEL: Readonly<Record<LogLevel, string>> = { nothing: 'silent', error: 'error', warn: 'warn', info: 'info', debug: 'debug' };

/** Options of {@link createPinoLogger}. */
export interface PinoLoggerOptions {
  /** Fields on every line; the app's logger gets `{ app: applicationId }`. */
  readonly base?: Record<string, unknown>;
  /**
   * Human-readable lines (pino-pretty) instead of JSON: default when stderr is a terminal and
   * pino-pretty is installed (a development dependency; production gets JSON).
   */
  readonly pretty?: boolean;
  /** Where lines go; default stderr, written synchronously (nothing lost at exit, no handle kept open). */
  readonly destination?: DestinationStream;
}

/**
 * The default logger: pino, one JSON object per line on stderr (`level`, `time`, `app`, `msg` and
 * the fields of the call), or pretty lines in a terminal when pino-pretty is installed.
 */
export function createPinoLogger(level: LogLevel, options: PinoLoggerOptions = {}): Logger {
  const pretty = options.pretty ?? (process.stderr.isTTY === true && options.destination === undefined);
  const destination = options.destination ?? (pretty ? prettyStream() : undefined) ?? pino.destination({ dest: 2, sync: true });
  const instance: Pino = pino({ level: PINO_LEVEL[level], base: options.base ?? null, messageKey: 'msg' }, destination);
  return fromPino(instance as unknown as PinoLike);
}

/** pino-pretty writing to stderr synchronously, if it is installed; undefined if not. */
function prettyStream(): DestinationStream | undefined {
  try {
    const build = createRequire(import.meta.url)('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
    return build({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' });
  } catch {
    return undefined;
  }
}
