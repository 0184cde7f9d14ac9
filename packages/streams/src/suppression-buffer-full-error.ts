import { ProcessingError } from '@rivulet/core';

/**
 * A suppression buffer that shuts down when full (`shutDownWhenFull()`) went over its `maxRecords`
 * or `maxBytes`: fatal, whatever the processing
 * exception handler says, since skipping the record would not empty the buffer. It reaches the
 * app's `uncaughtExceptionHandler` (and `errors$`); the TopologyTestDriver throws it from
 * `pipeInput`. Kafka Streams throws a `StreamsException` for the same. The fix: raise the limit,
 * or emit early when full (`emitEarlyWhenFull()`, only with `untilTimeLimit`).
 *
 * @example
 * app.errors$.subscribe((e) => {
 *   if (e.cause instanceof SuppressionBufferFullError) console.error(e.cause.suppression, e.cause.records);
 * });
 */
export class SuppressionBufferFullError extends ProcessingError {
  constructor(
    /** The suppress operator's name. */
    readonly suppression: string,
    /** The keys in the buffer, and its `maxRecords`. */
    readonly records: {
      /** The keys in the buffer. */
      readonly count: number;
      /** Its `maxRecords`. */
      readonly max: number;
    },
    /** The bytes in the buffer, and its `maxBytes`. */
    readonly bytes: {
      /** The bytes in the buffer. */
      readonly count: number;
      /** Its `maxBytes`. */
      readonly max: number;
    },
    where: { topic: string; partition: number; offset: string },
    taskId: string,
  ) {
    const limit = records.count > records.max ? `maxRecords ${records.max} (it holds ${records.count} keys)` : `maxBytes ${bytes.max} (it holds ${bytes.count} bytes)`;
    const cause = new Error(
      `the buffer of suppress '${suppression}' is full: over its ${limit}, and it is configured to shut down when full. ` +
        'Raise the limit (BufferConfig.withMaxRecords / withMaxBytes), or let it emit its oldest entries early ' +
        '(BufferConfig.emitEarlyWhenFull(), with Suppressed.untilTimeLimit only)',
    );
    super('processing', cause, where, taskId);
    this.name = 'SuppressionBufferFullError';
  }
}
