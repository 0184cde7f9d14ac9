import type { Processor, ProcessorContext, StreamRecord } from '@rivulet/core';
import { Subject, type Observable, type OperatorFunction, type Subscription } from 'rxjs';

/**
 * Runs standard RxJS operators over the records of one task. The per-record path stays synchronous:
 * each record is pushed into a Subject and whatever the operators emit during that push is forwarded
 * at once. An emission outside a push (an async operator such as delay or bufferTime) would escape
 * the commit that covers its record, so it fails the task with an error that says so.
 */
export class StreamRxPipe implements Processor<unknown, unknown, unknown, unknown> {
  private ctx!: ProcessorContext<unknown, unknown>;
  private readonly input = new Subject<StreamRecord<unknown, unknown>>();
  private subscription: Subscription | undefined;
  private inPush = false;
  private failure: Error | undefined;

  constructor(
    private readonly operators: readonly OperatorFunction<StreamRecord<unknown, unknown>, StreamRecord<unknown, unknown>>[],
    private readonly nodeName: string,
  ) {}

  init(context: ProcessorContext<unknown, unknown>): void {
    this.ctx = context;
    const piped = (this.operators as OperatorFunction<unknown, unknown>[]).reduce(
      (source, op) => op(source),
      this.input.asObservable() as Observable<unknown>,
    );
    this.subscription = piped.subscribe({
      next: (out) => {
        if (!this.inPush) {
          this.failure = new Error(
            `the RxJS operators of '${this.nodeName}' emitted outside the processing of a record (an asynchronous operator such as ` +
              'delay, bufferTime, debounceTime or a Promise): that would escape the commit covering the record. Use mapAsync/flatMapAsync for async work.',
          );
          return;
        }
        this.ctx.forward(out as StreamRecord<unknown, unknown>);
      },
      error: (err: unknown) => {
        this.failure = err instanceof Error ? err : new Error(String(err));
      },
    });
  }

  process(record: StreamRecord<unknown, unknown>): void {
    if (this.failure !== undefined) throw this.failure;
    this.inPush = true;
    try {
      this.input.next(record);
    } finally {
      this.inPush = false;
    }
    if (this.failure !== undefined) throw this.failure;
  }

  close(): void {
    this.subscription?.unsubscribe();
  }
}
