/**
 * The messages between the supervisor (`StreamThreadsApp`, on the main thread) and each stream
 * thread (a worker running one `StreamsApp`). Everything here is plain data, as `postMessage`
 * structured-clones it: errors travel as {@link SerializedError} and come back as `StreamsError`s.
 */
import type { MessagePort } from 'node:worker_threads';
import { StreamsError, type ErrorAction, type ErrorCategory } from '../../errors/streams-error.js';
import type { HealthStatus, RebalanceEvent, StreamsAppState, StreamsMetrics } from '../streams-app.js';
import type { QueryableStoreKind } from '../internals/stores/composite-store.js';
import type { MetadataSnapshot } from '../internals/metadata/streams-metadata-state.js';
import type { LogLevel } from '../../config/logger.js';

/** What the supervisor gives a thread when it starts it (the worker's `workerData`). */
export interface ThreadStart {
  /** The thread's number, 1 to numStreamThreads. */
  readonly index: number;
  /** `<clientId>-StreamThread-<index>`. */
  readonly name: string;
  /** The user's module, as a file URL. */
  readonly moduleUrl: string;
  /** The export that holds the factory: `'default'` unless told otherwise. */
  readonly exportName: string;
  /** The app's settings that can be cloned, with the thread's clientId and stateDir. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The `data` given to fromModule. */
  readonly data: unknown;
  /** Whether the thread logs through the supervisor's logger (when its module gives none). */
  readonly forwardLogs: boolean;
  /** The query channel: the thread answers there, then wakes the supervisor through `signal`. */
  readonly queries: MessagePort;
  /** One Int32 the thread sets to 1 and notifies after posting an answer. */
  readonly signal: SharedArrayBuffer;
  /** `tsx/cjs/api`'s path when the thread loads TypeScript through tsx's require hook. */
  readonly tsxCjs: string | undefined;
}

/** An error as it crosses between threads: its class name, message, stack, StreamsError fields and cause. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  readonly category?: ErrorCategory;
  readonly action?: ErrorAction;
  readonly taskId?: string | undefined;
  readonly topic?: string | undefined;
  readonly partition?: number | undefined;
  readonly offset?: string | undefined;
  readonly cause?: SerializedError | undefined;
}

/** Messages a thread posts to the supervisor on the worker's port, in the order they happen. */
export type ThreadEvent =
  /** The thread's StreamsApp changed state. */
  | { readonly type: 'state'; readonly state: StreamsAppState }
  /** An error the thread's app handled or stopped for (its errors$). */
  | { readonly type: 'error'; readonly error: SerializedError }
  /** The thread's app met a fatal error: the supervisor's uncaughtExceptionHandler decides. */
  | { readonly type: 'fatal'; readonly error: SerializedError }
  /** The thread's app completed a rebalance (its rebalances$). */
  | { readonly type: 'rebalance'; readonly event: RebalanceEvent }
  /** The thread's app is built (module loaded, topology made, config valid): it waits for `start`. */
  | { readonly type: 'built' }
  /** `start()` resolved (the thread reached RUNNING once) or rejected. */
  | { readonly type: 'started' }
  | { readonly type: 'start-failed'; readonly error: SerializedError }
  /** The thread's app has closed; the worker ends next. */
  | { readonly type: 'closed'; readonly state: StreamsAppState }
  /** A log line of the thread, for the supervisor's logger. */
  | { readonly type: 'log'; readonly level: LogLevel; readonly message: string; readonly fields?: Record<string, unknown> | undefined };

/** Messages the supervisor posts to a thread on the worker's port. */
export type ThreadCommand =
  /** Join the group and process: sent once every thread of the app is built (a replacement: at once). */
  | { readonly type: 'start' }
  /** Close the thread's app (or do not start it). */
  | { readonly type: 'close' };

/** A synchronous question to a thread, on its query channel. */
export type ThreadQuery =
  | { readonly id: number; readonly type: 'metrics' }
  | { readonly id: number; readonly type: 'health'; readonly livenessWindowMs: number }
  /** Which instance holds what: answered with a {@link ThreadMetadata}. */
  | { readonly id: number; readonly type: 'metadata' }
  | {
      readonly id: number;
      readonly type: 'store';
      readonly store: string;
      readonly kind: QueryableStoreKind | 'timestamped-window';
      /** The store view's method and its arguments, e.g. `get` with `[key]`. */
      readonly method: string;
      readonly args: readonly unknown[];
      readonly staleReads: boolean;
    };

/** A thread's answer to a {@link ThreadQuery}: a value, or the error the query threw. */
export type ThreadAnswer = { readonly id: number; readonly value: unknown } | { readonly id: number; readonly error: SerializedError };

/** A thread's metrics as it answers a `metrics` query. */
export type ThreadMetrics = StreamsMetrics;

/** A thread's health as it answers a `health` query. */
export type ThreadHealth = HealthStatus;

/**
 * A thread's answer to a `metadata` query: its topology's store names, and the metadata of its
 * last assignment while its app is RUNNING (every thread is a member of the group and learns every
 * instance's hosts).
 */
export interface ThreadMetadata {
  readonly storeNames: readonly string[];
  readonly snapshot: MetadataSnapshot | undefined;
}

/** An error, its StreamsError fields and its cause chain (at most 5 deep), as plain data. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const e = error as Error & Partial<StreamsError>;
  const cause = depth < 5 && e.cause !== undefined ? serializeError(e.cause, depth + 1) : undefined;
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    ...(e.category !== undefined ? { category: e.category, action: e.action, taskId: e.taskId, topic: e.topic, partition: e.partition, offset: e.offset } : {}),
    ...(cause !== undefined ? { cause } : {}),
  };
}

/**
 * The error again, on this side: a `StreamsError` when it was one (its class name kept in `name`,
 * e.g. `'ProcessingError'`), else an `Error` with its name; the stack is the thread's.
 */
export function deserializeError(data: SerializedError): Error {
  const cause = data.cause !== undefined ? deserializeError(data.cause) : undefined;
  let error: Error;
  if (data.category !== undefined && data.action !== undefined) {
    error = new StreamsError(data.message, {
      category: data.category,
      action: data.action,
      ...(cause !== undefined ? { cause } : {}),
      ...(data.taskId !== undefined ? { taskId: data.taskId } : {}),
      ...(data.topic !== undefined ? { topic: data.topic } : {}),
      ...(data.partition !== undefined ? { partition: data.partition } : {}),
      ...(data.offset !== undefined ? { offset: data.offset } : {}),
    });
  } else {
    error = new Error(data.message, cause !== undefined ? { cause } : undefined);
  }
  error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** An error from a thread as errors$ carries it: a StreamsError, a fatal one if it was not. */
export function toStreamsError(error: Error): StreamsError {
  return error instanceof StreamsError ? error : new StreamsError(error.message, { category: 'fatal', action: 'fatal', cause: error });
}
