/** The step of the per-record path that failed. */
export type ErrorStage = 'deserialization' | 'processing' | 'production';

/**
 * A record that failed under the `fail` handler: stops the task and the app. The message names the
 * stage, the input topic, partition and offset, and the cause.
 */
export class ProcessingError extends Error {
  /** The step that failed. */
  readonly stage: ErrorStage;
  /** The input record's topic. */
  readonly topic: string;
  /** The input record's partition. */
  readonly partition: number;
  /** The input record's offset, as a decimal string. */
  readonly offset: string;

  constructor(stage: ErrorStage, cause: Error, where: { topic: string; partition: number; offset: string }) {
    super(`${stage} failed for the record at ${where.topic}-${where.partition} offset ${where.offset}: ${cause.message}`, { cause });
    this.name = 'ProcessingError';
    this.stage = stage;
    this.topic = where.topic;
    this.partition = where.partition;
    this.offset = where.offset;
  }
}
