/**
 * How an app's config reaches its stream threads. A worker gets only what `postMessage` can clone:
 * plain data. A setting that holds a function (a serde, a handler function, a partitioner,
 * `traceContext`, a restore listener, a SASL token provider) must come from the thread's module
 * instead. Two settings stay on the main thread and serve every thread: the `logger` (threads log
 * through it unless their module gives one) and the `uncaughtExceptionHandler` (it decides what
 * happens to a thread that failed).
 */
import { join } from 'node:path';
import { ConfigError, type ConfigIssue } from '../../config/config-error.js';
import type { ResolvedStreamsConfig, StreamsConfig } from '../../config/streams-config.js';

/** Settings the main thread keeps: they serve all threads from there. */
export const MAIN_THREAD_SETTINGS: ReadonlySet<string> = new Set(['logger', 'uncaughtExceptionHandler']);

/** Settings a thread's module cannot give: they name the app and its place, and must be the same for every thread. */
export const APP_SETTINGS: ReadonlySet<string> = new Set(['applicationId', 'brokers', 'clientId', 'stateDir', 'numStreamThreads', 'uncaughtExceptionHandler', 'applicationServer']);

/** The name of thread `index` of an app with this client id: Kafka Streams' `<client.id>-StreamThread-<n>`. */
export function threadName(clientId: string, index: number): string {
  return `${clientId}-StreamThread-${index}`;
}

/**
 * The state directory of thread `index`: a folder of its own under the app's, so threads never
 * contend for a task's folder (`<stateDir>/<applicationId>/StreamThread-<n>`).
 */
export function threadStateDir(config: Pick<ResolvedStreamsConfig, 'stateDir' | 'applicationId'>, index: number): string {
  return join(config.stateDir, config.applicationId, `StreamThread-${index}`);
}

/** Whether a value is plain data that crosses to a worker unchanged: no function, no class instance (whose methods would be lost). */
export function isPlainData(value: unknown, depth = 0): boolean {
  if (value === null || value === undefined) return true;
  const type = typeof value;
  if (type === 'function' || type === 'symbol') return false;
  if (type !== 'object') return true;
  if (depth > 20) return false;
  if (value instanceof Uint8Array || value instanceof RegExp || value instanceof Date) return true;
  if (Array.isArray(value)) return value.every((v) => isPlainData(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value as Record<string, unknown>).every((v) => isPlainData(v, depth + 1));
}

/**
 * The settings of a user config that cannot be sent to a stream thread (they hold functions or
 * class instances), by dotted path; the main thread's own settings are not counted.
 */
export function settingsNotSendable(config: StreamsConfig): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(config as unknown as Record<string, unknown>)) {
    if (MAIN_THREAD_SETTINGS.has(key) || value === undefined) continue;
    if ((key === 'producer' || key === 'consumer' || key === 'retry') && value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
      for (const [inner, v] of Object.entries(value as Record<string, unknown>)) if (!isPlainData(v)) out.push(`${key}.${inner}`);
    } else if (!isPlainData(value)) {
      out.push(key);
    }
  }
  return out;
}

/**
 * The config check of the module form: the settings that hold functions must come from the
 * module, each named with the fix.
 *
 * @throws ConfigError naming each such setting.
 */
export function assertSendable(config: StreamsConfig): void {
  const issues = settingsNotSendable(config).map(
    (path): ConfigIssue => ({
      setting: path,
      message:
        `${path} holds a function or a class instance, which cannot be sent to a stream thread (a worker thread). ` +
        `Fix: remove ${path} from the app's config and return it from the thread module's factory instead: ` +
        `({ topology, config: { ${path.split('.')[0]}: ... } }).`,
    }),
  );
  const [first, ...rest] = issues;
  if (first !== undefined) throw new ConfigError([first, ...rest]);
}

/**
 * The config given to the plain `new StreamsApp(topology, config)`, checked for
 * `numStreamThreads`: that constructor runs one processing loop, on the topology it was given,
 * which cannot be copied to other threads.
 *
 * @throws ConfigError naming numStreamThreads and the module form.
 */
export function assertSingleThread(config: Pick<ResolvedStreamsConfig, 'numStreamThreads'>): void {
  if (config.numStreamThreads === 1) return;
  throw new ConfigError([
    {
      setting: 'numStreamThreads',
      message:
        `numStreamThreads = ${config.numStreamThreads} needs the module form: new StreamsApp(topology, config) runs one stream thread, ` +
        'and a topology (its processors are functions) cannot be sent to other threads. ' +
        "Fix: move the topology into a module whose default export builds it, (thread) => topology, and create the app with StreamsApp.fromModule(new URL('./topology.js', import.meta.url), config); " +
        'or remove numStreamThreads.',
    },
  ]);
}

/**
 * What a thread gets of the user's config: the sendable settings as given (the thread resolves
 * them again, with the module's), its own client id and state directory, one thread.
 */
export function threadConfig(user: StreamsConfig, resolved: ResolvedStreamsConfig, index: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(user as unknown as Record<string, unknown>)) {
    if (MAIN_THREAD_SETTINGS.has(key) || value === undefined) continue;
    out[key] = value;
  }
  out['clientId'] = threadName(resolved.clientId, index);
  out['stateDir'] = threadStateDir(resolved, index);
  delete out['numStreamThreads'];
  return out;
}

/**
 * The config a thread's app runs with: the app's, then what the module gives. The module may not
 * change what names the app and its place.
 *
 * @throws ConfigError naming each setting the module may not give.
 */
export function mergeModuleConfig(fromApp: Readonly<Record<string, unknown>>, fromModule: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  if (fromModule === undefined) return { ...fromApp };
  const issues: ConfigIssue[] = Object.keys(fromModule)
    .filter((key) => APP_SETTINGS.has(key))
    .map((key) => ({
      setting: key,
      message: `${key} was returned by the stream thread module's factory, but it is the app's to set. Fix: set ${key} in the config given to StreamsApp.fromModule, and remove it from the module's config.`,
    }));
  const [first, ...rest] = issues;
  if (first !== undefined) throw new ConfigError([first, ...rest]);
  const merged: Record<string, unknown> = { ...fromApp };
  for (const [key, value] of Object.entries(fromModule)) {
    const base = merged[key];
    // producer / consumer / retry: the module's keys over the app's.
    merged[key] =
      (key === 'producer' || key === 'consumer' || key === 'retry') && typeof base === 'object' && base !== null && typeof value === 'object' && value !== null
        ? { ...(base as object), ...(value as object) }
        : value;
  }
  return merged;
}
