/**
 * The pure rules of a multi-threaded app: its state from its threads' states, and what the
 * uncaught-exception handler's answer does to a failed thread. Kafka Streams' KafkaStreams client
 * state from its StreamThreads' (`KafkaStreams.StreamStateListener`), here over worker threads.
 */
import type { UncaughtExceptionHandler, UncaughtExceptionResponse } from '../../config/uncaught-exception-handler.js';
import type { StreamsAppState } from '../streams-app.js';

/**
 * Where one stream thread is, as the supervisor sees it: its StreamsApp's state, or `STARTING`
 * while its worker loads the module and builds its app, or `DEAD` once its worker has ended.
 */
export type ThreadPhase = StreamsAppState | 'STARTING' | 'DEAD';

/** What the supervisor itself is doing: before start, running, closing on request, or stopping after a fatal error. */
export type SupervisorPhase = 'created' | 'running' | 'closing' | 'failing';

/**
 * The app's state from its threads', as Kafka Streams derives the client state from its stream
 * threads: RUNNING only when every thread is RUNNING; REBALANCING while any thread is starting,
 * rebalancing or being replaced; ERROR once every thread died. Closing on request is
 * PENDING_SHUTDOWN until every thread has ended, then NOT_RUNNING; stopping after a fatal error is
 * PENDING_ERROR, then ERROR.
 *
 * @example
 * appStateOf('running', ['RUNNING', 'REBALANCING']); // 'REBALANCING'
 */
export function appStateOf(phase: SupervisorPhase, threads: readonly ThreadPhase[]): StreamsAppState {
  const ended = threads.every((t) => t === 'DEAD' || t === 'NOT_RUNNING' || t === 'ERROR');
  if (phase === 'created') return 'CREATED';
  if (phase === 'closing') return ended ? 'NOT_RUNNING' : 'PENDING_SHUTDOWN';
  if (phase === 'failing') return ended ? 'ERROR' : 'PENDING_ERROR';
  if (threads.length > 0 && threads.every((t) => t === 'DEAD' || t === 'ERROR')) return 'ERROR';
  if (threads.length > 0 && threads.every((t) => t === 'RUNNING')) return 'RUNNING';
  return 'REBALANCING';
}

/** What the supervisor does about a thread that failed. */
export type ThreadFailureAction = 'replace' | 'shutdown-client';

/**
 * Asks the uncaught-exception handler about a thread's fatal error, as a single `StreamsApp` does:
 * `'REPLACE_THREAD'` replaces the thread (a new worker with the same number, a new consumer that
 * re-joins the group), `'SHUTDOWN_CLIENT'` closes every thread and ends in ERROR. A handler that
 * throws or answers anything else counts as `'SHUTDOWN_CLIENT'`, and a thread that cannot be
 * replaced (it failed while the app was starting) is not. `warn` hears why an answer was overridden.
 *
 * @example
 * decideOnThreadFailure(() => 'REPLACE_THREAD', new Error('boom'), { starting: false }); // 'replace'
 */
export function decideOnThreadFailure(
  handler: UncaughtExceptionHandler,
  error: Error,
  options: { readonly starting: boolean },
  warn: (message: string) => void = () => undefined,
): ThreadFailureAction {
  let answer: UncaughtExceptionResponse | undefined;
  try {
    answer = handler(error);
  } catch (handlerErr) {
    warn(`the uncaughtExceptionHandler threw (${(handlerErr as Error).message}); shutting down`);
    return 'shutdown-client';
  }
  if (answer !== 'REPLACE_THREAD' && answer !== 'SHUTDOWN_CLIENT') {
    warn(`the uncaughtExceptionHandler answered ${String(answer)}; shutting down`);
    return 'shutdown-client';
  }
  if (answer === 'REPLACE_THREAD' && options.starting) {
    // As a single app: a failure before the first RUNNING (topics missing, a bad topology) fails start().
    warn('a stream thread failed while the app was starting: not replaced; shutting down');
    return 'shutdown-client';
  }
  return answer === 'REPLACE_THREAD' ? 'replace' : 'shutdown-client';
}
