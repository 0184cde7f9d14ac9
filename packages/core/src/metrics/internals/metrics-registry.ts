import type { Metric, MetricGroup, MetricsRecordingLevel } from '../metric.js';
import { METRICS_RECORDING_LEVELS } from '../metric.js';
import { SampledStat, type SampleWindow } from './sampled-stat.js';

/** What a metric is, without its value. */
export type MetricName = Omit<Metric, 'value'>;

/** Counts events (records, commits) and says how many per second: a `<name>-rate` and a `<name>-total`. */
export interface RateTotal {
  record(n?: number): void;
}

/** Times something (ms): `<name>-avg` and `<name>-max` (and `-min` where asked). */
export interface Latency {
  record(ms: number): void;
}

const NOOP: RateTotal & Latency = { record: () => undefined };

/**
 * The app's metrics: each is registered once with a function that reads its value, and read only
 * when someone asks (`app.metrics()`, a Prometheus scrape). Recording costs a few additions: a
 * counter, or a sample of a windowed statistic (see SampledStat). A metric above the app's
 * recording level is not registered, and its recorder does nothing.
 */
export class MetricsRegistry {
  private readonly metrics = new Map<string, { readonly name: MetricName; readonly read: () => number | string }>();
  private readonly levelIndex: number;

  constructor(
    readonly level: MetricsRecordingLevel,
    readonly window: SampleWindow,
    private readonly clock: () => number = Date.now,
  ) {
    this.levelIndex = METRICS_RECORDING_LEVELS.indexOf(level);
  }

  /** Whether metrics of this level are recorded. */
  records(level: MetricsRecordingLevel): boolean {
    return METRICS_RECORDING_LEVELS.indexOf(level) <= this.levelIndex;
  }

  /** Registers a metric read by `read` (replacing one with the same name, group and tags). */
  add(name: MetricName, read: () => number | string): void {
    if (!this.records(name.level)) return;
    this.metrics.set(keyOf(name), { name, read });
  }

  /** Removes the metrics whose tags include all of `tags` (a closed task's, say). */
  removeTagged(tags: Readonly<Record<string, string>>): void {
    const entries = Object.entries(tags);
    for (const [key, m] of this.metrics) if (entries.every(([k, v]) => m.name.tags[k] === v)) this.metrics.delete(key);
  }

  /** Every metric with its value now. */
  snapshot(): Metric[] {
    const out: Metric[] = [];
    for (const { name, read } of this.metrics.values()) out.push({ ...name, value: read() });
    return out;
  }

  /** `<base>-rate` (per second, windowed) and `<base>-total` (since start) of what `record(n)` counts. */
  rateTotal(group: MetricGroup, base: string, tags: Readonly<Record<string, string>>, what: string, level: MetricsRecordingLevel = 'INFO'): RateTotal {
    if (!this.records(level)) return NOOP;
    const stat = new SampledStat(this.window, this.clock());
    let total = 0;
    this.add({ name: `${base}-rate`, group, tags, level, type: 'gauge', description: `The average number of ${what} per second.` }, () => stat.rate(this.clock()));
    this.add({ name: `${base}-total`, group, tags, level, type: 'counter', description: `The total number of ${what}.` }, () => total);
    const clock = this.clock;
    return {
      record(n = 1) {
        total += n;
        stat.record(n, clock());
      },
    };
  }

  /** `<base>-avg` and `<base>-max` (and `<base>-min` with `withMin`) of the values recorded, windowed. */
  avgMax(
    group: MetricGroup,
    base: string,
    tags: Readonly<Record<string, string>>,
    what: string,
    level: MetricsRecordingLevel = 'INFO',
    withMin = false,
  ): Latency {
    if (!this.records(level)) return NOOP;
    const stat = new SampledStat(this.window, this.clock());
    this.add({ name: `${base}-avg`, group, tags, level, type: 'gauge', description: `The average ${what}.` }, () => stat.avg(this.clock()));
    this.add({ name: `${base}-max`, group, tags, level, type: 'gauge', description: `The maximum ${what}.` }, () => stat.max(this.clock()));
    if (withMin) this.add({ name: `${base}-min`, group, tags, level, type: 'gauge', description: `The minimum ${what}.` }, () => stat.min(this.clock()));
    const clock = this.clock;
    return {
      record(ms: number) {
        stat.record(ms, clock());
      },
    };
  }

  /** A ratio of time: what `record(ms)` adds up, per ms of wall-clock time, over the window (0 to 1). */
  timeRatio(group: MetricGroup, name: string, tags: Readonly<Record<string, string>>, description: string, level: MetricsRecordingLevel = 'INFO'): Latency {
    if (!this.records(level)) return NOOP;
    const stat = new SampledStat(this.window, this.clock());
    this.add({ name, group, tags, level, type: 'gauge', description }, () => Math.min(1, stat.rate(this.clock()) / 1000));
    const clock = this.clock;
    return {
      record(ms: number) {
        stat.record(ms, clock());
      },
    };
  }
}

function keyOf(name: MetricName): string {
  const tags = Object.keys(name.tags)
    .sort()
    .map((k) => `${k}=${name.tags[k]}`)
    .join(',');
  return `${name.group}|${name.name}|${tags}`;
}
