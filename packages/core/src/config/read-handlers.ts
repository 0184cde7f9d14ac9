import { closestMatch } from './closest-match.js';
import type { DeadLetterTopicSetting, ExceptionHandlerSetting } from './exception-handler-setting.js';
import { formatValue } from './format-value.js';
import type { IssueList } from './issue-list.js';
import type { Serde } from '@rivulet/serde';
import type { Logger } from './logger.js';
import { isPlainObject } from './read-value.js';

const HANDLER_NAMES = ['fail', 'log-and-continue'] as const;
const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

// Kafka's rule for topic names: 1 to 249 of ASCII letters, digits, '.', '_' and '-', not '.' or '..'.
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Reads one of the three exception handler settings: `'fail'`, `'log-and-continue'`,
 * `{ deadLetterTopic }` or a function.
 *
 * @param issues - Where problems are reported.
 * @param path - The setting, for example `'deserializationExceptionHandler'`.
 * @param value - The value the user gave, or `undefined`.
 * @returns The setting, `'fail'` when unset or wrong.
 */
export function readExceptionHandler(issues: IssueList, path: string, value: unknown): ExceptionHandlerSetting {
  if (value === undefined) return 'fail';
  if (value === 'fail' || value === 'log-and-continue') return value;
  if (typeof value === 'function') return value as ExceptionHandlerSetting;
  if (isPlainObject(value) && 'deadLetterTopic' in value) return readDeadLetterTopic(issues, path, value);

  const near = typeof value === 'string' ? closestMatch(value, HANDLER_NAMES) : undefined;
  issues.add(
    path,
    `${path} = ${formatValue(value)} is not allowed: it must be 'fail', 'log-and-continue', { deadLetterTopic: 'topic' } ` +
      `or a function (error, { topic, partition, offset }) => 'fail' | 'continue'. ` +
      `Fix: ${near === undefined ? `set ${path} to one of those` : `write '${near}'`}, or remove it to fail on errors (the default).`,
  );
  return 'fail';
}

function readDeadLetterTopic(issues: IssueList, path: string, value: Record<string, unknown>): ExceptionHandlerSetting {
  const before = issues.issues.length;
  const topic = value['deadLetterTopic'];
  if (typeof topic !== 'string' || !TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    issues.add(
      `${path}.deadLetterTopic`,
      `${path}.deadLetterTopic = ${formatValue(topic)} is not allowed: it must be a Kafka topic name (1 to 249 ASCII letters, digits, '.', '_' or '-'). ` +
        `Fix: set ${path}.deadLetterTopic to a topic name such as 'my-app-dlq'.`,
    );
  }
  for (const key of Object.keys(value)) {
    if (key === 'deadLetterTopic') continue;
    issues.add(`${path}.${key}`, `Unknown setting ${path}.${key}: a dead-letter handler takes only deadLetterTopic. Fix: remove ${path}.${key}.`);
  }
  return issues.issues.length === before ? (value as unknown as DeadLetterTopicSetting) : 'fail';
}

/**
 * Reads `logger`: an object with the four methods of a {@link Logger}, passed through as it is.
 *
 * @param issues - Where problems are reported.
 * @param value - The value the user gave, or `undefined`.
 * @returns The logger, or `undefined` when unset or wrong.
 */
export function readLogger(issues: IssueList, value: unknown): Logger | undefined {
  if (value === undefined) return undefined;
  const missing =
    typeof value === 'object' && value !== null
      ? LOGGER_METHODS.filter((method) => typeof (value as Record<string, unknown>)[method] !== 'function')
      : [...LOGGER_METHODS];
  if (missing.length === 0) return value as Logger;
  issues.add(
    'logger',
    `logger = ${formatValue(value)} is not allowed: it must have the methods debug, info, warn and error (message, extra?), ` +
      `and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing. Fix: add them, or remove logger to log to the console.`,
  );
  return undefined;
}

/**
 * Reads `defaultKeySerde` or `defaultValueSerde`: a serde (an object with `name`, `serialize` and
 * `deserialize`), passed through as it is.
 *
 * @param issues - Where problems are reported.
 * @param path - The setting, `'defaultKeySerde'` or `'defaultValueSerde'`.
 * @param value - The value the user gave, or `undefined`.
 * @returns The serde, or `undefined` when unset or wrong.
 */
export function readSerde(issues: IssueList, path: string, value: unknown): Serde<unknown> | undefined {
  if (value === undefined) return undefined;
  const v = value as Record<string, unknown> | null;
  if (typeof v === 'object' && v !== null && typeof v['serialize'] === 'function' && typeof v['deserialize'] === 'function' && typeof v['name'] === 'string') {
    return value as Serde<unknown>;
  }
  issues.add(
    path,
    `${path} = ${formatValue(value)} is not allowed: it must be a serde, an object with name, serialize(topic, value) and ` +
      `deserialize(topic, bytes). Fix: pass one from @rivulet/serde, for example serdes.string() or serdes.json(), or remove ${path}.`,
  );
  return undefined;
}
