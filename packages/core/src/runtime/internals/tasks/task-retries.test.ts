import { describe, expect, it } from 'vitest';
import { TaskTimeoutError } from '../../../errors/streams-error.js';
import { MAX_TASK_BACKOFF_MS, TaskRetries, bounded } from './task-retries.js';

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('TaskRetries', () => {
  it('backs off exponentially with jitter, capped, and re-opens a task once its backoff has passed', () => {
    const c = clock();
    const retries = new TaskRetries({ taskTimeoutMs: 60_000, initialMs: 100, maxMs: 30_000 }, c.now, () => 1);
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(() => retries.failed('0_1', new Error('down')));
    // random() = 1: the whole delay; doubling from 100 ms, capped at MAX_TASK_BACKOFF_MS.
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, MAX_TASK_BACKOFF_MS, MAX_TASK_BACKOFF_MS, MAX_TASK_BACKOFF_MS]);
    expect(retries.due()).toEqual([]);
    c.advance(MAX_TASK_BACKOFF_MS);
    expect(retries.due()).toEqual(['0_1']);
    retries.reopened('0_1');
    expect(retries.due()).toEqual([]);
    expect(retries.isWaiting('0_1')).toBe(false);
  });

  it('spreads retries out: with jitter a delay lies between half and all of the backoff', () => {
    const retries = new TaskRetries({ taskTimeoutMs: 60_000, initialMs: 1000, maxMs: 30_000 }, clock().now, () => 0);
    expect(retries.failed('0_0', new Error('down'))).toBe(500);
  });

  it('makes a run of failures longer than taskTimeoutMs fatal, naming the task and the last failure', () => {
    const c = clock();
    const retries = new TaskRetries({ taskTimeoutMs: 10_000, initialMs: 100, maxMs: 1000 }, c.now, () => 1);
    retries.failed('1_2', new Error('first'));
    c.advance(9_999);
    retries.failed('1_2', new Error('second'));
    c.advance(1);
    let thrown: unknown;
    try {
      retries.failed('1_2', new Error('connect ECONNREFUSED'));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(TaskTimeoutError);
    expect((thrown as TaskTimeoutError).message).toBe('task 1_2 could not recover within taskTimeoutMs (10000 ms, 3 attempts): connect ECONNREFUSED');
    expect((thrown as TaskTimeoutError).category).toBe('fatal');
  });

  it('starts a new run after a commit clears the task', () => {
    const c = clock();
    const retries = new TaskRetries({ taskTimeoutMs: 10_000, initialMs: 100, maxMs: 1000 }, c.now, () => 1);
    retries.failed('0_0', new Error('a'));
    c.advance(9_000);
    retries.clear('0_0');
    c.advance(5_000);
    expect(retries.failed('0_0', new Error('b'))).toBe(100);
  });

  it('with taskTimeoutMs 0 the first retriable failure is fatal', () => {
    const retries = new TaskRetries({ taskTimeoutMs: 0, initialMs: 100, maxMs: 1000 });
    expect(() => retries.failed('0_0', new Error('down'))).toThrow(TaskTimeoutError);
  });
});

describe('bounded', () => {
  it('passes a call that answers in time through', async () => {
    await expect(bounded(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
  });

  it('rejects with a retriable timeout when the call hangs', async () => {
    await expect(bounded(new Promise(() => undefined), 20, 'abort of task 0_1')).rejects.toMatchObject({
      name: 'BrokerCallTimeoutError',
      retriable: true,
      message: 'abort of task 0_1 did not complete within 20 ms',
    });
  });
});
