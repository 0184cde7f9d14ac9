/**
 * The entry of a stream thread's worker: loads the user's module, builds the thread's topology and
 * settings with its factory, runs them as one `StreamsApp` (one consumer, one producer, one task
 * manager: Kafka Streams' StreamThread), reports its state, errors and logs to the supervisor, and
 * answers its synchronous queries (interactive queries, metrics, health). See
 * docs/operating.md#stream-threads.
 *
 * Loaded by the bootstrap of worker-launch.ts, never imported by the main thread.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger, LogLevel } from '../../config/logger.js';
import type { StreamsConfig } from '../../config/streams-config.js';
import type { Topology } from '../../topology/topology.js';
import { StreamsApp, type StoreQueryOptions } from '../streams-app.js';
import { mergeModuleConfig } from './thread-config.js';
import type { StreamThreadFactory, StreamThreadSetup } from './stream-thread-module.js';
import { serializeError, type ThreadCommand, type ThreadEvent, type ThreadMetadata, type ThreadQuery, type ThreadStart } from './thread-protocol.js';
import { serveSyncQueries } from './sync-query.js';
import { threadMetrics } from './thread-queries.js';

/** The port to the supervisor. */
function port(): NonNullable<typeof parentPort> {
  if (parentPort === null) throw new Error('stream-thread-worker runs in a worker thread only');
  return parentPort;
}

function post(event: ThreadEvent): void {
  try {
    port().postMessage(event);
  } catch {
    // Log fields that cannot be cloned: send the line without them.
    if (event.type === 'log') port().postMessage({ ...event, fields: { fields: String(event.fields) } });
  }
}

/** A logger that sends each line to the supervisor's logger, with the thread's name. */
function forwardingLogger(thread: string): Logger {
  const line =
    (level: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void =>
      post({ type: 'log', level, message, fields: { ...fields, streamThread: thread } });
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

/** Loads the user's module: through require when TypeScript is compiled by tsx's require hook (see worker-launch.ts). */
async function loadModule(start: ThreadStart): Promise<Record<string, unknown>> {
  if (start.tsxCjs !== undefined) return createRequire(start.moduleUrl)(fileURLToPath(start.moduleUrl)) as Record<string, unknown>;
  return (await import(start.moduleUrl)) as Record<string, unknown>;
}

/** The factory the module exports, or an error that says what the module must export. */
function factoryOf(mod: Record<string, unknown>, start: ThreadStart): StreamThreadFactory {
  let candidate = mod[start.exportName];
  // A default export seen through a CommonJS interop wrapper.
  if (typeof candidate !== 'function' && start.exportName === 'default' && typeof candidate === 'object' && candidate !== null) {
    candidate = (candidate as Record<string, unknown>)['default'];
  }
  if (typeof candidate !== 'function') {
    const what = start.exportName === 'default' ? 'a default export' : `an export named '${start.exportName}'`;
    throw new Error(
      `the stream thread module ${start.moduleUrl} has no factory: it needs ${what} that is a function (thread) => Topology | { topology, config }. ` +
        'Fix: export default defineStreamThread((thread) => ...) from it.',
    );
  }
  return candidate as StreamThreadFactory;
}

/** Splits what the factory returned into the topology and the module's settings. */
function setupParts(setup: StreamThreadSetup): { topology: Topology; config: Record<string, unknown> | undefined } {
  if (typeof setup === 'object' && setup !== null && 'topology' in setup && typeof (setup as { topology?: unknown }).topology === 'object') {
    const { topology, config } = setup as { topology: Topology; config?: Record<string, unknown> };
    return { topology, config };
  }
  return { topology: setup as Topology, config: undefined };
}

/** Runs a store query on the thread's app; ranges are read out into arrays, to cross back. */
function storeQuery(app: StreamsApp, q: Extract<ThreadQuery, { type: 'store' }>): unknown {
  const options: StoreQueryOptions = { staleReads: q.staleReads };
  const view: Record<string, unknown> =
    q.kind === 'key-value'
      ? (app.store(q.store, options) as unknown as Record<string, unknown>)
      : q.kind === 'window'
        ? (app.windowStore(q.store, options) as unknown as Record<string, unknown>)
        : q.kind === 'timestamped-window'
          ? (app.timestampedWindowStore(q.store, options) as unknown as Record<string, unknown>)
          : q.kind === 'session'
            ? (app.sessionStore(q.store, options) as unknown as Record<string, unknown>)
            : (app.versionedStore(q.store, options) as unknown as Record<string, unknown>);
  const method = view[q.method];
  if (typeof method !== 'function') throw new Error(`a ${q.kind} store view has no method ${q.method}`);
  const result = (method as (...args: unknown[]) => unknown).apply(view, q.args as unknown[]);
  if (result !== null && typeof result === 'object' && Symbol.iterator in result && !Array.isArray(result) && !ArrayBuffer.isView(result)) {
    return [...(result as Iterable<unknown>)];
  }
  return result;
}

/** The thread's answer to a `metadata` query. */
function threadMetadata(app: StreamsApp): ThreadMetadata {
  const storeNames = [...app.topology.stores().keys(), ...app.topology.globalStores().keys()];
  return { storeNames, snapshot: app.metadataSnapshot() };
}

async function main(): Promise<void> {
  const start = workerData as ThreadStart;
  let app: StreamsApp | undefined;
  let closeAsked = false;
  let go: () => void = () => undefined;
  const mayStart = new Promise<void>((resolve) => (go = resolve));
  port().on('message', (command: ThreadCommand) => {
    if (command.type === 'start') return go();
    closeAsked = true;
    go();
    void app?.close();
  });
  let stopQueries = (): void => undefined;
  try {
    const mod = await loadModule(start);
    const setup = await factoryOf(mod, start)({ index: start.index, name: start.name, data: start.data });
    const { topology, config: fromModule } = setupParts(setup);
    const config = mergeModuleConfig(start.config, fromModule);
    if (start.forwardLogs && config['logger'] === undefined) config['logger'] = forwardingLogger(start.name);
    // The supervisor's handler decides for every thread (REPLACE_THREAD: a new worker). This one
    // stops the thread's app; the fatal event goes after the error itself on errors$.
    config['uncaughtExceptionHandler'] = (error: Error) => {
      queueMicrotask(() => post({ type: 'fatal', error: serializeError(error) }));
      return 'SHUTDOWN_CLIENT';
    };
    app = new StreamsApp(topology, config as unknown as StreamsConfig);
  } catch (err) {
    // The module, its factory or the config failed before there was an app to report it.
    post({ type: 'error', error: serializeError(err) });
    post({ type: 'start-failed', error: serializeError(err) });
    post({ type: 'closed', state: 'ERROR' });
    port().close();
    return;
  }
  const running = app;
  const threadClientId = running.config.clientId;
  stopQueries = serveSyncQueries(start.queries, start.signal, (q) => {
    if (q.type === 'metrics') {
      const m = running.metrics();
      return { ...m, all: threadMetrics(m.all, threadClientId) };
    }
    if (q.type === 'health') return running.health(q.livenessWindowMs);
    if (q.type === 'metadata') return threadMetadata(running);
    return storeQuery(running, q);
  });
  running.errors$.subscribe((error) => post({ type: 'error', error: serializeError(error) }));
  running.rebalances$.subscribe((event) => post({ type: 'rebalance', event }));
  running.state$.subscribe({
    next: (state) => post({ type: 'state', state }),
    complete: () => {
      stopQueries();
      post({ type: 'closed', state: running.state });
      port().close();
    },
  });
  // Built: the supervisor says when to join the group, once every thread is built, so that the
  // threads join together rather than each one's join rebalancing the others' work.
  post({ type: 'built' });
  await mayStart;
  if (closeAsked) {
    await running.close();
    return;
  }
  try {
    await running.start();
    post({ type: 'started' });
  } catch (err) {
    // The app put the error on errors$ already.
    post({ type: 'start-failed', error: serializeError(err) });
  }
}

void main();
