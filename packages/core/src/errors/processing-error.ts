import { StreamsError } from './streams-error.js';

/** The step of the per-record path that failed. */
export type ErrorStage = 'deserialization' | 'processing' | 'production';

/**
 * A record that failed under the `fail` handler: stops the task and the app. The message names the
 * stage, the input topic, partition and offset, and the cause. A failure of the schema registry
 * (unreachable, after its client's retries) is not the record's fault: that one is `'retriable'`,
 * and the task is retried from this record until `taskTimeoutMs`.
 */
export class ProcessingError extends StreamsError {
  /** The step that failed. */
  readonly stage: ErrorStage;
  declare readonly topic: string;
  declare readonly partition: number;
  declare readonly offset: string;

  constructor(stage: ErrorStage, cause: Error, where: { topic: string; partition: number; offset: string }, taskId?: string) {
    const outage = (cause as { code?: unknown }).code === 'SCHEMA_REGISTRY_UNAVAILABLE';
    super(`${stage} failed for the record at ${where.topic}-${where.partition} offset ${where.offset}: ${cause.message}`, {
      category: outage ? 'retriable' : 'fatal',
      action: outage ? 'retrying' : 'fatal',
      cause,
      ...where,
      ...(taskId !== undefined ? { taskId } : {}),
    });
    this.name = 'ProcessingError';
    this.stage = stage;
  }
}
