import { assertDuration } from './internal/durations.js';

/**
 * Fixed-size windows aligned to the epoch: tumbling (`ofSizeWithNoGrace`, `ofSizeAndGrace`), or
 * hopping once `advanceBy` makes them overlap. A window is `[start, start + size)`. A record is
 * added to every window it falls in; once stream time reaches a window's end + grace, the window
 * is closed: records for it are dropped as late (and counted), and with `emit: 'final'` its result
 * is emitted. Times are milliseconds.
 *
 * @example
 * // Per key, the number of clicks per minute, accepting records up to 10 s late.
 * clicks.groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(60_000, 10_000)).count({ store: 'clicks-per-minute' });
 * // Five-minute windows every minute (hopping).
 * TimeWindows.ofSizeWithNoGrace(300_000).advanceBy(60_000);
 */
export class TimeWindows {
  private constructor(
    /** The window size. */
    readonly sizeMs: number,
    /** How far each window starts after the previous one: the size for tumbling windows. */
    readonly advanceMs: number,
    /** How long after its end a window still accepts out-of-order records. */
    readonly graceMs: number,
  ) {}

  /** Tumbling windows of `sizeMs` that close at their end: any record behind stream time's window is late. */
  static ofSizeWithNoGrace(sizeMs: number): TimeWindows {
    return TimeWindows.ofSizeAndGrace(sizeMs, 0);
  }

  /** Tumbling windows of `sizeMs` that accept out-of-order records until stream time passes their end + `graceMs`. */
  static ofSizeAndGrace(sizeMs: number, graceMs: number): TimeWindows {
    assertDuration('TimeWindows', 'the size', sizeMs, 1);
    assertDuration('TimeWindows', 'the grace period', graceMs, 0);
    return new TimeWindows(sizeMs, sizeMs, graceMs);
  }

  /** Hopping windows: a window starts every `advanceMs` (0 < advance <= size). */
  advanceBy(advanceMs: number): TimeWindows {
    assertDuration('TimeWindows.advanceBy', 'the advance', advanceMs, 1);
    if (advanceMs > this.sizeMs) {
      throw new RangeError(`TimeWindows.advanceBy: the advance (${advanceMs} ms) must not exceed the window size (${this.sizeMs} ms)`);
    }
    return new TimeWindows(this.sizeMs, advanceMs, this.graceMs);
  }

  /**
   * The starts of the windows a record at `timestamp` falls in, oldest first (none start before 0).
   *
   * @example
   * TimeWindows.ofSizeWithNoGrace(10).advanceBy(5).windowsFor(12); // [5, 10]
   */
  windowsFor(timestamp: number): number[] {
    const starts: number[] = [];
    const first = Math.max(0, timestamp - this.sizeMs + this.advanceMs);
    for (let start = first - (first % this.advanceMs); start <= timestamp; start += this.advanceMs) starts.push(start);
    return starts;
  }

  /** The default (and minimum) retention of the windows' store: size + grace. */
  get minRetentionMs(): number {
    return this.sizeMs + this.graceMs;
  }
}
