import { LateRecordCounter } from '../../late-record-counter.js';

/**
 * Counts and logs the late records one windowed aggregation drops. Logging is bounded: the first
 * drop, then the 10th, 100th, 1000th..., each line with the running total and the latest case.
 *
 * @internal
 */
export class LateRecordLog {
  private dropped = 0;
  private nextLog = 1;

  constructor(
    private readonly operator: string,
    private readonly counter: LateRecordCounter,
    private readonly warn: (message: string) => void,
  ) {}

  drop(describe: () => string): void {
    this.counter.increment();
    if (++this.dropped < this.nextLog) return;
    this.nextLog *= 10;
    this.warn(`${this.operator}: dropped ${this.dropped} late record(s) in this task so far; latest: ${describe()}`);
  }
}

/** The counter an aggregation counts into when the user passed none. @internal */
export function counterOrNew(counter: LateRecordCounter | undefined): LateRecordCounter {
  return counter ?? new LateRecordCounter();
}

/**
 * The distinct times (window starts, session ends) of windows written but not yet emitted as
 * final, sorted: the cheap check that tells whether a close of stream time can emit anything, so
 * the store is only searched when a window actually closes. Short in practice (bounded by the
 * number of distinct window times within grace), and new times are usually the newest.
 *
 * @internal
 */
export class UnemittedTimes {
  private times: number[] = [];
  private head = 0;

  add(time: number): void {
    const times = this.times;
    const last = times[times.length - 1];
    if (times.length === this.head || time > last!) {
      times.push(time);
      return;
    }
    if (time === last) return;
    let lo = this.head;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid]! < time) lo = mid + 1;
      else hi = mid;
    }
    if (times[lo] !== time) times.splice(lo, 0, time);
  }

  /** True when some pending time is <= `bound`. */
  anyUpTo(bound: number): boolean {
    return this.head < this.times.length && this.times[this.head]! <= bound;
  }

  /** Forgets the times <= `bound` (emitted). */
  dropUpTo(bound: number): void {
    while (this.head < this.times.length && this.times[this.head]! <= bound) this.head++;
    if (this.head > 64 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
