import type { Serde } from '@rivulet/serde';
import type { Partitioner } from '../client/partitioner.js';
import type { SaslSetting, SslSetting } from './client-config.js';
import type { IssueList } from './config-error.js';
import type { DeadLetterTopicSetting, ExceptionHandlerSetting } from './exception-handler-setting.js';
import type { Logger } from './logger.js';
import { fromPino, isPinoLike } from './pino-logger.js';
import { REDACTED, redactSecrets } from './redaction.js';
import type { StateRestoreListener } from './state-restore-listener.js';
import type { ResolvedTraceContext } from './streams-config.js';
import type { UncaughtExceptionHandler } from './uncaught-exception-handler.js';

/**
 * Reads the value a user gave one setting (never `undefined`: an unset setting takes its default
 * without a reader). A wrong value is reported and the default returned, so that reading goes on
 * and every problem is found in one pass. Each message names the setting, the value, what is
 * allowed and the fix.
 */
export interface Reader<T> {
  /** What the setting takes, for the docs: `'integer, 0 to 2147483647'`. */
  readonly type: string;
  /** Reads `value` at `path`; `defaultValue` is returned for a wrong value and named in the fix. */
  read(issues: IssueList, path: string, value: unknown, defaultValue: T): T;
  /** Renders a value for the docs, when the plain rendering would mislead (acks `-1` is `'all'`). */
  show?(value: T): string;
}

/** The largest value of a Kafka int32 field, and of a Node timer: every ms and byte setting stops here. */
export const INT32_MAX = 2_147_483_647;

/** The longest rendering of a value in a message; longer ones are cut. */
const MAX_LENGTH = 80;

/** An integer from `min` to `max` ({@link INT32_MAX} unless given). */
export function integer(min: number, max = INT32_MAX): Reader<number> {
  const allowed = max >= Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  return {
    type: allowed.replace(/^an /, ''),
    read(issues, path, value, defaultValue) {
      if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
      const hint = typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? ' (a number, not a string)' : '';
      const shown = defaultValue === Number.MAX_SAFE_INTEGER ? 'unlimited, Number.MAX_SAFE_INTEGER' : formatValue(defaultValue);
      issues.add(
        path,
        `${path} = ${formatValue(value, path)} is not allowed: it must be ${allowed}${hint}. ` +
          `Fix: set ${path} to ${allowed}, or remove it to use the default (${shown}).`,
      );
      return defaultValue;
    },
  };
}

/** One of a few values, with a "did you mean" for a near miss such as `'exactly-once'`. */
export function choice<const T extends string | number>(allowed: readonly T[]): Reader<T> {
  const names = allowed.map((v) => formatValue(v)).join(', ');
  return {
    type: `one of ${names}`,
    read(issues, path, value, defaultValue) {
      if ((allowed as readonly unknown[]).includes(value)) return value as T;
      const near = typeof value === 'string' ? closestMatch(value, allowed.filter((a) => typeof a === 'string')) : undefined;
      const fix = near === undefined ? `set ${path} to one of those` : `did you mean '${near}'? Set ${path} to '${near}'`;
      issues.add(
        path,
        `${path} = ${formatValue(value, path)} is not allowed: it must be one of ${names}. ` +
          `Fix: ${fix}, or remove it to use the default (${formatValue(defaultValue)}).`,
      );
      return defaultValue;
    },
  };
}

/** `true` or `false`. */
export const boolean: Reader<boolean> = {
  type: 'boolean',
  read(issues, path, value, defaultValue) {
    if (typeof value === 'boolean') return value;
    issues.add(
      path,
      `${path} = ${formatValue(value, path)} is not allowed: it must be true or false. ` +
        `Fix: set ${path} to true or false, or remove it to use the default (${defaultValue}).`,
    );
    return defaultValue;
  },
};

/** A string that is not empty. */
export const text: Reader<string> = {
  type: 'non-empty string',
  read(issues, path, value, defaultValue) {
    if (typeof value === 'string' && value.trim() !== '') return value;
    issues.add(
      path,
      `${path} = ${formatValue(value, path)} is not allowed: it must be a non-empty string. ` +
        `Fix: set ${path} to a non-empty string, or remove it to use the default (${formatValue(defaultValue)}).`,
    );
    return defaultValue;
  },
};

/** `0`, `1`, `-1` or `'all'`, normalized to kafkajs's `0 | 1 | -1`; messages show `-1` as `'all'`, as users write it. */
export const acks: Reader<0 | 1 | -1> = {
  type: "0, 1 or 'all' (-1)",
  read(issues, path, value, defaultValue) {
    const read = choice([0, 1, -1, 'all']).read(issues, path, value, defaultValue === -1 ? 'all' : defaultValue);
    return read === 'all' ? -1 : read;
  },
  show: (value) => (value === -1 ? "`'all'`" : `\`${value}\``),
};

/** A reader for a value checked by a predicate, with one message for anything else. */
function checked<T>(type: string, ok: (value: unknown) => boolean, problem: (path: string) => string): Reader<T> {
  return {
    type,
    read(issues, path, value, defaultValue) {
      if (ok(value)) return value as T;
      issues.add(path, `${path} = ${formatValue(value, path)} is not allowed: ${problem(path)}`);
      return defaultValue;
    },
  };
}

// Kafka Streams' rule for application.id; the length keeps `<applicationId>-...` topic names legal.
const APPLICATION_ID = /^[a-zA-Z0-9._-]{1,249}$/;

/** Why `applicationId` is required and restricted, for its messages. */
export const APPLICATION_ID_WHY = 'it becomes the consumer group id and prefixes the transactional ids and internal topic names';

/** `applicationId`: 1 to 249 of Kafka's topic-name characters; the fix suggests a cleaned name. */
export const applicationId: Reader<string> = {
  type: "string of ASCII letters, digits, '.', '_', '-'",
  read(issues, path, value) {
    if (typeof value === 'string' && APPLICATION_ID.test(value)) return value;
    const cleaned = typeof value === 'string' ? value.trim().replace(/[^a-zA-Z0-9._-]+/g, '-').slice(0, 249) : '';
    const example = cleaned === '' || cleaned === '-' ? 'word-count' : cleaned;
    issues.add(
      path,
      `applicationId = ${formatValue(value)} is not allowed: it must be 1 to 249 ASCII letters, digits, '.', '_' or '-', as ${APPLICATION_ID_WHY}. ` +
        `Fix: set applicationId to a name such as '${example}'.`,
    );
    // A wrong name still names the app's folder and client id while the other settings are read.
    return typeof value === 'string' ? value : '';
  },
};

// host:port, where the host is a name or IPv4 address without ':' or an IPv6 address in brackets.
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/,]+):(\d{1,5})$/;

/** How to write `brokers`, for its messages. */
export const BROKERS_EXAMPLE = `for example ['kafka-1:9092', 'kafka-2:9092'] or 'kafka-1:9092,kafka-2:9092'`;

/**
 * `brokers`: an array of `host:port` strings or one comma-separated string of them, as in Kafka's
 * `bootstrap.servers`. Entries are trimmed; empty ones (a trailing comma) are dropped.
 */
export const brokers: Reader<readonly string[]> = {
  type: "'host:port' strings, as an array or comma-separated",
  read(issues, path, value) {
    const entries = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? (value as unknown[]) : undefined;
    if (entries === undefined) {
      issues.add(
        path,
        `brokers = ${formatValue(value)} is not allowed: it must be an array of 'host:port' strings or a comma-separated string. Fix: set brokers, ${BROKERS_EXAMPLE}.`,
      );
      return Object.freeze([]);
    }
    const list: string[] = [];
    const wrong: unknown[] = [];
    for (const entry of entries) {
      const broker = typeof entry === 'string' ? entry.trim() : undefined;
      if (broker === '') continue;
      if (broker !== undefined && isHostPort(broker)) list.push(broker);
      else wrong.push(entry);
    }
    if (wrong.length > 0) {
      const scheme = wrong.some((entry) => typeof entry === 'string' && entry.includes('://'));
      issues.add(
        path,
        `brokers = ${formatValue(value)} is not allowed: ${wrong.map((v) => formatValue(v)).join(', ')} ${wrong.length === 1 ? 'is' : 'are'} not host:port ` +
          `(a host name or IP address, then a port from 1 to 65535). Fix: write each broker as host:port` +
          `${scheme ? ', without a scheme such as PLAINTEXT://' : ''}, ${BROKERS_EXAMPLE}.`,
      );
    } else if (list.length === 0) {
      issues.add(path, `brokers = ${formatValue(value)} is not allowed: it lists no broker. Fix: set brokers, ${BROKERS_EXAMPLE}.`);
    }
    return Object.freeze(list);
  },
};

function isHostPort(broker: string): boolean {
  const match = HOST_PORT.exec(broker);
  return match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 65_535;
}

const MAX_REPLICATION_FACTOR = 32_767;

/** `replicationFactor`: `-1` for the broker's default, or 1 to 32767. */
export const replicationFactor = checked<number>(
  `-1, or an integer from 1 to ${MAX_REPLICATION_FACTOR}`,
  (v) => typeof v === 'number' && Number.isInteger(v) && (v === -1 || (v >= 1 && v <= MAX_REPLICATION_FACTOR)),
  () =>
    `it must be -1 (the broker's default.replication.factor) or an integer from 1 to ${MAX_REPLICATION_FACTOR}. ` +
    `Fix: set replicationFactor to the number of replicas of each internal topic (3 is usual in production), or remove it to use the broker's default.`,
);

/** `ssl`: `true`, `false` or Node's TLS options, passed through as they are. */
export const ssl = checked<SslSetting>(
  'boolean or TLS options',
  (v) => typeof v === 'boolean' || (typeof v === 'object' && v !== null && !Array.isArray(v)),
  () =>
    'it must be true, false or TLS options ({ ca, cert, key, ... } as for tls.connect). ' +
    'Fix: set ssl to true for TLS with the system CAs, or to TLS options.',
);

/** The fields each SASL mechanism takes, and whether each is required. */
const SASL_FIELDS: Readonly<Record<SaslSetting['mechanism'], Readonly<Record<string, 'string' | 'function' | 'optional string'>>>> = {
  plain: { username: 'string', password: 'string' },
  'scram-sha-256': { username: 'string', password: 'string' },
  'scram-sha-512': { username: 'string', password: 'string' },
  oauthbearer: { oauthBearerProvider: 'function' },
  aws: { authorizationIdentity: 'string', accessKeyId: 'string', secretAccessKey: 'string', sessionToken: 'optional string' },
};
const MECHANISMS = Object.keys(SASL_FIELDS) as SaslSetting['mechanism'][];

/** `sasl`: one of the mechanisms kafkajs supports, with its fields; passed through as it is. */
export const sasl: Reader<SaslSetting | null> = {
  type: `object with a mechanism: ${MECHANISMS.map((v) => formatValue(v)).join(', ')}`,
  read(issues, path, value, defaultValue) {
    if (!isPlainObject(value)) {
      issues.add(
        path,
        `sasl = ${formatValue(value, path)} is not allowed: it must be an object such as { mechanism: 'scram-sha-512', username, password }. ` +
          'Fix: set sasl to such an object, or remove it to connect without SASL.',
      );
      return defaultValue;
    }
    const mechanism = value['mechanism'];
    if (typeof mechanism !== 'string' || !(MECHANISMS as string[]).includes(mechanism)) {
      const near = typeof mechanism === 'string' ? closestMatch(mechanism, MECHANISMS) : undefined;
      issues.add(
        'sasl.mechanism',
        `sasl.mechanism = ${formatValue(mechanism)} is not allowed: it must be one of ${MECHANISMS.map((v) => formatValue(v)).join(', ')}. ` +
          `Fix: ${near === undefined ? 'set one of those' : `write '${near}'`}.`,
      );
      return defaultValue;
    }
    const fields = SASL_FIELDS[mechanism as SaslSetting['mechanism']];
    const before = issues.issues.length;
    for (const [field, kind] of Object.entries(fields)) {
      const given = value[field];
      if (kind === 'optional string' && given === undefined) continue;
      if (kind === 'function' ? typeof given === 'function' : typeof given === 'string' && given !== '') continue;
      const wanted = kind === 'function' ? 'a function returning a Promise of { value: token }' : 'a non-empty string';
      issues.add(`sasl.${field}`, `sasl.${field} = ${formatValue(given, `sasl.${field}`)} is not allowed: SASL '${mechanism}' needs ${field} as ${wanted}. Fix: set sasl.${field}.`);
    }
    for (const key of Object.keys(value)) {
      if (key === 'mechanism' || key in fields) continue;
      const near = closestMatch(key, Object.keys(fields));
      issues.add(
        `sasl.${key}`,
        `Unknown setting sasl.${key} for SASL '${mechanism}', which takes ${Object.keys(fields).join(', ')}. ` +
          `Fix: ${near === undefined ? `remove sasl.${key}` : `rename sasl.${key} to sasl.${near}`}.`,
      );
    }
    return issues.issues.length === before ? (value as unknown as SaslSetting) : defaultValue;
  },
};

const HANDLER_NAMES = ['fail', 'log-and-continue'] as const;
// Kafka's rule for topic names: 1 to 249 of ASCII letters, digits, '.', '_' and '-', not '.' or '..'.
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** An exception handler: `'fail'`, `'log-and-continue'`, `{ deadLetterTopic }` or a function. */
export const exceptionHandler: Reader<ExceptionHandlerSetting> = {
  type: "'fail', 'log-and-continue', { deadLetterTopic } or a function",
  read(issues, path, value, defaultValue) {
    if (value === 'fail' || value === 'log-and-continue' || typeof value === 'function') return value as ExceptionHandlerSetting;
    if (isPlainObject(value) && 'deadLetterTopic' in value) return readDeadLetterTopic(issues, path, value, defaultValue);
    const near = typeof value === 'string' ? closestMatch(value, HANDLER_NAMES) : undefined;
    issues.add(
      path,
      `${path} = ${formatValue(value, path)} is not allowed: it must be 'fail', 'log-and-continue', { deadLetterTopic: 'topic' } ` +
        `or a function (error, { topic, partition, offset }) => 'fail' | 'continue'. ` +
        `Fix: ${near === undefined ? `set ${path} to one of those` : `write '${near}'`}, or remove it to fail on errors (the default).`,
    );
    return defaultValue;
  },
};

function readDeadLetterTopic(issues: IssueList, path: string, value: Record<string, unknown>, defaultValue: ExceptionHandlerSetting): ExceptionHandlerSetting {
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
  return issues.issues.length === before ? (value as unknown as DeadLetterTopicSetting) : defaultValue;
}

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/** `logger`: an object with the four methods of a {@link Logger}, passed through as it is. */
export const logger: Reader<Logger> = {
  type: 'object with debug, info, warn, error',
  read(issues, path, value, defaultValue) {
    // A pino logger (or one like it) takes (fields, message): wrapped, so the fields stay fields.
    if (isPinoLike(value)) return fromPino(value);
    const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    const missing = LOGGER_METHODS.filter((method) => typeof object[method] !== 'function');
    if (missing.length === 0) return value as Logger;
    issues.add(
      path,
      `logger = ${formatValue(value)} is not allowed: it must have the methods debug, info, warn and error (message, extra?), ` +
        `and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing. Fix: add them, or remove logger to log to the console.`,
    );
    return defaultValue;
  },
};

/** `defaultKeySerde` / `defaultValueSerde`: an object with `name`, `serialize` and `deserialize`. */
export const serde = checked<Serde<unknown> | undefined>(
  'serde',
  (v) => {
    const s = v as Record<string, unknown> | null;
    return typeof s === 'object' && s !== null && typeof s['serialize'] === 'function' && typeof s['deserialize'] === 'function' && typeof s['name'] === 'string';
  },
  (path) =>
    'it must be a serde, an object with name, serialize(topic, value) and deserialize(topic, bytes). ' +
    `Fix: pass one from @rivulet/serde, for example serdes.string() or serdes.json(), or remove ${path}.`,
);

/** `producer.partitioner`: a function. */
export const partitioner = checked<Partitioner | null>(
  'function',
  (v) => typeof v === 'function',
  () =>
    'it must be a function ({ topic, key, value, partitionCount }) => partition. ' +
    "Fix: pass such a function, or remove producer.partitioner to use Kafka's default (murmur2 of the key).",
);

/** `uncaughtExceptionHandler`: a function. */
export const uncaughtExceptionHandler = checked<UncaughtExceptionHandler>(
  'function',
  (v) => typeof v === 'function',
  () =>
    "it must be a function (error) => 'REPLACE_THREAD' | 'SHUTDOWN_CLIENT'. Fix: pass such a function, or remove it to shut " +
    'the instance down on a fatal error (the default).',
);

const LISTENER_METHODS = ['onRestoreStart', 'onBatchRestored', 'onRestoreEnd'] as const;

/** `stateRestoreListener`: an object with some of its three methods. */
const TRACE_CONTEXT_KEYS = ['propagate', 'around'] as const;

/** `traceContext`: `{ propagate?: boolean, around?: function }`, resolved with `propagate` true by default. */
export const traceContext: Reader<ResolvedTraceContext | undefined> = {
  type: 'object with propagate (boolean) and around (function)',
  read(issues, path, value, defaultValue) {
    const fix = 'Fix: pass { propagate?: boolean, around?: (record, process) => void }, or remove it.';
    if (typeof value !== 'object' || value === null) {
      issues.add(path, `traceContext = ${formatValue(value)} is not allowed: it must be an object. ${fix}`);
      return defaultValue;
    }
    const setting = value as Record<string, unknown>;
    const before = issues.issues.length;
    if (setting['propagate'] !== undefined && typeof setting['propagate'] !== 'boolean') {
      issues.add(`${path}.propagate`, `traceContext.propagate = ${formatValue(setting['propagate'])} is not allowed: it must be true or false. ${fix}`);
    }
    if (setting['around'] !== undefined && typeof setting['around'] !== 'function') {
      issues.add(`${path}.around`, `traceContext.around = ${formatValue(setting['around'])} is not allowed: it must be a function. ${fix}`);
    }
    for (const key of Object.keys(setting)) {
      if (!(TRACE_CONTEXT_KEYS as readonly string[]).includes(key)) {
        issues.add(`${path}.${key}`, `Unknown setting traceContext.${key}: it has only ${TRACE_CONTEXT_KEYS.join(', ')}. Fix: remove it or fix its name.`);
      }
    }
    if (issues.issues.length !== before) return defaultValue;
    const around = setting['around'] as ResolvedTraceContext['around'];
    return { propagate: setting['propagate'] !== false, ...(around !== undefined ? { around } : {}) };
  },
};

export const stateRestoreListener: Reader<StateRestoreListener | undefined> = {
  type: `object with ${LISTENER_METHODS.join(', ')}`,
  read(issues, path, value, defaultValue) {
    const fix = `Fix: pass an object with any of ${LISTENER_METHODS.join(', ')} as functions, or remove it.`;
    if (typeof value !== 'object' || value === null) {
      issues.add(path, `stateRestoreListener = ${formatValue(value)} is not allowed: it must be an object. ${fix}`);
      return defaultValue;
    }
    const listener = value as Record<string, unknown>;
    const before = issues.issues.length;
    for (const name of LISTENER_METHODS) {
      const method = listener[name];
      if (method !== undefined && typeof method !== 'function') {
        issues.add(`${path}.${name}`, `stateRestoreListener.${name} = ${formatValue(method)} is not allowed: it must be a function. ${fix}`);
      }
    }
    // A class instance may carry other members; only an object literal is checked for stray keys.
    for (const key of isPlainObject(value) ? Object.keys(listener) : []) {
      if (!(LISTENER_METHODS as readonly string[]).includes(key)) {
        issues.add(`${path}.${key}`, `Unknown setting stateRestoreListener.${key}: a restore listener has only ${LISTENER_METHODS.join(', ')}. Fix: remove it or fix its name.`);
      }
    }
    return issues.issues.length === before ? (value as StateRestoreListener) : defaultValue;
  },
};

/**
 * Whether a value is a plain object (`{ ... }`): not null, not an array, not a class instance
 * such as a Date.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Renders a config value for an error message the way a user would have typed it: strings in
 * single quotes, numbers and booleans as literals, objects as short JSON, functions as
 * `a function`, `Number.MAX_SAFE_INTEGER` by name. Long renderings are cut at 80 characters.
 * Secrets are shown as `[redacted]`: the value itself when `path` is a secret setting (see
 * {@link isSecretSetting}), and the secret fields of an object.
 *
 * @example
 * ```ts
 * formatValue('exactly_once'); // "'exactly_once'"
 * formatValue(Number.NaN);     // 'NaN'
 * ```
 */
export function formatValue(value: unknown, path = ''): string {
  // A secret is never quoted back (docs/security.md): `sasl.password = [redacted] is not allowed`.
  const safe = redactSecrets(value, path);
  if (safe === REDACTED && value !== REDACTED) return REDACTED;
  const text = render(safe);
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 3)}...` : text;
}

function render(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `'${value}'`;
    case 'number':
      // The default retries of an idempotent producer: the name says more than 16 digits.
      return value === Number.MAX_SAFE_INTEGER ? 'Number.MAX_SAFE_INTEGER' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'function':
      return 'a function';
    case 'symbol':
      return value.toString();
    case 'object':
      if (value === null) return 'null';
      try {
        return JSON.stringify(value) ?? String(value);
      } catch {
        // A cyclic object, for example: say what it is rather than fail while reporting.
        return Array.isArray(value) ? 'an array' : 'an object';
      }
    default:
      // booleans and undefined read fine as they are.
      return String(value);
  }
}

/**
 * Finds the known name closest to a misspelled one, for "did you mean" hints: the candidate with
 * the smallest edit distance (ignoring case), if that distance is small for the name's length.
 *
 * @example
 * ```ts
 * closestMatch('comitIntervalMs', ['commitIntervalMs', 'stateDir']); // 'commitIntervalMs'
 * ```
 */
export function closestMatch(name: string, candidates: readonly string[]): string | undefined {
  // A third of the name's length, at least 1 and at most 3 edits: 'ack' finds 'acks', while a
  // short unrelated word does not get a far-fetched suggestion.
  const budget = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
  let best: string | undefined;
  let bestDistance = budget + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}
