/**
 * Where the record that failed came from: its input topic, partition and offset (a string, as
 * kafkajs gives offsets).
 */
export interface ExceptionHandlerContext {
  /** The input topic of the record. */
  topic: string;
  /** The input partition of the record. */
  partition: number;
  /** The offset of the record in its partition, as a decimal string. */
  offset: string;
}

/**
 * What a custom handler decides: `'fail'` stops the task (and the app) with the error;
 * `'continue'` skips the record and goes on with the next one.
 */
export type ExceptionHandlerResponse = 'fail' | 'continue';

/**
 * A custom exception handler: it sees the error and where the record came from, and decides. It
 * runs on the processing path, so it should be synchronous and quick; log or count inside it.
 *
 * @example
 * ```ts
 * const skipPoisonPills: ExceptionHandlerFunction = (error, { topic }) =>
 *   topic === 'legacy-events' ? 'continue' : 'fail';
 * ```
 */
export type ExceptionHandlerFunction = (error: Error, context: ExceptionHandlerContext) => ExceptionHandlerResponse;

/** Writes each failed record to a dead-letter topic, then goes on with the next one. */
export interface DeadLetterTopicSetting {
  /** The topic that receives the failed records; it must exist or be creatable. */
  deadLetterTopic: string;
}

/**
 * What to do when a record fails, for each of the three exception handlers of a
 * {@link StreamsConfig}:
 *
 * - `'fail'` (the default): stop with the error. Nothing is ever dropped silently.
 * - `'log-and-continue'`: log the error with the record's topic, partition and offset, skip the
 *   record and go on.
 * - `{ deadLetterTopic }`: write the record to that topic, then go on.
 * - a function: decide per error, see {@link ExceptionHandlerFunction}.
 */
export type ExceptionHandlerSetting = 'fail' | 'log-and-continue' | DeadLetterTopicSetting | ExceptionHandlerFunction;
