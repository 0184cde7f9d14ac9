/**
 * Rivulet's metrics: Kafka Streams' names, groups, tags and recording levels, so that what an
 * operator knows from a Kafka Streams app (its JMX beans, its Grafana dashboards) reads the same
 * here. See docs/operating.md for the list and the Prometheus names.
 */

/**
 * How much is measured: Kafka Streams' `metrics.recording.level`. `INFO` (the default) keeps the
 * client, thread, task, consumer and producer metrics, whose cost is a few counters per batch;
 * `DEBUG` adds per-processor-node and per-state-store metrics, measured per record and per store
 * call; `TRACE` adds nothing more yet (Kafka Streams' TRACE metrics are RocksDB's).
 */
export type MetricsRecordingLevel = 'INFO' | 'DEBUG' | 'TRACE';

/** The recording levels, least detailed first. */
export const METRICS_RECORDING_LEVELS: readonly MetricsRecordingLevel[] = ['INFO', 'DEBUG', 'TRACE'];

/**
 * Kafka Streams' metric groups (the `type` of its JMX beans), plus the consumer's and producer's
 * groups for the metrics Rivulet measures of its clients.
 */
export type MetricGroup =
  | 'stream-metrics'
  | 'stream-thread-metrics'
  | 'stream-task-metrics'
  | 'stream-processor-node-metrics'
  | 'stream-state-metrics'
  | 'consumer-fetch-manager-metrics'
  | 'consumer-coordinator-metrics'
  | 'producer-metrics';

/** One metric's value now. */
export interface Metric {
  /** Kafka Streams' name, such as `process-rate` or `records-lag`. */
  readonly name: string;
  /** Its group, such as `stream-thread-metrics`. */
  readonly group: MetricGroup;
  /** Its tags, such as `{ 'thread-id': 'app-StreamThread-1', 'task-id': '0_1' }`. */
  readonly tags: Readonly<Record<string, string>>;
  /** What it measures. */
  readonly description: string;
  /**
   * `counter`: a total that only grows (`-total` names); `gauge`: a value now (rates, averages,
   * maxima, lags, states).
   */
  readonly type: 'counter' | 'gauge';
  /** The recording level it needs. */
  readonly level: MetricsRecordingLevel;
  /**
   * Its value. Numbers, except a few of Kafka Streams' string metrics (`state`, `version`); an
   * average or maximum with nothing recorded in its window is `NaN`, as in Kafka.
   */
  readonly value: number | string;
}

/**
 * The metrics with this name (and group, and tags, if given): a helper for reading
 * `app.metrics().all`.
 *
 * @example
 * const lag = findMetrics(app.metrics().all, 'records-lag', { topic: 'orders' });
 */
export function findMetrics(metrics: readonly Metric[], name: string, tags: Readonly<Record<string, string>> = {}, group?: MetricGroup): Metric[] {
  return metrics.filter((m) => m.name === name && (group === undefined || m.group === group) && Object.entries(tags).every(([k, v]) => m.tags[k] === v));
}
