/**
 * The app the crash tests run in child processes: `countingTopology` (each input record copied to
 * `copies`, the running per-key count from the store `counts` written to `counts`) in a StreamsApp.
 *
 * Run it from the repository root:
 *
 *   node --conditions=@rivulet/source --import tsx packages/core/test/crash/crash-app.ts \
 *     --brokers 127.0.0.1:9092 --application-id app --input in --copies copies --counts counts \
 *     --guarantee exactly_once --state-dir /tmp/rivulet-crash/app-a
 *
 * Every option may also come from the environment: `--application-id` from
 * `CRASH_APPLICATION_ID`, and so on (`--brokers` also from `KAFKA_BROKERS`).
 *
 * It prints one JSON line per event on stdout, for the parent to follow:
 *   {"event":"state","state":"..."}       each state change (CREATED is not reported)
 *   {"event":"started"}                   when start() resolved
 *   {"event":"running","tasks":[...]}     each time the app reaches RUNNING
 *   {"event":"rebalance","gained":[...],"lost":[...],"tasks":[...],"durationMs":n}
 *   {"event":"error","message":"..."}     errors the app reports (recovered or fatal)
 *   {"event":"log","level":"info"|"warn"|"error","message":"..."}  its warnings and errors (also on
 *                                         stderr), and Rivulet's own info lines (on stderr per --log-level)
 *   {"event":"metrics","state":"...","tasks":[...],"recordsProcessed":n}  every --metrics-interval-ms
 *   {"event":"option-unsupported","message":"..."}  an option this build of StreamsConfig rejects
 *   {"event":"restore-start","topic":"...","partition":n,"store":"...","start":"o","end":"o","at":ms}
 *   {"event":"restore-end","topic":"...","partition":n,"store":"...","restored":n,"at":ms}
 *                                         each changelog partition a task restores (the app's
 *                                         stateRestoreListener), `at` the wall-clock time in ms
 *   {"event":"closed","state":"NOT_RUNNING"|"ERROR"}
 * The library owns no signal: this entry point closes the app on SIGTERM/SIGINT itself, with a
 * deadline (--shutdown-timeout-ms, default 30 s) after which it exits 1. Otherwise it never calls
 * process.exit: the process exits by itself once nothing is left running, 0 after a clean close,
 * 1 after a fatal error (ERROR), so a test also sees a process that outlives its app.
 *
 * `--task-timeout-ms` is passed as StreamsConfig's `taskTimeoutMs` (issue 11: how long a task may
 * retry retriable errors before they are fatal). While the option does not exist yet the config
 * rejects it: the app then runs without it and says so with an `option-unsupported` event.
 *
 * `--standbys n` is StreamsConfig's `numStandbyReplicas` (default 0).
 */
import { createHook } from 'node:async_hooks';
import { parseArgs } from 'node:util';
import { createConsoleLogger, StreamsApp, type LogLevel, type Logger, type ProcessingGuarantee, type StreamsConfig } from '../../src/index.js';
import { countingTopology } from '../support/topologies.js';

const OPTIONS = {
  brokers: { type: 'string' },
  'application-id': { type: 'string' },
  input: { type: 'string' },
  copies: { type: 'string' },
  counts: { type: 'string' },
  guarantee: { type: 'string' },
  'state-dir': { type: 'string' },
  'client-id': { type: 'string' },
  store: { type: 'string' },
  'commit-interval-ms': { type: 'string' },
  'session-timeout-ms': { type: 'string' },
  'heartbeat-interval-ms': { type: 'string' },
  'rebalance-timeout-ms': { type: 'string' },
  'max-bytes-per-partition': { type: 'string' },
  'shutdown-timeout-ms': { type: 'string' },
  'log-level': { type: 'string' },
  'task-timeout-ms': { type: 'string' },
  'metrics-interval-ms': { type: 'string' },
  standbys: { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;

const { values } = parseArgs({ options: OPTIONS, strict: true });

function envName(name: OptionName): string {
  return `CRASH_${name.toUpperCase().replaceAll('-', '_')}`;
}

function option(name: OptionName): string | undefined {
  return values[name] ?? process.env[envName(name)];
}

function required(name: OptionName): string {
  const value = option(name) ?? (name === 'brokers' ? process.env['KAFKA_BROKERS'] : undefined);
  if (value === undefined || value === '') throw new Error(`crash-app: --${name} (or ${envName(name)}) is required`);
  return value;
}

function integer(name: OptionName): number | undefined {
  const value = option(name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`crash-app: --${name} must be an integer, got '${value}'`);
  return n;
}

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

const GUARANTEES: readonly ProcessingGuarantee[] = ['at_most_once', 'at_least_once', 'exactly_once', 'exactly_once_v2'];
const guarantee = required('guarantee') as ProcessingGuarantee;
if (!GUARANTEES.includes(guarantee)) throw new Error(`crash-app: --guarantee must be one of ${GUARANTEES.join(', ')}, got '${guarantee}'`);
const store = option('store') ?? 'memory';
if (store !== 'memory' && store !== 'persistent') throw new Error(`crash-app: --store must be memory or persistent, got '${store}'`);

const consumer: NonNullable<StreamsConfig['consumer']> = {};
const sessionTimeoutMs = integer('session-timeout-ms');
const heartbeatIntervalMs = integer('heartbeat-interval-ms');
const rebalanceTimeoutMs = integer('rebalance-timeout-ms');
if (sessionTimeoutMs !== undefined) consumer.sessionTimeoutMs = sessionTimeoutMs;
if (heartbeatIntervalMs !== undefined) consumer.heartbeatIntervalMs = heartbeatIntervalMs;
if (rebalanceTimeoutMs !== undefined) consumer.rebalanceTimeoutMs = rebalanceTimeoutMs;
const maxBytesPerPartition = integer('max-bytes-per-partition');
if (maxBytesPerPartition !== undefined) consumer.maxBytesPerPartition = maxBytesPerPartition;
const commitIntervalMs = integer('commit-interval-ms');

// The console logger (stderr), and warnings and errors also as events, and Rivulet's own info
// lines too (not kafkajs's), whatever the console level: a fenced or migrated task is logged at
// info, and the zombie and fault tests wait for it.
const logLevel = (option('log-level') ?? 'warn') as LogLevel;
const consoleLogger = createConsoleLogger(logLevel);
const logger: Logger = {
  debug: consoleLogger.debug,
  info: (message, extra) => {
    consoleLogger.info(message, extra);
    if (!message.startsWith('[kafkajs]')) emit({ event: 'log', level: 'info', message });
  },
  warn: (message, extra) => {
    consoleLogger.warn(message, extra);
    emit({ event: 'log', level: 'warn', message });
  },
  error: (message, extra) => {
    consoleLogger.error(message, extra);
    emit({ event: 'log', level: 'error', message });
  },
};

const topology = countingTopology(required('input'), required('copies'), required('counts'), { persistent: store === 'persistent' });
const taskTimeoutMs = integer('task-timeout-ms');
const numStandbyReplicas = integer('standbys');
const config: StreamsConfig = {
  applicationId: required('application-id'),
  brokers: required('brokers'),
  processingGuarantee: guarantee,
  stateDir: required('state-dir'),
  // The group's member ids start with the client id: a test can order the members by it.
  ...(option('client-id') !== undefined ? { clientId: option('client-id') } : {}),
  logLevel,
  logger,
  consumer,
  ...(commitIntervalMs !== undefined ? { commitIntervalMs } : {}),
  ...(numStandbyReplicas !== undefined ? { numStandbyReplicas } : {}),
  stateRestoreListener: {
    onRestoreStart: (tp, storeName, start, end) => emit({ event: 'restore-start', topic: tp.topic, partition: tp.partition, store: storeName, start, end, at: Date.now() }),
    onRestoreEnd: (tp, storeName, restored) => emit({ event: 'restore-end', topic: tp.topic, partition: tp.partition, store: storeName, restored, at: Date.now() }),
  },
};

/** The app, with `taskTimeoutMs` if StreamsConfig takes it (a cast while it is not in the type yet). */
function createApp(): StreamsApp {
  if (taskTimeoutMs === undefined) return new StreamsApp(topology, config);
  try {
    return new StreamsApp(topology, { ...config, taskTimeoutMs } as StreamsConfig);
  } catch (err) {
    if (!/taskTimeoutMs/.test((err as Error).message)) throw err;
    emit({ event: 'option-unsupported', message: `taskTimeoutMs=${taskTimeoutMs} rejected: ${(err as Error).message.split('\n')[0]}` });
    return new StreamsApp(topology, config);
  }
}

/**
 * RIVULET_TRACE_HANDLES=1: where each socket and timer still open was made (a stack per handle),
 * for the alive-after-close event. Off by default: it costs a stack per timer.
 */
const handleStacks = new Map<number, string>();
if (process.env['RIVULET_TRACE_HANDLES'] === '1') {
  Error.stackTraceLimit = 60;
  createHook({
    init(asyncId, type) {
      if (type === 'TCPWRAP' || type === 'Timeout') handleStacks.set(asyncId, `${type}${String(new Error().stack).split('\n').slice(2, 40).filter((l) => !l.includes('node:internal')).join(' <')}`);
    },
    destroy(asyncId) {
      handleStacks.delete(asyncId);
    },
  }).enable();
}

/** What keeps the event loop alive: sockets with their peers, timers with their callbacks. */
function activeHandles(): string[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.map((h) => {
    const name = (h as object).constructor?.name ?? typeof h;
    if (name === 'Socket') {
      const s = h as { remoteAddress?: string; remotePort?: number; fd?: number };
      return `Socket ${s.remoteAddress ?? ''}:${s.remotePort ?? ''}`;
    }
    if (name === 'Timeout') {
      const t = h as { _onTimeout?: { name?: string; toString(): string }; _idleTimeout?: number; hasRef?: () => boolean };
      return `Timeout ${t._idleTimeout} ms ref=${t.hasRef?.()} ${String(t._onTimeout?.toString() ?? '').slice(0, 160).replace(/\s+/g, ' ')}`;
    }
    return name;
  }).concat([`resources: ${process.getActiveResourcesInfo().join(', ')}`], [...handleStacks.values()]);
}

const app = createApp();

app.state$.subscribe({
  next: (state) => {
    if (state !== 'CREATED') emit({ event: 'state', state });
    if (state === 'RUNNING') emit({ event: 'running', tasks: app.metrics().tasks });
  },
  complete: () => {
    emit({ event: 'closed', state: app.state, recordsProcessed: app.metrics().recordsProcessed });
    // No process.exit(0) here: a clean close must release every socket and timer, so the process
    // ending by itself is part of what the graceful-shutdown test checks.
    if (app.state !== 'NOT_RUNNING') process.exitCode = 1;
    // A process still alive 5 s after its app closed says what holds it (the test then fails on
    // the exit; this names the culprit). Unref'd: it does not keep the process alive itself.
    setTimeout(() => emit({ event: 'alive-after-close', handles: activeHandles() }), 5_000).unref();
  },
});
app.rebalances$.subscribe((e) => emit({ event: 'rebalance', gained: e.gained, lost: e.lost, tasks: e.tasks, durationMs: e.durationMs }));
app.errors$.subscribe((e) => emit({ event: 'error', message: e.message }));

const metricsIntervalMs = integer('metrics-interval-ms');
if (metricsIntervalMs !== undefined) {
  app.metrics$(metricsIntervalMs).subscribe((m) => emit({ event: 'metrics', state: m.state, tasks: m.tasks, recordsProcessed: m.recordsProcessed }));
}

// The entry point, not the library, owns the process: SIGTERM/SIGINT close the app, and a close
// that outlasts the deadline exits 1 (the timer is unref'd: it does not keep a closed app alive).
const shutdownTimeoutMs = integer('shutdown-timeout-ms') ?? 30_000;
const onSignal = (signal: NodeJS.Signals): void => {
  consoleLogger.info(`${signal} received: closing`);
  const force = setTimeout(() => {
    consoleLogger.error(`close did not finish within ${shutdownTimeoutMs} ms; exiting`);
    process.exit(1);
  }, shutdownTimeoutMs);
  force.unref();
  void app.close().finally(() => clearTimeout(force));
};
process.once('SIGTERM', onSignal);
process.once('SIGINT', onSignal);

app.start().then(
  () => emit({ event: 'started' }),
  (err: unknown) => {
    emit({ event: 'error', message: `start failed: ${(err as Error).message}` });
    process.exitCode = 1;
  },
);
