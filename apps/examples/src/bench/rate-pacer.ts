/**
 * The schedule of a fixed-rate producer: record i (from 0) is due at `start + i * 1000 / rate`.
 * The sender asks how many records are due by now and sends the difference, so a late send (a slow
 * acknowledgement, a busy event loop) is caught up by the next batch instead of lowering the rate.
 */
export class RatePacer {
  /** Records in the whole schedule. */
  readonly total: number;

  /**
   * @param ratePerSec records per second, > 0
   * @param durationMs length of the schedule
   * @param startMs when record 0 is due (epoch ms)
   * @example
   * const pacer = new RatePacer(2000, 10_000, Date.now()); // 20,000 records, one every 0.5 ms
   */
  constructor(
    readonly ratePerSec: number,
    readonly durationMs: number,
    readonly startMs: number,
  ) {
    if (!(ratePerSec > 0) || !(durationMs >= 0)) throw new Error(`RatePacer: rate must be > 0 and duration >= 0, got ${ratePerSec}/s for ${durationMs} ms`);
    this.total = Math.round((ratePerSec * durationMs) / 1000);
  }

  /** When record `index` is due (epoch ms). */
  scheduledAt(index: number): number {
    return this.startMs + (index * 1000) / this.ratePerSec;
  }

  /** How many records are due at `nowMs`: those scheduled at or before it, at most {@link total}. */
  dueBy(nowMs: number): number {
    if (nowMs < this.startMs) return 0;
    return Math.min(this.total, Math.floor(((nowMs - this.startMs) * this.ratePerSec) / 1000) + 1);
  }

  /** Milliseconds from `nowMs` until record `index` is due (0 if it is already due). */
  waitFor(index: number, nowMs: number): number {
    return Math.max(0, this.scheduledAt(index) - nowMs);
  }
}
