import type { StreamsConfig } from '../../config/streams-config.js';
import type { Topology } from '../../topology/topology.js';

/** What a stream thread's module factory is told about the thread it builds for. */
export interface StreamThreadInfo {
  /** The thread's number, from 1 to `numStreamThreads`; a replaced thread keeps its number. */
  readonly index: number;
  /** The thread's name, `<clientId>-StreamThread-<index>`: its Kafka client id and metrics `thread-id`. */
  readonly name: string;
  /**
   * The `data` given to `StreamsApp.fromModule` (structured-cloned into the thread), such as topic
   * names; `undefined` without it.
   */
  readonly data: unknown;
}

/**
 * The settings a stream thread's module may give, on top of those the app was built with: the
 * function-valued ones, which cannot be sent to another thread (serdes, exception handler functions,
 * a partitioner, `traceContext`, a `stateRestoreListener`, a `logger`, a SASL token provider).
 * Those that name the app and its place (`applicationId`, `brokers`, `clientId`, `stateDir`,
 * `numStreamThreads`) and the `uncaughtExceptionHandler` (it decides for all threads, on the main
 * thread) come from the app's config only.
 */
export type StreamThreadConfig = Omit<StreamsConfig, 'applicationId' | 'brokers' | 'clientId' | 'stateDir' | 'numStreamThreads' | 'uncaughtExceptionHandler'>;

/** What a stream thread's module factory returns: a topology, or a topology with the thread's own settings. */
export type StreamThreadSetup =
  | Topology
  | {
      /** The thread's topology. */
      readonly topology: Topology;
      /** The thread's function-valued settings (serdes, handlers, a partitioner...). */
      readonly config?: StreamThreadConfig;
    };

/**
 * The factory a stream-thread module exports (as its default export, or under the name given to
 * `StreamsApp.fromModule`): it builds the topology of one thread, and optionally the thread's
 * function-valued settings. It runs once in each thread, and again in a thread that replaces one
 * that failed. It may be async (to read a schema, say).
 */
export type StreamThreadFactory = (thread: StreamThreadInfo) => StreamThreadSetup | Promise<StreamThreadSetup>;

/**
 * Types a stream-thread module's factory, for the module form of `StreamsApp`
 * (`numStreamThreads`): it returns the factory as it is.
 *
 * @example
 * ```ts
 * // word-count.topology.ts
 * import { defineStreamThread } from '@rivulet/core';
 * import { serdes } from '@rivulet/serde';
 * import { StreamsBuilder } from '@rivulet/streams';
 *
 * export default defineStreamThread(() => {
 *   const builder = new StreamsBuilder();
 *   builder.stream('words').groupByKey().count({ store: 'word-counts' }).toStream().to('word-counts');
 *   return { topology: builder.build(), config: { defaultKeySerde: serdes.string(), defaultValueSerde: serdes.string() } };
 * });
 * ```
 */
export function defineStreamThread(factory: StreamThreadFactory): StreamThreadFactory {
  return factory;
}
