import { ProcessingError, type AsyncForwarder, type AsyncOrigin, type Processor, type ProcessorContext, type StreamRecord } from '@rivulet/core';

const WAITING = 0;
const RUNNING = 1;
const DONE = 2;
const FAILED = 3;

/** One record taken by an async operator, from its arrival to its results leaving. */
interface Job<K, V, R> {
  readonly record: StreamRecord<K, V>;
  readonly origin: AsyncOrigin<K, unknown>;
  state: typeof WAITING | typeof RUNNING | typeof DONE | typeof FAILED;
  /** The result (DONE) or the error (FAILED). */
  outcome: R | unknown;
}

/**
 * mapAsync and flatMapAsync: calls an async function per record with at most `concurrency` calls in
 * flight, and forwards the results in input order (a result waits for those of the records before
 * it, so per-partition order holds). Records beyond the bound wait here, in order, and start as
 * earlier calls settle; the runtime awaits {@link StreamAsync.pending} after each batch, so what
 * waits here is at most one fetched batch. A rejected call goes to the processing exception handler
 * with the record's topic, partition and offset.
 */
export class StreamAsync<K, V, R, VR> implements Processor<K, V, K, VR> {
  private forwarder!: AsyncForwarder<K, VR>;
  /** Records taken, in input order; `head` is the oldest whose results have not left yet. */
  private jobs: Job<K, V, R>[] = [];
  private head = 0;
  private nextToStart = 0;
  private running = 0;
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;
  private closed = false;

  constructor(
    private readonly call: (value: V, key: K, record: StreamRecord<K, V>) => PromiseLike<R>,
    /** flatMapAsync: the result is an iterable of values, each forwarded. */
    private readonly many: boolean,
    private readonly concurrency: number,
  ) {}

  init(context: ProcessorContext<K, VR>): void {
    this.forwarder = context.asyncForwarder();
  }

  process(record: StreamRecord<K, V>): void {
    this.jobs.push({ record, origin: this.forwarder.capture(), state: WAITING, outcome: undefined });
    this.startMore();
  }

  pending(): Promise<void> | undefined {
    if (this.head === this.jobs.length) return undefined;
    if (this.idle === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.idle = { promise, resolve };
    }
    return this.idle.promise;
  }

  close(): void {
    // Calls in flight run on, but their results are dropped (the task's output is discarded).
    this.closed = true;
    this.jobs = [];
    this.head = this.nextToStart = this.running = 0;
    this.idle?.resolve();
    this.idle = undefined;
  }

  private startMore(): void {
    while (this.running < this.concurrency && this.nextToStart < this.jobs.length) {
      const job = this.jobs[this.nextToStart++]!;
      job.state = RUNNING;
      this.running++;
      let result: PromiseLike<R>;
      try {
        result = this.call(job.record.value, job.record.key, job.record);
      } catch (err) {
        result = Promise.reject(err);
      }
      Promise.resolve(result).then(
        (value) => this.settle(job, DONE, value),
        (err: unknown) => this.settle(job, FAILED, err),
      );
    }
  }

  private settle(job: Job<K, V, R>, state: typeof DONE | typeof FAILED, outcome: unknown): void {
    if (this.closed) return;
    job.state = state;
    job.outcome = outcome;
    this.running--;
    this.emitReady();
    this.startMore();
    if (this.head === this.jobs.length) {
      this.jobs = [];
      this.head = this.nextToStart = 0;
      this.idle?.resolve();
      this.idle = undefined;
    }
  }

  /** Forwards the results at the head of the queue, in input order, up to the first still running. */
  private emitReady(): void {
    while (this.head < this.jobs.length) {
      const job = this.jobs[this.head]!;
      if (job.state !== DONE && job.state !== FAILED) return;
      this.head++;
      try {
        if (job.state === FAILED) job.origin.fail(job.outcome);
        else if (this.many) this.forwardEach(job);
        else job.origin.forward(job.record.withValue(job.outcome));
      } catch (err) {
        // Under the 'fail' handler the origin throws a ProcessingError after the task kept it; the
        // batch waiting for this work fails with it. The records after this one still finish.
        if (!(err instanceof ProcessingError)) throw err;
      }
    }
  }

  private forwardEach(job: Job<K, V, R>): void {
    let values: unknown[];
    try {
      values = [...(job.outcome as Iterable<unknown>)];
    } catch (err) {
      job.origin.fail(err);
      return;
    }
    for (const value of values) job.origin.forward(job.record.withValue(value));
  }
}
