/**
 * Kafka's windowed statistics (org.apache.kafka.common.metrics.stats: Rate, Avg, Max, Min over a
 * SampledStat): `samples` windows of `windowMs`; a record goes into the current window, a window
 * older than all of them together is forgotten. A rate is the sum over the windows divided by the
 * time they cover, at least `samples - 1` whole windows (so a rate does not jump at start), as
 * Kafka's Rate does.
 */

interface Sample {
  start: number;
  count: number;
  sum: number;
  max: number;
  min: number;
}

export interface SampleWindow {
  readonly windowMs: number;
  readonly samples: number;
}

export class SampledStat {
  private readonly samples: Sample[];
  private current = 0;

  constructor(
    private readonly window: SampleWindow,
    now: number,
  ) {
    this.samples = Array.from({ length: window.samples }, () => ({ start: now, count: 0, sum: 0, max: -Infinity, min: Infinity }));
  }

  /** Records one value (a latency, a batch's record count) at `now`. */
  record(value: number, now: number): void {
    let s = this.samples[this.current]!;
    if (now - s.start >= this.window.windowMs) {
      this.current = (this.current + 1) % this.samples.length;
      s = this.samples[this.current]!;
      reset(s, now);
    }
    s.count++;
    s.sum += value;
    if (value > s.max) s.max = value;
    if (value < s.min) s.min = value;
  }

  /** Forgets the windows that ended more than `samples` windows ago. */
  private purge(now: number): void {
    const expiry = this.window.windowMs * this.samples.length;
    for (const s of this.samples) if (now - s.start >= expiry) reset(s, now);
  }

  /** The sum of the values recorded per second over the windows kept. */
  rate(now: number): number {
    return this.perSecond(now, (s) => s.sum);
  }

  /** The number of values recorded per second over the windows kept. */
  countRate(now: number): number {
    return this.perSecond(now, (s) => s.count);
  }

  private perSecond(now: number, pick: (s: Sample) => number): number {
    this.purge(now);
    let total = 0;
    let oldest = now;
    for (const s of this.samples) {
      total += pick(s);
      if (s.start < oldest) oldest = s.start;
    }
    const { windowMs, samples } = this.window;
    let elapsed = now - oldest;
    const full = Math.floor(elapsed / windowMs);
    if (full < samples - 1) elapsed += (samples - 1 - full) * windowMs;
    return elapsed <= 0 ? 0 : (total * 1000) / elapsed;
  }

  /** The mean of the values recorded in the windows kept; NaN when there are none. */
  avg(now: number): number {
    this.purge(now);
    let count = 0;
    let sum = 0;
    for (const s of this.samples) {
      count += s.count;
      sum += s.sum;
    }
    return count === 0 ? Number.NaN : sum / count;
  }

  /** The largest value recorded in the windows kept; NaN when there are none. */
  max(now: number): number {
    this.purge(now);
    let max = -Infinity;
    for (const s of this.samples) if (s.count > 0 && s.max > max) max = s.max;
    return max === -Infinity ? Number.NaN : max;
  }

  /** The smallest value recorded in the windows kept; NaN when there are none. */
  min(now: number): number {
    this.purge(now);
    let min = Infinity;
    for (const s of this.samples) if (s.count > 0 && s.min < min) min = s.min;
    return min === Infinity ? Number.NaN : min;
  }
}

function reset(s: Sample, now: number): void {
  s.start = now;
  s.count = 0;
  s.sum = 0;
  s.max = -Infinity;
  s.min = Infinity;
}
