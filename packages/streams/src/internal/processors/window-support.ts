import type { ProcessorContext } from '@rivulet/core';
import { LateRecordCounter } from '../../late-record-counter.js';

/**
 * The late records one windowed aggregation drops: each is counted in the user's
 * {@link LateRecordCounter} (if any) and reported to the task as a dropped record, reason `late`,
 * which counts it per task and logs it (the first at once, then at most a line per interval, with
 * the running count and the latest case). A record too late for only some of its windows counts once.
 *
 * @internal
 */
export class LateRecords {
  constructor(private readonly counter: LateRecordCounter) {}

  /** Counts and reports a late record; `describe` is called only when a log line is written. */
  drop(context: Pick<ProcessorContext, 'reportDropped'>, describe: () => string): void {
    this.counter.increment();
    context.reportDropped('late', describe);
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

/** What {@link FinalResults} needs of a window or session store: its emitted-up-to mark. */
interface EmittedMark {
  emittedUpTo(): number | undefined;
  setEmittedUpTo(time: number): void;
}

/**
 * The bookkeeping of `emit: 'final'`, shared by the time, sliding and session window aggregates:
 * which window times still owe their final result, and the store's emitted-up-to mark (logged with
 * the windows, so a restored task does not emit a result twice). `W` is a store entry; `timeOf`
 * gives the time it closes by (a window's start, a session's end).
 *
 * @internal
 */
export class FinalResults<W> {
  private readonly unemitted = new UnemittedTimes();
  private emittedUpTo = -1;

  constructor(
    private readonly store: EmittedMark,
    /** The store's entries with times in `[from, to]`. */
    private readonly entries: (from: number, to: number) => Iterable<W>,
    private readonly timeOf: (entry: W) => number,
  ) {
    // After a restore: the windows not yet emitted are those after the mark.
    this.emittedUpTo = store.emittedUpTo() ?? -1;
    for (const entry of entries(this.emittedUpTo + 1, Number.MAX_SAFE_INTEGER)) this.unemitted.add(timeOf(entry));
  }

  /** A window (its time) was updated and owes its final result. */
  add(time: number): void {
    this.unemitted.add(time);
  }

  /** Emits, once, every entry with a time up to `bound` not emitted yet, and moves the mark there. */
  emitUpTo(bound: number, emit: (entry: W) => void): void {
    if (bound <= this.emittedUpTo || !this.unemitted.anyUpTo(bound)) return;
    for (const entry of this.entries(this.emittedUpTo + 1, bound)) emit(entry);
    this.store.setEmittedUpTo(bound);
    this.emittedUpTo = bound;
    this.unemitted.dropUpTo(bound);
  }
}

/** Per task (its processor context) and store: the one {@link FinalResults} of the store. */
const finalResultsByTask = new WeakMap<object, Map<string, FinalResults<unknown>>>();

/**
 * The {@link FinalResults} of a window or session store in one task, made by `create` the first
 * time. A cogroup's aggregations (one per input stream) write one store: they must share its
 * bookkeeping, so a window closed by any input's record is emitted once, with what every input
 * put in it. Keyed by the task's context, so a task opened again (restored) starts afresh.
 *
 * @internal
 */
export function sharedFinalResults<W>(context: object, storeName: string, create: () => FinalResults<W>): FinalResults<W> {
  let byStore = finalResultsByTask.get(context);
  if (byStore === undefined) {
    byStore = new Map();
    finalResultsByTask.set(context, byStore);
  }
  let final = byStore.get(storeName) as FinalResults<W> | undefined;
  if (final === undefined) {
    final = create();
    byStore.set(storeName, final as FinalResults<unknown>);
  }
  return final;
}
