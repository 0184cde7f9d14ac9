/**
 * What an {@link UncaughtExceptionHandler} answers, as in Kafka Streams (KIP-671):
 *
 * - `'REPLACE_THREAD'`: close every task without committing, rebuild the processing loop and its
 *   Kafka clients, and go on; the app stays up (REBALANCING, then RUNNING).
 * - `'SHUTDOWN_CLIENT'` (the default): stop this instance; its state becomes ERROR.
 *
 * Kafka Streams' third answer, `SHUTDOWN_APPLICATION` (stop every instance through the group's
 * next assignment), needs the assignment's user data on every member, which kafkajs does not hand
 * to the consumer: it is not offered yet.
 */
export type UncaughtExceptionResponse = 'REPLACE_THREAD' | 'SHUTDOWN_CLIENT';

/**
 * Decides what to do after a fatal error (see `StreamsError.category`). It gets the error, whose
 * `cause` is the original failure; an answer it cannot give (it throws, or returns something else)
 * counts as `'SHUTDOWN_CLIENT'`.
 *
 * @example
 * ```ts
 * const handler: UncaughtExceptionHandler = (error) =>
 *   error.cause instanceof MyTransientBug ? 'REPLACE_THREAD' : 'SHUTDOWN_CLIENT';
 * ```
 */
export type UncaughtExceptionHandler = (error: Error) => UncaughtExceptionResponse;

/** The default handler: stop this instance. */
export const shutdownClient: UncaughtExceptionHandler = () => 'SHUTDOWN_CLIENT';
