import { IssueList } from './config-error.js';
import { closestMatch, formatValue, isPlainObject } from './readers.js';
import { redactingLogger, redactWhenPrinted, scrubSecrets, secretsOf } from './redaction.js';
import { checkRequirements, CROSS_RULES } from './rules.js';
import type { RuleInput } from './rules.js';
import { defaultOf, OPTION_PATHS, OPTIONS_BY_LEVEL, optionForKafkaProperty, settingAt } from './settings.js';
import type { DefaultContext, NestedOption, OptionPath } from './settings.js';
import type { ProcessingGuarantee, ResolvedStreamsConfig, StreamsConfig } from './streams-config.js';

const NESTED: readonly NestedOption[] = ['retry', 'producer', 'consumer'];

/**
 * Checks a {@link StreamsConfig} and fills in every default, as the `StreamsApp` constructor does
 * before anything connects. Each setting is read as its row of `SETTINGS` says; defaults depend on
 * `processingGuarantee` (see `GUARANTEE_DEFAULTS`); `acks: 'all'` becomes `-1` and
 * `'exactly_once_v2'` becomes `'exactly_once'`.
 *
 * Every problem is reported at once in one {@link ConfigError}: missing required settings, wrong
 * types and ranges, unknown keys (with the closest known name), and settings that contradict the
 * processing guarantee or each other.
 *
 * @param config - The user's configuration.
 * @returns The resolved configuration, frozen. It prints (`util.inspect`, `JSON.stringify`) with
 *   its secrets as `[redacted]`, and its `logger` never writes them (docs/security.md).
 * @throws ConfigError naming each wrong setting, its value, what is allowed and the fix.
 *
 * @example
 * ```ts
 * const resolved = resolveConfig({ applicationId: 'orders', brokers: 'localhost:9092', processingGuarantee: 'exactly_once' });
 * resolved.producer.acks;     // -1
 * resolved.commitIntervalMs;  // 100
 * ```
 */
export function resolveConfig(config: StreamsConfig): ResolvedStreamsConfig {
  const issues = new IssueList();
  const user: Readonly<Record<string, unknown>> = isPlainObject(config) ? config : {};
  if (!isPlainObject(config)) {
    issues.add('config', `The config = ${formatValue(config)} is not an object. Fix: pass { applicationId, brokers, ... }.`);
  }
  checkUnknownKeys(issues, '', user);

  const values = new Map<OptionPath, unknown>();
  const groups: Partial<Record<NestedOption, Readonly<Record<string, unknown>>>> = {};
  const given = (path: OptionPath): unknown => {
    const [first, key] = path.split('.') as [string, string | undefined];
    return key === undefined ? user[first] : groups[first as NestedOption]?.[key];
  };
  // Until the early settings are read, their own (fixed) defaults are all that is asked of it.
  let context: DefaultContext = { applicationId: '', guarantee: 'at_least_once', logLevel: 'warn' };
  const readSetting = (path: OptionPath): void => {
    const setting = settingAt(path);
    const value = given(path);
    const defaultValue = defaultOf(setting, context);
    if (value === undefined && setting.required !== undefined) issues.add(path, setting.required);
    values.set(path, value === undefined ? defaultValue : setting.read.read(issues, path, value, defaultValue));
  };

  // The required settings and those the other defaults depend on come first, then the groups'
  // shape and keys, then every other setting in the order of the table.
  for (const path of OPTION_PATHS) if (settingAt(path).early) readSetting(path);
  context = {
    applicationId: values.get('applicationId') as string,
    guarantee: values.get('processingGuarantee') as DefaultContext['guarantee'],
    logLevel: values.get('logLevel') as DefaultContext['logLevel'],
  };
  for (const level of NESTED) groups[level] = readGroup(issues, level, user[level]);
  for (const level of NESTED) checkUnknownKeys(issues, level, groups[level]!);
  for (const path of OPTION_PATHS) if (!settingAt(path).early) readSetting(path);

  const resolved = assemble(values);
  // The guarantee as written, for messages; only read when the guarantee was valid.
  const written = (user['processingGuarantee'] as ProcessingGuarantee | undefined) ?? 'at_least_once';
  const input: RuleInput = { ...resolved, written, guarantee: context.guarantee, isSet: (path) => valueAt(user, path) !== undefined };
  // Contradictions with an unknown guarantee would be guesses: report the guarantee alone.
  const guaranteeKnown = !issues.has('processingGuarantee');
  if (guaranteeKnown) checkRequirements(issues, input, (path) => values.get(path));
  for (const rule of CROSS_RULES) {
    if (rule.guarantee === undefined || (guaranteeKnown && rule.guarantee === context.guarantee)) rule.check(issues, input);
  }

  // Secrets are redacted by key in every message; a secret quoted anywhere else is scrubbed too.
  const secrets = secretsOf(user);
  issues.throwIfAny((message) => scrubSecrets(message, secrets));
  return secure(resolved, secrets);
}

/**
 * The resolved config made safe to print and to log (docs/security.md): it, its `ssl` and its
 * `sasl` print with their secrets redacted, and its logger never writes the config's secrets
 * (which covers the Kafka client's lines, written through it).
 */
function secure(resolved: ResolvedStreamsConfig, secrets: readonly string[]): ResolvedStreamsConfig {
  const copy: Record<string, unknown> = { ...resolved };
  if (typeof resolved.ssl === 'object') copy['ssl'] = redactWhenPrinted({ ...resolved.ssl }, 'ssl');
  if (resolved.sasl !== null) copy['sasl'] = redactWhenPrinted({ ...resolved.sasl }, 'sasl');
  copy['logger'] = redactingLogger(resolved.logger, secrets);
  return Object.freeze(redactWhenPrinted(copy)) as unknown as ResolvedStreamsConfig;
}

/** Builds the resolved config from the values read, groups nested, every object frozen. */
function assemble(values: ReadonlyMap<OptionPath, unknown>): ResolvedStreamsConfig {
  const result: Record<string, unknown> = {};
  for (const [path, value] of values) {
    const [first, key] = path.split('.') as [string, string | undefined];
    if (key === undefined) result[first] = value;
    else ((result[first] ??= {}) as Record<string, unknown>)[key] = value;
  }
  for (const level of NESTED) Object.freeze(result[level]);
  return Object.freeze(result) as unknown as ResolvedStreamsConfig;
}

/** Reads a group of nested settings such as `producer`: a plain object, or nothing. */
function readGroup(issues: IssueList, path: NestedOption, value: unknown): Readonly<Record<string, unknown>> {
  if (value === undefined) return {};
  if (isPlainObject(value)) return value;
  issues.add(
    path,
    `${path} = ${formatValue(value, path)} is not allowed: it must be an object of ${path} settings. ` +
      `Fix: write ${path}: { ... }, or remove it to use the defaults.`,
  );
  return {};
}

/**
 * Reports every key of a settings object that is not a setting at that level, with the most
 * likely fix: the closest known name (`comitIntervalMs` -> `commitIntervalMs`), the level a
 * known name belongs to (`acks` at the top -> `producer.acks`), or the Rivulet name of a Kafka
 * property (`commit.interval.ms` -> `commitIntervalMs`).
 */
function checkUnknownKeys(issues: IssueList, level: '' | NestedOption, settings: Readonly<Record<string, unknown>>): void {
  const known = OPTIONS_BY_LEVEL[level];
  for (const key of Object.keys(settings)) {
    if (known.includes(key)) continue;
    const path = level === '' ? key : `${level}.${key}`;
    issues.add(path, `Unknown setting ${path} (${shownUnknown(settings[key], path)}). ${suggest(level, key, known)}`);
  }
}

/**
 * The value of an unknown setting, for its message: numbers and booleans as they are, text and
 * objects only by kind, since an unknown key may be a misspelled secret (`pasword`) whose value the
 * redaction cannot recognize by its name (docs/security.md).
 */
function shownUnknown(value: unknown, path: string): string {
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return `= ${formatValue(value, path)}`;
}

function suggest(level: '' | NestedOption, key: string, known: readonly string[]): string {
  const prefix = level === '' ? '' : `${level}.`;
  const path = `${prefix}${key}`;

  // A right name at the wrong level: `acks` at the top, `commitIntervalMs` in producer.
  const targets = (Object.keys(OPTIONS_BY_LEVEL) as ('' | NestedOption)[])
    .filter((other) => other !== level && OPTIONS_BY_LEVEL[other].includes(key))
    .map((other) => (other === '' ? key : `${other}.${key}`));
  if (targets.length > 0) {
    const target = targets.join(' or ');
    return `Did you mean ${target}? Fix: move ${path} to ${target}.`;
  }

  const fromKafka = optionForKafkaProperty(key);
  if (fromKafka !== undefined) {
    return `${key} is Kafka's property name; Rivulet's setting is ${fromKafka}. Fix: write ${fromKafka} instead of ${path}.`;
  }

  const near = closestMatch(key, known);
  if (near !== undefined) return `Did you mean ${prefix}${near}? Fix: rename ${path} to ${prefix}${near}.`;

  const where = level === '' ? 'at the top level' : `in ${level}`;
  return `Fix: remove it; the settings allowed ${where} are ${known.join(', ')}.`;
}

/** The value at a dotted path of the user's config, or `undefined`. */
function valueAt(config: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown = config;
  for (const key of path.split('.')) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}
