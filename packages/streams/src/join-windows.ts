/**
 * The window of a stream-stream join: two records join when their keys are equal and their
 * timestamps differ by at most the time difference (`before` the left record's time, `after` it).
 * The grace period says how long after a window ends an out-of-order record is still accepted; a
 * left or outer join emits a record that found no partner (with null for the other side) only when
 * its window has closed: once stream time passes the record's time + the time difference + grace.
 *
 * Both sides buffer their records for `before + after + grace` ms of stream time.
 *
 * @example
 * // Clicks within 5 minutes (either way) of an impression, accepting records up to 1 minute late.
 * const windows = JoinWindows.ofTimeDifferenceAndGrace(5 * 60_000, 60_000);
 * impressions.join(clicks, (impression, click) => ({ impression, click }), windows, { name: 'impression-clicks' });
 */
export class JoinWindows {
  private constructor(
    /** How far before a left record's timestamp a right record may be, in ms. */
    readonly beforeMs: number,
    /** How far after a left record's timestamp a right record may be, in ms. */
    readonly afterMs: number,
    /** How long after a window ends out-of-order records are still accepted, in ms. */
    readonly graceMs: number,
  ) {
    if (beforeMs + afterMs < 0) {
      throw new RangeError(`JoinWindows: before (${beforeMs} ms) + after (${afterMs} ms) must be >= 0: the window would be empty`);
    }
  }

  /**
   * Records join when their timestamps differ by at most `timeDifferenceMs`; records up to
   * `graceMs` late (behind stream time) still join.
   *
   * @example
   * JoinWindows.ofTimeDifferenceAndGrace(10_000, 2_000);
   */
  static ofTimeDifferenceAndGrace(timeDifferenceMs: number, graceMs: number): JoinWindows {
    const diff = checkDuration('timeDifferenceMs', timeDifferenceMs);
    return new JoinWindows(diff, diff, checkDuration('graceMs', graceMs));
  }

  /**
   * Records join when their timestamps differ by at most `timeDifferenceMs`; no grace: a window
   * closes as soon as stream time passes its end.
   *
   * @example
   * JoinWindows.ofTimeDifferenceWithNoGrace(10_000);
   */
  static ofTimeDifferenceWithNoGrace(timeDifferenceMs: number): JoinWindows {
    const diff = checkDuration('timeDifferenceMs', timeDifferenceMs);
    return new JoinWindows(diff, diff, 0);
  }

  /**
   * The same windows with another bound before the left record's timestamp (it may be negative, as
   * long as `before + after >= 0`): a right record joins when `left - before <= right`.
   *
   * @example
   * JoinWindows.ofTimeDifferenceWithNoGrace(10_000).before(0); // right records at most 10 s after the left one
   */
  before(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(checkInteger('before', timeDifferenceMs), this.afterMs, this.graceMs);
  }

  /**
   * The same windows with another bound after the left record's timestamp (it may be negative, as
   * long as `before + after >= 0`): a right record joins when `right <= left + after`.
   *
   * @example
   * JoinWindows.ofTimeDifferenceWithNoGrace(10_000).after(0); // right records at most 10 s before the left one
   */
  after(timeDifferenceMs: number): JoinWindows {
    return new JoinWindows(this.beforeMs, checkInteger('after', timeDifferenceMs), this.graceMs);
  }

  /** The window's length, `before + after`, in ms. */
  get sizeMs(): number {
    return this.beforeMs + this.afterMs;
  }

  /** How long each side buffers a record: `before + after + grace`, in ms of stream time. */
  get retentionMs(): number {
    return this.beforeMs + this.afterMs + this.graceMs;
  }
}

function checkInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`JoinWindows: ${name} must be a whole number of ms, got ${value}`);
  return value;
}

function checkDuration(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`JoinWindows: ${name} must be a whole number of ms >= 0, got ${value}`);
  return value;
}
