import { ProcessingError, type Processor, type ProcessorContext, type RecordMetadata, type StreamRecord } from '@rivulet/core';
import { Subject, type Observable, type OperatorFunction, type Subscription } from 'rxjs';

/**
 * Runs standard RxJS operators over the records of one task. The per-record path stays synchronous:
 * each record is pushed into a Subject and whatever the operators emit during that push is forwarded
 * at once. What the operators do to a record fails that record only (the processing exception
 * handler decides; the operator chain is then rebuilt, so state such as `scan`'s starts over). Two
 * things fail the task, whatever the handler:
 * - an emission outside a push (an async operator such as delay or bufferTime): it would escape
 *   the commit covering its record. It is reported as soon as it happens (the work the runtime
 *   waits for after each batch and before each commit rejects), so no later commit covers the
 *   record it dropped, unless that commit came before the emission (a delay longer than the
 *   commit interval): use mapAsync/flatMapAsync for async work;
 * - completion (take, first): every later record would be dropped.
 */
export class StreamRxPipe implements Processor<unknown, unknown, unknown, unknown> {
  private ctx!: ProcessorContext<unknown, unknown>;
  private input = new Subject<StreamRecord<unknown, unknown>>();
  private subscription: Subscription | undefined;
  private inPush = false;
  /** The operators failed on the record being pushed. */
  private recordFailure: Error | undefined;
  /** A node after this one failed on an emission of the record being pushed. */
  private downstreamFailure: unknown;
  private failedDownstream = false;
  /** The operators emitted outside a push, or completed: the task stops. */
  private fatal: ProcessingError | undefined;
  private lastMetadata: RecordMetadata | undefined;

  constructor(
    private readonly operators: readonly OperatorFunction<StreamRecord<unknown, unknown>, StreamRecord<unknown, unknown>>[],
    private readonly nodeName: string,
  ) {}

  init(context: ProcessorContext<unknown, unknown>): void {
    this.ctx = context;
    this.subscribe();
  }

  process(record: StreamRecord<unknown, unknown>): void {
    if (this.fatal !== undefined) throw this.fatal;
    this.lastMetadata = this.ctx.recordMetadata();
    this.inPush = true;
    try {
      this.input.next(record);
    } finally {
      this.inPush = false;
    }
    if (this.failedDownstream) {
      const err = this.downstreamFailure;
      this.failedDownstream = false;
      this.downstreamFailure = undefined;
      throw err;
    }
    if (this.recordFailure !== undefined) {
      const err = this.recordFailure;
      this.recordFailure = undefined;
      // An RxJS chain is dead after an error: the next record gets a fresh one.
      this.subscription?.unsubscribe();
      this.subscribe();
      throw err;
    }
    if (this.fatal !== undefined) throw this.fatal;
  }

  /** Nothing waits here; a failure outside a push is reported through the work the runtime awaits. */
  pending(): Promise<void> | undefined {
    return this.fatal === undefined ? undefined : Promise.reject(this.fatal);
  }

  close(): void {
    this.subscription?.unsubscribe();
  }

  private subscribe(): void {
    this.input = new Subject<StreamRecord<unknown, unknown>>();
    const piped = (this.operators as OperatorFunction<unknown, unknown>[]).reduce(
      (source, op) => op(source),
      this.input.asObservable() as Observable<unknown>,
    );
    this.subscription = piped.subscribe({
      next: (out) => {
        if (!this.inPush) {
          this.failTask(
            'emitted outside the processing of a record (an asynchronous operator such as delay, bufferTime, debounceTime or a Promise): ' +
              'that would escape the commit covering the record. Use mapAsync/flatMapAsync for async work.',
          );
          return;
        }
        if (this.failedDownstream) return;
        // RxJS would report an error thrown here asynchronously, as an uncaught exception: keep it
        // and throw it from process(), where the processing exception handler sees it.
        try {
          this.ctx.forward(out as StreamRecord<unknown, unknown>);
        } catch (err) {
          this.failedDownstream = true;
          this.downstreamFailure = err;
        }
      },
      error: (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        if (this.inPush) this.recordFailure = error;
        else this.failTask(`failed outside the processing of a record (an asynchronous operator): ${error.message}`);
      },
      complete: () => {
        this.failTask('completed (an operator such as take or first): every later record would be dropped. Use filter instead.');
      },
    });
  }

  private failTask(what: string): void {
    this.fatal ??= new ProcessingError(
      'processing',
      new Error(`the RxJS operators of '${this.nodeName}' ${what}`),
      this.lastMetadata ?? { topic: `(pipe ${this.nodeName})`, partition: -1, offset: '-1' },
    );
  }
}
