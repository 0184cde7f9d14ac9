import { assertDuration } from './internal/durations.js';

/**
 * Sliding windows, as Kafka Streams defines them: windows of a fixed time difference
 * `[start, start + difference]` (both ends inclusive), one for each distinct set of records that
 * lie within the difference of each other, created as records arrive (each record's window ending
 * at it, and the window starting just after it). Unlike hopping windows, no window is empty or
 * repeats another's contents. A window closes once stream time passes its end + grace.
 *
 * @example
 * // Per key, the sum of the values of the records within 5 s of each other.
 * payments.groupByKey().windowedBy(SlidingWindows.ofTimeDifferenceAndGrace(5_000, 1_000)).reduce((a, b) => a + b, { store: 'sums' });
 */
export class SlidingWindows {
  private constructor(
    /** The largest time difference between two records of one window. */
    readonly timeDifferenceMs: number,
    /** How long, in ms after a window's end, out-of-order records are still accepted. */
    readonly graceMs: number,
  ) {}

  /** Windows of `timeDifferenceMs` that close at their end. */
  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): SlidingWindows {
    return SlidingWindows.ofTimeDifferenceAndGrace(timeDifferenceMs, 0);
  }

  /** Windows of `timeDifferenceMs` that accept out-of-order records until stream time passes their end + `graceMs`. */
  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): SlidingWindows {
    assertDuration('SlidingWindows', 'the time difference', timeDifferenceMs, 1);
    assertDuration('SlidingWindows', 'the grace period', graceMs, 0);
    return new SlidingWindows(timeDifferenceMs, graceMs);
  }

  /**
   * The default (and minimum) retention of the windows' store: 2 × difference + grace, since a
   * record reads windows up to two differences back to build its own.
   */
  get minRetentionMs(): number {
    return 2 * this.timeDifferenceMs + this.graceMs;
  }
}
