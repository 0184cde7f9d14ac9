import { assertDuration } from './internal/durations.js';

/**
 * Session windows: per key, periods of activity separated by at least `inactivityGapMs` without
 * records. A session is `[first record, last record]` (both inclusive); a record within the gap of
 * one or more sessions merges them into one. A session is final once stream time passes its end +
 * gap + grace: then no record can reach it.
 *
 * @example
 * // Per user, clicks per browsing session, a session ending after 30 minutes without clicks.
 * clicks.groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(1_800_000, 60_000)).count({ store: 'clicks-per-session' });
 */
export class SessionWindows {
  private constructor(
    /** The gap without records, in ms, that ends a session. */
    readonly inactivityGapMs: number,
    /** How long, in ms after a session's end + gap, out-of-order records are still accepted. */
    readonly graceMs: number,
  ) {}

  /** Sessions that end after `inactivityGapMs` without records; records behind stream time's close are late. */
  static ofInactivityGapWithNoGrace(inactivityGapMs: number): SessionWindows {
    return SessionWindows.ofInactivityGapAndGrace(inactivityGapMs, 0);
  }

  /** Sessions that end after `inactivityGapMs` without records, accepting out-of-order records for `graceMs` more. */
  static ofInactivityGapAndGrace(inactivityGapMs: number, graceMs: number): SessionWindows {
    assertDuration('SessionWindows', 'the inactivity gap', inactivityGapMs, 1);
    assertDuration('SessionWindows', 'the grace period', graceMs, 0);
    return new SessionWindows(inactivityGapMs, graceMs);
  }

  /** The default (and minimum) retention of the sessions' store: gap + grace. */
  get minRetentionMs(): number {
    return this.inactivityGapMs + this.graceMs;
  }
}
