import { BrokerCallTimeoutError, TaskTimeoutError } from '../../../errors/streams-error.js';

/** One task's run of retriable failures, from the first until it commits again. */
interface FailureRun {
  /** When the first failure of the run happened. */
  readonly since: number;
  /** Failures so far. */
  attempts: number;
  /** The last failure. */
  lastError: Error;
  /** When the task may be re-opened; undefined while it is open (it failed, was re-opened and has not committed yet). */
  dueAt: number | undefined;
}

/** The backoff of task retries: exponential from `initialMs`, capped, with jitter. */
export interface TaskRetryPolicy {
  /** Kafka Streams' `task.timeout.ms`: how long a run of failures may last before it is fatal. */
  readonly taskTimeoutMs: number;
  /** The first delay (`retry.initialRetryTimeMs`). */
  readonly initialMs: number;
  /** The largest delay. */
  readonly maxMs: number;
}

/** The largest delay between two attempts at a task, whatever `retry.maxRetryTimeMs` says: recovery should not wait longer. */
export const MAX_TASK_BACKOFF_MS = 5_000;

/**
 * The tasks closed after a retriable failure and waiting to be re-opened, each with its backoff and
 * its deadline (Kafka Streams' `task.timeout.ms`). A run of failures ends when the task commits
 * again; a run longer than the timeout is fatal ({@link TaskTimeoutError}).
 */
export class TaskRetries {
  private readonly runs = new Map<string, FailureRun>();

  constructor(
    private readonly policy: TaskRetryPolicy,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Records a retriable failure of a task and schedules its re-opening. Throws a
   * {@link TaskTimeoutError} when its failures have lasted longer than the task timeout.
   *
   * @returns The delay before the task is re-opened, in ms.
   */
  failed(taskId: string, error: Error): number {
    const now = this.now();
    const run = this.runs.get(taskId) ?? { since: now, attempts: 0, lastError: error, dueAt: undefined };
    run.attempts++;
    run.lastError = error;
    this.runs.set(taskId, run);
    if (now - run.since >= this.policy.taskTimeoutMs) {
      this.runs.delete(taskId);
      throw new TaskTimeoutError(taskId, this.policy.taskTimeoutMs, run.attempts, error);
    }
    const delay = this.backoff(run.attempts);
    run.dueAt = now + delay;
    return delay;
  }

  /** Exponential backoff with "equal jitter": half the delay fixed, half random, so instances spread out. */
  private backoff(attempts: number): number {
    const cap = Math.max(1, Math.min(this.policy.maxMs, MAX_TASK_BACKOFF_MS));
    const full = Math.min(cap, this.policy.initialMs * 2 ** Math.min(attempts - 1, 20));
    return Math.round(full / 2 + (this.random() * full) / 2);
  }

  /** The tasks whose backoff has passed, to re-open now. */
  due(): string[] {
    const now = this.now();
    const ids: string[] = [];
    for (const [id, run] of this.runs) if (run.dueAt !== undefined && run.dueAt <= now) ids.push(id);
    return ids;
  }

  /** True while the task is closed and waiting for its backoff. */
  isWaiting(taskId: string): boolean {
    return this.runs.get(taskId)?.dueAt !== undefined;
  }

  /** The task was re-opened: its run of failures goes on until it commits. */
  reopened(taskId: string): void {
    const run = this.runs.get(taskId);
    if (run !== undefined) run.dueAt = undefined;
  }

  /** The task committed (or is no longer this member's): its run of failures is over. */
  clear(taskId: string): void {
    this.runs.delete(taskId);
  }

  /** Ids of the tasks in a run of failures. */
  ids(): string[] {
    return [...this.runs.keys()];
  }
}

/**
 * Bounds a call to the brokers: rejects with a retriable `BrokerCallTimeoutError` after `ms`. The
 * call itself goes on in the background (a kafkajs call cannot be cancelled); its late failure is
 * swallowed, since the caller has moved on.
 */
export async function bounded<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BrokerCallTimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
    call.catch(() => undefined);
  }
}
