/**
 * Secrets never leave an app in its output: the one place that knows which settings hold secrets
 * (passwords, SASL tokens and providers, TLS private keys and their passphrases, registry
 * credentials), and the helpers every output path uses to hide them: config error messages, the
 * printed config (`util.inspect`, `JSON.stringify`), the app's logger. See docs/security.md.
 */
import type { Logger } from './logger.js';

/** What a secret is printed as. */
export const REDACTED = '[redacted]';

/** A key whose value is a secret wherever it appears: `sasl.password`, `secretAccessKey`, `basic.auth.user.info`, ... */
const SECRET_KEY = /password|passwd|secret|token|credential|passphrase|oauthbearer|api[._-]?key|^authorization$/i;

/** Confluent's `basic.auth.user.info` (`user:password`), whose key has dots of its own. */
const USER_INFO = /user[._-]?info$/i;

/** Node's TLS options that hold the client's private identity: secret under `ssl` or `tls`. */
const TLS_SECRET_KEYS: ReadonlySet<string> = new Set(['key', 'pfx', 'cert']);
const TLS_PARENT = /^(ssl|tls)$/i;

/** Settings whose whole value is secret when it is not an object of fields: `sasl: 'user:pass'`, `ssl: '<pem>'`. */
const SECRET_CONTAINER = /^(ssl|sasl|tls|auth)$/i;

/** Node's `util.inspect.custom`, by its registered name (no `node:util` import needed). */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Secrets shorter than this are redacted by key but not searched for in free text (logs, messages). */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * Whether a setting holds a secret, by its dotted path: its last key names a password, secret,
 * token, credential, passphrase or OAuth bearer provider (in any case), or it is a private key,
 * client certificate or PFX under `ssl` / `tls` (`ssl.key`, `tls.pfx`). A CA (`ssl.ca`) is not a
 * secret.
 *
 * @param path - A dotted path such as `'sasl.password'`, `'ssl.key'` or `'producer.acks'`.
 * @returns `true` if the value at that path must never be printed.
 *
 * @example
 * ```ts
 * isSecretSetting('sasl.password');  // true
 * isSecretSetting('ssl.key');        // true
 * isSecretSetting('ssl.ca');         // false
 * isSecretSetting('sasl.username');  // false
 * ```
 */
export function isSecretSetting(path: string): boolean {
  const keys = path.split('.');
  const last = keys[keys.length - 1] ?? '';
  if (SECRET_KEY.test(last) || USER_INFO.test(path)) return true;
  const parent = keys[keys.length - 2];
  return parent !== undefined && TLS_PARENT.test(parent) && TLS_SECRET_KEYS.has(last);
}

/**
 * A copy of a value safe to print: every secret setting in it (see {@link isSecretSetting})
 * replaced by `'[redacted]'`, at any depth of plain objects and arrays. Other objects (class
 * instances, buffers, functions) are kept as they are; an empty or missing secret is kept, as it
 * tells nothing. A value that is itself at a secret path is redacted whole.
 *
 * @param value - What to copy: a config, a group of settings, one value.
 * @param path - The dotted path of `value` in its config, `''` for the whole config.
 * @returns The copy, or `value` itself when it holds nothing to redact.
 *
 * @example
 * ```ts
 * redactSecrets({ sasl: { mechanism: 'plain', username: 'app', password: 'hunter2' } });
 * // { sasl: { mechanism: 'plain', username: 'app', password: '[redacted]' } }
 * ```
 */
export function redactSecrets<T>(value: T, path = ''): T {
  return redactAt(value, path, new WeakSet()) as T;
}

function redactAt(value: unknown, path: string, seen: WeakSet<object>): unknown {
  if (value === undefined || value === null || value === '') return value;
  if (path !== '' && isSecretSetting(path)) return REDACTED;
  const last = path.slice(path.lastIndexOf('.') + 1);
  if (SECRET_CONTAINER.test(last) && (typeof value === 'string' || typeof value === 'number')) return REDACTED;
  if (typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  const child = (key: string | number): string => (path === '' ? String(key) : `${path}.${key}`);
  if (Array.isArray(value)) {
    seen.add(value);
    const copy = value.map((item, i) => redactAt(item, child(i), seen));
    seen.delete(value);
    return copy;
  }
  if (!isPlain(value)) return value;
  seen.add(value);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = redactAt(item, child(key), seen);
  seen.delete(value);
  return copy;
}

function isPlain(value: object): value is Record<string, unknown> {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The secret strings of a config, for searching free text: the string values at secret settings
 * (see {@link isSecretSetting}) and, under `ssl`/`tls`, the text of key and PFX buffers. Secrets
 * shorter than 4 characters are left out (they are still redacted by key).
 *
 * @param config - A user's config, or any object of settings.
 * @returns The distinct secrets, longest first (so a secret containing another is replaced whole).
 */
export function secretsOf(config: unknown): string[] {
  const found = new Set<string>();
  const walk = (value: unknown, path: string, seen: WeakSet<object>): void => {
    if (value === null || value === undefined) return;
    const secret = path !== '' && isSecretSetting(path);
    if (secret && typeof value === 'string') {
      if (value.length >= MIN_SCRUBBED_LENGTH) found.add(value);
      return;
    }
    if (secret && Buffer.isBuffer(value)) {
      const text = value.toString('utf8');
      if (text.length >= MIN_SCRUBBED_LENGTH) found.add(text);
      return;
    }
    if (typeof value !== 'object' || seen.has(value) || !(Array.isArray(value) || isPlain(value))) return;
    seen.add(value);
    for (const [key, item] of Object.entries(value)) walk(item, path === '' ? key : `${path}.${key}`, seen);
  };
  walk(config, '', new WeakSet());
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * Replaces every occurrence of the given secrets in a text by `'[redacted]'`.
 *
 * @param text - A log line, an error message.
 * @param secrets - The secrets, as {@link secretsOf} returns them.
 * @returns The text without them.
 *
 * @example
 * ```ts
 * scrubSecrets('login failed for app:hunter2', ['hunter2']); // 'login failed for app:[redacted]'
 * ```
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

/** The fields of a log call, secrets redacted by key and searched for in every string. */
function scrubFields(value: unknown, secrets: readonly string[], seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubSecrets(value, secrets);
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  if (value instanceof Error) {
    const message = scrubSecrets(value.message, secrets);
    if (message === value.message && !secrets.some((s) => value.stack?.includes(s))) return value;
    return { name: value.name, message, ...(value.stack === undefined ? {} : { stack: scrubSecrets(value.stack, secrets) }) };
  }
  if (!(Array.isArray(value) || isPlain(value))) return value;
  seen.add(value);
  const redacted = redactSecrets(value) as Record<string, unknown> | unknown[];
  const out: Record<string, unknown> | unknown[] = Array.isArray(redacted) ? [] : {};
  for (const [key, item] of Object.entries(redacted)) (out as Record<string, unknown>)[key] = scrubFields(item, secrets, seen);
  seen.delete(value);
  return out;
}

/**
 * A logger that never writes the given secrets: each message and every string in its fields has
 * them replaced by `'[redacted]'`, and fields named as secrets (see {@link isSecretSetting}) are
 * redacted whatever their value. The app's logger is wrapped so when its config holds secrets,
 * which covers the Kafka client's lines too.
 *
 * @param logger - The logger to write to.
 * @param secrets - The secrets, as {@link secretsOf} returns them; none returns `logger` itself.
 * @returns The wrapping logger.
 *
 * @example
 * ```ts
 * const logger = redactingLogger(createConsoleLogger('info'), ['hunter2']);
 * logger.info('connecting with hunter2'); // [rivulet] connecting with [redacted]
 * ```
 */
export function redactingLogger(logger: Logger, secrets: readonly string[]): Logger {
  if (secrets.length === 0) return logger;
  const wrap =
    (method: keyof Logger) =>
    (message: string, extra?: Record<string, unknown>): void => {
      const text = scrubSecrets(String(message), secrets);
      if (extra === undefined) logger[method](text);
      else logger[method](text, scrubFields(extra, secrets, new WeakSet()) as Record<string, unknown>);
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/**
 * Makes an object print without its secrets: `util.inspect` (so `console.log`) and
 * `JSON.stringify` show {@link redactSecrets} of it, while code reading its fields still gets the
 * real values. The hooks are non-enumerable, so spreading the object copies only its settings.
 *
 * @param target - The object; changed in place (before it is frozen).
 * @param path - Its dotted path in the config (`'ssl'`, `'sasl'`), `''` for a whole config.
 * @returns `target`.
 *
 * @example
 * ```ts
 * const sasl = redactWhenPrinted({ mechanism: 'plain', username: 'app', password: 'hunter2' }, 'sasl');
 * JSON.stringify(sasl); // '{"mechanism":"plain","username":"app","password":"[redacted]"}'
 * sasl.password;        // 'hunter2'
 * ```
 */
export function redactWhenPrinted<T extends object>(target: T, path = ''): T {
  const printable = (): unknown => redactSecrets({ ...target }, path);
  Object.defineProperty(target, 'toJSON', { value: printable, enumerable: false, configurable: true });
  Object.defineProperty(target, INSPECT, {
    value: (_depth: number, options: object, inspect: (value: unknown, options: object) => string) => inspect(printable(), options),
    enumerable: false,
    configurable: true,
  });
  return target;
}

/** What an app prints as: enough to tell it apart, its config without secrets, none of its clients. */
interface PrintableApp {
  readonly config: { readonly applicationId: string };
  readonly state: string;
}

/**
 * Makes every instance of an app class print safely: `util.inspect(app)` (so `console.log`) and
 * `JSON.stringify(app)` show its class, `applicationId`, state and config with the secrets
 * redacted, never its Kafka clients or the config it was given as is.
 *
 * @param appClass - `StreamsApp` or `StreamThreadsApp`; its prototype gets the non-enumerable hooks.
 */
export function printAppRedacted(appClass: { readonly name: string; readonly prototype: PrintableApp }): void {
  const printable = (app: PrintableApp): Record<string, unknown> => ({
    applicationId: app.config.applicationId,
    state: app.state,
    config: redactSecrets({ ...app.config }),
  });
  Object.defineProperty(appClass.prototype, 'toJSON', {
    value(this: PrintableApp) {
      return printable(this);
    },
    enumerable: false,
    configurable: true,
  });
  Object.defineProperty(appClass.prototype, INSPECT, {
    value(this: PrintableApp, _depth: number, options: object, inspect: (value: unknown, options: object) => string) {
      return `${appClass.name} ${inspect(printable(this), options)}`;
    },
    enumerable: false,
    configurable: true,
  });
}
