/**
 * Interactive queries and metrics over every stream thread of an app. Each thread answers for the
 * tasks it runs (synchronously, see sync-query.ts); as a task lives in one thread, a read by key
 * takes the first thread that has the key, and a read of many entries gathers every thread's, as
 * `StreamsApp` gathers its tasks' (runtime/internals/stores/composite-store.ts).
 */
import { InvalidStateStoreError } from '../../state/invalid-state-store-error.js';
import type { Metric } from '../../metrics/metric.js';
import { RIVULET_VERSION } from '../../metrics/internals/version.js';
import type { ResolvedStreamsConfig } from '../../config/streams-config.js';
import type { DroppedRecordReason } from '../../processor/dropped-record.js';
import type { QueryableStoreKind } from '../internals/stores/composite-store.js';
import type { HealthStatus, StreamsAppState, StreamsMetrics } from '../streams-app.js';
import type { ThreadQuery } from './thread-protocol.js';

/** One thread as a query sees it. */
export interface QueryTarget {
  /** `<clientId>-StreamThread-<n>`. */
  readonly name: string;
  /** Whether the thread is up and can answer (not starting, not being replaced, not ended). */
  readonly queryable: boolean;
  /** Asks the thread; throws what the query threw there, or a timeout. */
  ask(question: Omit<Extract<ThreadQuery, { type: 'store' }>, 'id'> | { type: 'metrics' } | { type: 'health'; livenessWindowMs: number } | { type: 'metadata' }): unknown;
}

/** The view kinds of `store`, `windowStore`, `timestampedWindowStore`, `sessionStore`, `versionedStore`. */
export type ThreadStoreKind = QueryableStoreKind | 'timestamped-window';

/** How a method's answers from several threads combine. */
type Merge = 'first' | 'first-non-empty' | 'concat' | 'sum' | 'by-window-start' | 'by-window-end';

const METHODS: Readonly<Record<ThreadStoreKind, Readonly<Record<string, Merge>>>> = {
  'key-value': { get: 'first', range: 'concat', all: 'concat', approximateNumEntries: 'sum' },
  versioned: { get: 'first' },
  window: { fetch: 'first', fetchAll: 'by-window-start', all: 'by-window-start' },
  'timestamped-window': { fetch: 'first', fetchAll: 'by-window-start', all: 'by-window-start' },
  session: { fetchSession: 'first', findSessions: 'first-non-empty', fetch: 'first-non-empty', findAllSessions: 'by-window-end', all: 'by-window-end' },
};

/** Bytes come back from a worker as a Uint8Array: make them Buffers again, as the stores hold them. */
export function revive(value: unknown, depth = 0): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i], depth + 1);
    return value;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const o = value as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = revive(o[k], depth + 1);
  }
  return value;
}

/** An error of a thread's query as the caller expects it: an InvalidStateStoreError stays one. */
function queryError(store: string, thread: string, err: unknown): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  if (e.name === 'InvalidStateStoreError') {
    const out = new InvalidStateStoreError(store, '', { cause: e.cause });
    out.message = e.message;
    return out;
  }
  if (e.name === 'ThreadQueryTimeoutError') return new InvalidStateStoreError(store, `${e.message}`, { cause: e });
  if (e.message.includes('has no state store') || e.message.includes('is not a')) return e;
  return new Error(`stream thread ${thread}: ${e.message}`, { cause: e });
}

/**
 * A read-only store view over every thread, of the kind asked for: the object `store(name)`,
 * `windowStore(name)` and the others return. Each call asks the threads in turn.
 */
export function threadStoreView<T>(store: string, kind: ThreadStoreKind, staleReads: boolean, targets: () => readonly QueryTarget[]): T {
  const answers = (method: string, args: unknown[], until?: (v: unknown) => boolean): unknown[] => {
    const out: unknown[] = [];
    for (const t of targets()) {
      if (!t.queryable) {
        if (staleReads) continue;
        throw new InvalidStateStoreError(store, `stream thread ${t.name} is starting or being replaced; query again once the app is RUNNING, or pass { staleReads: true } to read the other threads`);
      }
      let value: unknown;
      try {
        value = revive(t.ask({ type: 'store', store, kind, method, args, staleReads }));
      } catch (err) {
        const error = queryError(store, t.name, err);
        if (staleReads && error instanceof InvalidStateStoreError) continue;
        throw error;
      }
      out.push(value);
      if (until?.(value) === true) break;
    }
    return out;
  };
  const view: Record<string, (...args: unknown[]) => unknown> = {};
  for (const [method, merge] of Object.entries(METHODS[kind])) {
    view[method] = (...args: unknown[]): unknown => {
      // A window store's fetch(key, start) is one value; fetch(key, from, to) a list of windows.
      const how: Merge = method === 'fetch' && (kind === 'window' || kind === 'timestamped-window') && args.length >= 3 ? 'first-non-empty' : merge;
      if (how === 'first') return answers(method, args, (v) => v !== undefined).find((v) => v !== undefined);
      if (how === 'first-non-empty') return answers(method, args, (v) => (v as unknown[]).length > 0).find((v) => (v as unknown[]).length > 0) ?? [];
      if (how === 'sum') return answers(method, args).reduce((n: number, v) => n + (v as number), 0);
      const all = answers(method, args).flatMap((v) => v as unknown[]);
      if (how === 'by-window-start') all.sort((a, b) => windowOf(a).start - windowOf(b).start);
      if (how === 'by-window-end') all.sort((a, b) => windowOf(a).end - windowOf(b).end);
      return all;
    };
  }
  return view as T;
}

function windowOf(entry: unknown): { start: number; end: number } {
  return (entry as { key: { window: { start: number; end: number } } }).key.window;
}

/**
 * The thread's metrics under Kafka Streams' names: its app names its loop `<clientId>-StreamThread-1`
 * and its clientId is already `<app clientId>-StreamThread-<n>`, so the inner suffix goes. The
 * client-level group (stream-metrics) is the supervisor's.
 */
export function threadMetrics(all: readonly Metric[], threadClientId: string): Metric[] {
  const inner = `${threadClientId}-StreamThread-1`;
  const out: Metric[] = [];
  for (const m of all) {
    if (m.group === 'stream-metrics') continue;
    let tags = m.tags;
    for (const [k, v] of Object.entries(m.tags)) {
      if (v.startsWith(inner)) tags = { ...tags, [k]: threadClientId + v.slice(inner.length) };
    }
    out.push(tags === m.tags ? m : { ...m, tags });
  }
  return out;
}

/** Adds up per-reason counts. */
function addReasons(into: Partial<Record<DroppedRecordReason, number>>, from: Readonly<Partial<Record<DroppedRecordReason, number>>>): void {
  for (const [reason, n] of Object.entries(from) as [DroppedRecordReason, number][]) into[reason] = (into[reason] ?? 0) + n;
}

/**
 * The app's metrics from its threads': counters summed, task lists joined, `all` with each
 * thread's metrics (tagged with its `thread-id`) after the client-level ones.
 */
export function mergeThreadMetrics(state: StreamsAppState, threads: readonly StreamsMetrics[], clientLevel: readonly Metric[]): StreamsMetrics {
  const sum = (pick: (m: StreamsMetrics) => number): number => threads.reduce((n, m) => n + pick(m), 0);
  const byReason: Partial<Record<DroppedRecordReason, number>> = {};
  for (const m of threads) addReasons(byReason, m.droppedRecordsByReason);
  const ids = (pick: (m: StreamsMetrics) => readonly string[]): string[] =>
    threads.flatMap(pick).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return {
    state,
    tasks: ids((m) => m.tasks),
    recordsProcessed: sum((m) => m.recordsProcessed),
    droppedRecords: sum((m) => m.droppedRecords),
    droppedRecordsByReason: byReason,
    commits: sum((m) => m.commits),
    rebalances: sum((m) => m.rebalances),
    rebalanceTimeMsTotal: sum((m) => m.rebalanceTimeMsTotal),
    taskMetrics: threads.flatMap((m) => m.taskMetrics).sort((a, b) => a.taskId.localeCompare(b.taskId, 'en', { numeric: true })),
    restoringTasks: ids((m) => m.restoringTasks),
    recordsRestored: sum((m) => m.recordsRestored),
    standbyTasks: ids((m) => m.standbyTasks),
    enforcedProcessing: sum((m) => m.enforcedProcessing),
    all: [...clientLevel, ...threads.flatMap((m) => m.all)],
  };
}

/**
 * The app's health from its threads': live while not stopped and every running thread live; ready
 * when RUNNING and every thread ready. Each thread's reasons name the thread.
 */
export function mergeThreadHealth(state: StreamsAppState, threads: readonly { name: string; health: HealthStatus | undefined }[], fatal: Error | undefined): HealthStatus {
  const notLive: string[] = [];
  const notReady: string[] = [];
  if (state === 'ERROR' || state === 'PENDING_ERROR') notLive.push(`the app is in state ${state}${fatal ? `: ${fatal.message}` : ''}`);
  else if (state === 'NOT_RUNNING' || state === 'PENDING_SHUTDOWN') notLive.push(`the app is in state ${state}`);
  if (state !== 'RUNNING') notReady.push(`the app is in state ${state}`);
  const stopped = notLive.length > 0;
  for (const { name, health } of threads) {
    if (health === undefined) {
      if (!stopped && state !== 'CREATED') notReady.push(`stream thread ${name} is starting or being replaced`);
      continue;
    }
    // A thread stopping or stopped (it failed and is being replaced, or the app closes) makes the
    // app not ready; a running thread that is not live (its loop stuck) makes it not live.
    const threadStopped = health.state !== 'RUNNING' && health.state !== 'REBALANCING' && health.state !== 'CREATED';
    for (const reason of health.reasons) {
      const line = `stream thread ${name}: ${reason.replace(/^the app is in state/, 'in state')}`;
      (health.live || stopped || threadStopped ? notReady : notLive).push(line);
    }
  }
  return { live: notLive.length === 0, ready: notLive.length === 0 && notReady.length === 0, state, reasons: [...notLive, ...notReady] };
}

/** Kafka Streams' client-level metrics (group stream-metrics, tagged with the app's client id), which the supervisor keeps. */
export function clientLevelMetrics(config: Pick<ResolvedStreamsConfig, 'clientId' | 'applicationId'>, state: StreamsAppState, alive: number, failed: number): Metric[] {
  const tags = { 'client-id': config.clientId };
  const m = (name: string, type: 'gauge' | 'counter', description: string, value: number | string): Metric => ({ name, group: 'stream-metrics', tags, level: 'INFO', type, description, value });
  return [
    m('state', 'gauge', "The app's state (CREATED, REBALANCING, RUNNING, ...).", state),
    m('alive-stream-threads', 'gauge', 'The number of stream threads running.', alive),
    m('failed-stream-threads', 'counter', 'The number of stream threads that failed with a fatal error.', failed),
    m('version', 'gauge', "Rivulet's version.", RIVULET_VERSION),
    m('application-id', 'gauge', 'The applicationId.', config.applicationId),
  ];
}
