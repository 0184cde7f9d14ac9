/**
 * Synchronous questions from the main thread to a stream thread: interactive queries and
 * `metrics()` stay synchronous, as on a single `StreamsApp`, though the stores live in workers.
 * The main thread posts the question on a MessagePort, sleeps on a shared Int32 (`Atomics.wait`)
 * until the thread has posted its answer and set it, then takes the answer off the port with
 * `receiveMessageOnPort`: the technique of synckit. The wait is bounded: a thread that does not
 * answer in time (it is in a long batch, or being replaced) fails the query, never hangs the caller.
 * No thread ever waits on the main thread, so the two cannot deadlock.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { deserializeError, serializeError, type ThreadAnswer, type ThreadQuery } from './thread-protocol.js';

/** Distributes a question without `id`, as the callers write it. */
type Question = ThreadQuery extends infer Q ? (Q extends { id: number } ? Omit<Q, 'id'> : never) : never;

/** Thrown when a thread did not answer within the wait. */
export class ThreadQueryTimeoutError extends Error {
  constructor(thread: string, ms: number) {
    super(`stream thread ${thread} did not answer within ${ms} ms (it is busy, starting or being replaced); query again`);
    this.name = 'ThreadQueryTimeoutError';
  }
}

/** The main thread's end of one thread's query channel. */
export class SyncQueryClient {
  private nextId = 1;
  private readonly flag: Int32Array;

  constructor(
    private readonly thread: string,
    private readonly port: MessagePort,
    signal: SharedArrayBuffer,
  ) {
    this.flag = new Int32Array(signal);
    // Answers are taken synchronously; the port must not keep the process alive.
    port.unref();
  }

  /**
   * Asks the thread and waits at most `timeoutMs` for its answer.
   *
   * @throws the error the query threw in the thread, or {@link ThreadQueryTimeoutError}.
   */
  ask(question: Question, timeoutMs: number): unknown {
    const id = this.nextId++;
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ ...question, id } as ThreadQuery);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new ThreadQueryTimeoutError(this.thread, timeoutMs);
      Atomics.wait(this.flag, 0, 0, left);
      Atomics.store(this.flag, 0, 0);
      // Answers to earlier questions that timed out may come first: skip them.
      for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
        const answer = m.message as ThreadAnswer;
        if (answer.id !== id) continue;
        if ('error' in answer) throw deserializeError(answer.error);
        return answer.value;
      }
    }
  }

  /** Closes the channel (the thread has ended). */
  close(): void {
    this.port.close();
  }
}

/**
 * The thread's end: answers each question with `answer` (synchronously) and wakes the main thread.
 *
 * @returns a function that stops answering.
 */
export function serveSyncQueries(port: MessagePort, signal: SharedArrayBuffer, answer: (query: ThreadQuery) => unknown): () => void {
  const flag = new Int32Array(signal);
  const onQuery = (query: ThreadQuery): void => {
    let reply: ThreadAnswer;
    try {
      reply = { id: query.id, value: answer(query) };
    } catch (err) {
      reply = { id: query.id, error: serializeError(err) };
    }
    try {
      port.postMessage(reply);
    } catch (err) {
      // A value that cannot be cloned (a store holding class instances): say so rather than hang.
      port.postMessage({ id: query.id, error: serializeError(new Error(`the answer could not be sent between threads: ${(err as Error).message}`)) });
    }
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  port.on('message', onQuery);
  // Only the worker's own port keeps the thread alive.
  port.unref();
  return () => {
    port.off('message', onQuery);
    port.close();
  };
}
