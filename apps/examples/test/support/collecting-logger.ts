/** A Rivulet logger that keeps every line it is given, at every level, for tests that grep the logs. */
import type { Logger } from '@rivulet/core';
import { inspect } from 'node:util';

/**
 * A logger that pushes each line, with its fields as they would be printed, onto `lines`.
 *
 * @example
 * const lines: string[] = [];
 * new StreamsApp(topology, { ...config, logLevel: 'debug', logger: collectingLogger(lines) });
 */
export function collectingLogger(lines: string[]): Logger {
  const keep = (level: string) => (message: string, extra?: Record<string, unknown>): void =>
    void lines.push(`${level} ${message}${extra !== undefined ? ` ${inspect(extra, { depth: 8, breakLength: Infinity })}` : ''}`);
  return { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
}
