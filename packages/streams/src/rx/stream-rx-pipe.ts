import { ProcessingError, type Processor, type ProcessorContext, type RecordMetadata, type StreamRecord } from '@rivulet/core';
import { Subject, type Observable, type OperatorFunction, type Subscription } from 'rxjs';
import { OneRecordChain } from './one-record-chain.js';
import { differenceFromAlone, STATE_IN_PIPE_HELP } from './state-check.js';

type AnyRecord = StreamRecord<unknown, unknown>;

/**
 * Runs standard RxJS operators over the records of one task. The per-record path stays synchronous:
 * each record is pushed into the task's operator chain, and what the operators emit during that
 * push is collected, checked, then forwarded, before process() returns.
 *
 * Only what a record produces on its own may leave: state the operators keep between records
 * (bufferCount, pairwise, scan, reduce, distinct...) lives outside any store, so a commit would
 * cover records whose effect is still held (a crash loses it; exactly-once cannot cover it). So each
 * record is also run through the operators on a chain of its own ({@link OneRecordChain}); when the
 * two disagree (other records, other values, a failure on one side only, or records emitted only on
 * completion), state of earlier records showed, and the task fails before anything of that record
 * is forwarded. Until then, everything forwarded is what each record produces alone, so nothing a
 * restart would produce differently was ever emitted. The operators run twice per record.
 *
 * A failure of the operators on a record (the same on both chains) fails that record only: the
 * processing exception handler decides, nothing of the record is forwarded, and the chain is
 * rebuilt for the next one. Whatever the handler, the task fails on:
 * - state across records, as above;
 * - an emission outside a push (an async operator such as delay or observeOn): it would escape
 *   the commit covering its record. It is reported as soon as it happens (the work the runtime
 *   waits for after each batch and before each commit rejects), so no later commit covers the
 *   record it dropped, unless that commit came before the emission (a delay longer than the
 *   commit interval): use mapAsync/flatMapAsync for async work;
 * - an emission before any record (startWith) and a late subscription (subscribeOn);
 * - completion (take, first): every later record would be dropped.
 */
export class StreamRxPipe implements Processor<unknown, unknown, unknown, unknown> {
  private ctx!: ProcessorContext<unknown, unknown>;
  private input = new Subject<AnyRecord>();
  private subscription: Subscription | undefined;
  private readonly alone: OneRecordChain;
  private subscribing = false;
  private inPush = false;
  /** What the task's chain emitted for the record being pushed: forwarded once checked. */
  private readonly emitted: unknown[] = [];
  /** The task's chain failed on the record being pushed. */
  private recordFailure: Error | undefined;
  /** The operators kept state, emitted outside a push, or completed: the task stops. */
  private fatal: ProcessingError | undefined;
  /** Set when the task stopped on something found outside process(): pending() reports it. */
  private late = false;
  private lastMetadata: RecordMetadata | undefined;

  constructor(
    private readonly operators: readonly OperatorFunction<AnyRecord, AnyRecord>[],
    private readonly nodeName: string,
  ) {
    this.alone = new OneRecordChain(operators as readonly OperatorFunction<unknown, unknown>[]);
  }

  init(context: ProcessorContext<unknown, unknown>): void {
    this.ctx = context;
    this.subscribe();
  }

  process(record: AnyRecord): void {
    if (this.fatal !== undefined) throw this.fatal;
    this.lastMetadata = this.ctx.recordMetadata();
    const emitted = this.emitted;
    try {
      this.inPush = true;
      try {
        this.input.next(record);
      } finally {
        this.inPush = false;
      }
      // Completed during the push (take, first).
      if (this.fatal !== undefined) throw this.fatal;
      const failure = this.recordFailure;
      this.recordFailure = undefined;

      this.alone.run(record);
      if (!this.alone.subscribed) {
        throw this.failTask(false, 'did not subscribe to their input at once (subscribeOn, delaySubscription): the records pushed before would be lost.');
      }
      const difference = differenceFromAlone(emitted, failure, this.alone);
      if (difference !== undefined) throw this.failTask(false, `keep state across records: ${difference}. ${STATE_IN_PIPE_HELP}`);
      if (failure !== undefined) {
        // An RxJS chain is dead after an error: the next record gets a fresh one. Nothing changes
        // with it, since nothing the old one emitted ever depended on earlier records (the check
        // above, on every record).
        this.subscription?.unsubscribe();
        this.subscribe();
        throw failure;
      }
      // Outside any RxJS callback: a failure of a later node reaches the processing handler as is.
      for (let i = 0; i < emitted.length; i++) this.ctx.forward(emitted[i] as AnyRecord);
    } finally {
      emitted.length = 0;
    }
  }

  /**
   * Nothing waits here. A failure found outside process() (an async emission) is reported through
   * the work the runtime awaits, so no commit covers the record it dropped. One that process()
   * threw needs no such report: the runtime stopped at that record, and the records before it are
   * done (at-least-once commits them before stopping).
   */
  pending(): Promise<void> | undefined {
    return this.late ? Promise.reject(this.fatal) : undefined;
  }

  close(): void {
    this.subscription?.unsubscribe();
  }

  private subscribe(): void {
    this.input = new Subject<AnyRecord>();
    const piped = (this.operators as readonly OperatorFunction<unknown, unknown>[]).reduce(
      (source, op) => op(source),
      this.input.asObservable() as Observable<unknown>,
    );
    this.subscribing = true;
    try {
      this.subscription = piped.subscribe({
        next: (out) => {
          if (this.inPush) {
            this.emitted.push(out);
            return;
          }
          this.failTask(
            !this.subscribing,
            this.subscribing
              ? 'emitted before any record (startWith, or an operator that emits when subscribed): such a record comes from no input record and no commit covers it.'
              : 'emitted outside the processing of a record (an asynchronous operator such as delay, observeOn, bufferTime or a Promise): ' +
                  'that would escape the commit covering the record. Use mapAsync/flatMapAsync for async work.',
          );
        },
        error: (err: unknown) => {
          const error = err instanceof Error ? err : new Error(String(err));
          if (this.inPush) this.recordFailure = error;
          else this.failTask(!this.subscribing, `failed outside the processing of a record (an asynchronous operator): ${error.message}`);
        },
        complete: () => {
          this.failTask(
            !this.inPush && !this.subscribing,
            'completed (an operator such as take or first): every later record would be dropped. Use filter instead.',
          );
        },
      });
    } finally {
      this.subscribing = false;
    }
    // Failed while subscribing (startWith): nothing more of this chain.
    if (this.fatal !== undefined) this.subscription.unsubscribe();
  }

  /** Stops the task: `late` when found outside process(). The chain is dropped (its timers too). */
  private failTask(late: boolean, what: string): ProcessingError {
    if (this.fatal === undefined) {
      this.fatal = new ProcessingError(
        'processing',
        new Error(`the RxJS operators of '${this.nodeName}' ${what}`),
        this.lastMetadata ?? { topic: `(pipe ${this.nodeName})`, partition: -1, offset: '-1' },
        this.ctx.taskId,
      );
      this.late = late;
    }
    this.subscription?.unsubscribe();
    return this.fatal;
  }
}
