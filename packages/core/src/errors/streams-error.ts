/**
 * How Rivulet treats an error, decided where it is caught (Kafka Streams' KIP-572 model):
 *
 * - `'retriable'`: the cause is outside the record and may pass (a broker down or moving, a request
 *   timing out, the schema registry unreachable). The task is retried with exponential backoff and
 *   jitter until `taskTimeoutMs` has passed since its first failure; then the error is fatal.
 * - `'task-migrated'`: this member no longer owns the task (a newer producer fenced it, the group is
 *   rebalancing, the member was evicted). The task is closed without writing and the member
 *   re-joins; no user handler is involved.
 * - `'fatal'`: retrying cannot help (a bug in user code under the 'fail' handler, a record the
 *   broker refuses, an authorization failure, a retriable error past its deadline). It goes to the
 *   app's `uncaughtExceptionHandler`.
 */
export type ErrorCategory = 'retriable' | 'task-migrated' | 'fatal';

/**
 * What Rivulet did about an error, as `errors$` reports it:
 * - `'skipped'`: the record's handler skipped it (log-and-continue or a handler function);
 * - `'dead-lettered'`: the record went to the dead-letter topic;
 * - `'retrying'`: the task is closed and will be retried after a backoff;
 * - `'rejoining'`: the task was closed without writing; the member re-joins or re-opens it;
 * - `'restarted'`: a client restarts itself (the consumer after a crash kafkajs recovers from);
 * - `'fatal'`: handed to the uncaught-exception handler.
 */
export type ErrorAction = 'skipped' | 'dead-lettered' | 'retrying' | 'rejoining' | 'restarted' | 'fatal';

/** Where an error happened, as far as it is known. */
export interface ErrorCoordinates {
  /** The task the error belongs to, e.g. `0_3`. */
  readonly taskId?: string;
  /** The input record's topic. */
  readonly topic?: string;
  /** The input record's partition. */
  readonly partition?: number;
  /** The input record's offset, as a decimal string. */
  readonly offset?: string;
}

/**
 * An error as the runtime reports it on `StreamsApp.errors$`: the original error as `cause`, its
 * {@link ErrorCategory}, what was done about it and where it happened.
 *
 * @example
 * app.errors$.subscribe((e) => {
 *   if (e.category === 'fatal') alert(`${e.taskId ?? 'app'}: ${e.message}`);
 * });
 */
export class StreamsError extends Error {
  /** How the error is treated. */
  readonly category: ErrorCategory;
  /** What Rivulet did about it. */
  readonly action: ErrorAction;
  /** The task, if the error belongs to one. */
  readonly taskId: string | undefined;
  /** The input record's topic, if the error belongs to a record. */
  readonly topic: string | undefined;
  /** The input record's partition, if the error belongs to a record. */
  readonly partition: number | undefined;
  /** The input record's offset, if the error belongs to a record. */
  readonly offset: string | undefined;

  constructor(message: string, options: { category: ErrorCategory; action: ErrorAction; cause?: unknown } & ErrorCoordinates) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'StreamsError';
    this.category = options.category;
    this.action = options.action;
    this.taskId = options.taskId;
    this.topic = options.topic;
    this.partition = options.partition;
    this.offset = options.offset;
  }
}

/**
 * A task whose retriable failures lasted past `taskTimeoutMs`: fatal, with the last failure as its
 * cause. Kafka Streams' `TimeoutException` after `task.timeout.ms`.
 */
export class TaskTimeoutError extends StreamsError {
  constructor(
    taskId: string | undefined,
    /** The task timeout that passed, in ms. */
    readonly timeoutMs: number,
    /** How many times it failed. */
    readonly attempts: number,
    cause: Error,
  ) {
    super(
      `${taskId === undefined ? 'the app' : `task ${taskId}`} could not recover within taskTimeoutMs (${timeoutMs} ms, ` +
        `${attempts} attempt${attempts === 1 ? '' : 's'}): ${cause.message}`,
      { category: 'fatal', action: 'fatal', cause, ...(taskId !== undefined ? { taskId } : {}) },
    );
    this.name = 'TaskTimeoutError';
  }
}

/** A call to the brokers that did not answer within its bound: retriable. */
export class BrokerCallTimeoutError extends Error {
  /** Always retriable: the broker may answer later. */
  readonly retriable = true;
  constructor(what: string, ms: number) {
    super(`${what} did not complete within ${ms} ms`);
    this.name = 'BrokerCallTimeoutError';
  }
}

/**
 * An output record larger than its topic accepts (`max.message.bytes`) or than the producer's
 * request limit: found before the send, so it never poisons a batch or a transaction. It goes to
 * the production exception handler.
 */
export class RecordTooLargeError extends Error {
  /** Kafka's error name for the same failure. */
  readonly type = 'MESSAGE_TOO_LARGE';
  constructor(
    /** The output topic. */
    readonly topic: string,
    /** The record's size in bytes (key, value, headers and record overhead). */
    readonly size: number,
    /** The limit it exceeds. */
    readonly limit: number,
  ) {
    super(
      `the output record to topic '${topic}' is ${size} bytes, larger than the ${limit} bytes the topic accepts ` +
        `(its max.message.bytes, or 1 MiB per request): it cannot be written`,
    );
    this.name = 'RecordTooLargeError';
  }
}
