import type { StreamRecord } from '@rivulet/core';
import { Observable, type Observer, type OperatorFunction, type Subscriber } from 'rxjs';

type AnyOperator = OperatorFunction<unknown, unknown>;

/**
 * Runs a pipe's operators over one record on a chain of their own, built for that record and thrown
 * away after it: the operators are applied to a fresh source, subscribed, given the record, then
 * completed and unsubscribed, all synchronously. What they emitted is what they do with that record
 * alone, with no state from earlier records. {@link StreamRxPipe} compares it with what its
 * long-lived chain emitted for the same record.
 *
 * One instance per pipe node, reused record after record: its fields describe the last run.
 */
export class OneRecordChain {
  /** The values emitted during the last run, in order (completion included). */
  readonly emitted: unknown[] = [];
  /** How many of them came only when the chain's input completed (held by an operator until then). */
  emittedAtCompletion = 0;
  /** The error the chain ended with, if it failed. */
  failure: Error | undefined;
  /** False when the operators did not subscribe to their input at once (subscribeOn, delaySubscription). */
  subscribed = false;

  private sourceSubscriber: Subscriber<unknown> | undefined;
  // A cold source: each run's chain subscribes to it anew, and the run feeds that subscriber.
  private readonly source = new Observable<unknown>((subscriber) => {
    this.sourceSubscriber = subscriber;
  });
  private readonly observer: Partial<Observer<unknown>> = {
    next: (value) => {
      this.emitted.push(value);
    },
    error: (err: unknown) => {
      this.failure = err instanceof Error ? err : new Error(String(err));
    },
  };

  constructor(private readonly operators: readonly AnyOperator[]) {}

  /** Runs the operators over `record` alone; the result is in this object's fields. */
  run(record: StreamRecord<unknown, unknown>): void {
    this.emitted.length = 0;
    this.emittedAtCompletion = 0;
    this.failure = undefined;
    this.sourceSubscriber = undefined;
    // The operators are applied again for each run: some keep state per application (share,
    // shareReplay), not only per subscription.
    let chain: Observable<unknown> = this.source;
    for (let i = 0; i < this.operators.length; i++) chain = this.operators[i]!(chain);
    const subscription = chain.subscribe(this.observer);
    const input = this.sourceSubscriber as Subscriber<unknown> | undefined;
    this.subscribed = input !== undefined;
    if (input !== undefined) {
      input.next(record);
      const beforeCompletion = this.emitted.length;
      input.complete();
      this.emittedAtCompletion = this.emitted.length - beforeCompletion;
    }
    // Cancels whatever an async operator scheduled: only what happened synchronously counts.
    subscription.unsubscribe();
    this.sourceSubscriber = undefined;
  }
}
