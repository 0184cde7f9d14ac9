import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Metric } from '../metrics/metric.js';
import type { StreamsApp } from '../runtime/streams-app.js';

/** The JMX domain each metric group lives in, in a Java Kafka Streams app. */
const DOMAIN: Readonly<Record<Metric['group'], string>> = {
  'stream-metrics': 'kafka.streams',
  'stream-thread-metrics': 'kafka.streams',
  'stream-task-metrics': 'kafka.streams',
  'stream-processor-node-metrics': 'kafka.streams',
  'stream-state-metrics': 'kafka.streams',
  'consumer-fetch-manager-metrics': 'kafka.consumer',
  'consumer-coordinator-metrics': 'kafka.consumer',
  'producer-metrics': 'kafka.producer',
};

function sanitize(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/**
 * A metric's Prometheus name, as the Prometheus JMX exporter names a Kafka Streams bean attribute
 * by default (lowercased, `<domain>_<type>_<attribute>`, every other character an underscore):
 * `process-rate` of `stream-thread-metrics` is `kafka_streams_stream_thread_metrics_process_rate`,
 * `records-lag` of `consumer-fetch-manager-metrics` is
 * `kafka_consumer_consumer_fetch_manager_metrics_records_lag`. Dashboards built on a Java app's
 * JMX exporter read these as they are.
 */
export function prometheusName(metric: Pick<Metric, 'group' | 'name'>): string {
  return sanitize(`${DOMAIN[metric.group]}_${metric.group}_${metric.name}`);
}

/** A metric's labels: its tags, with the names the JMX exporter gives bean keys (`thread-id` -> `thread_id`). */
export function prometheusLabels(metric: Pick<Metric, 'tags'>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(metric.tags)) labels[sanitize(k)] = v;
  return labels;
}

/** Options of {@link PrometheusExporter}. */
export interface PrometheusOptions {
  /**
   * Also export Node.js's own metrics (process CPU and memory, event-loop lag, GC, heap) with
   * prom-client's standard names (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`).
   * Default `true`.
   */
  readonly nodeMetrics?: boolean;
}

/**
 * The app's metrics (`app.metrics().all`) in Prometheus' text format, read at each scrape. A
 * string-valued metric (`state`, `version`) is exported as 1 with its value as a label of the
 * metric's own name: `kafka_streams_stream_metrics_state{client_id="app",state="RUNNING"} 1`. An
 * average or a maximum with nothing in its window (NaN) is exported as NaN, as the JMX exporter does.
 */
export class PrometheusExporter {
  private readonly nodeRegistry: Registry | undefined;

  constructor(
    private readonly app: Pick<StreamsApp, 'metrics'>,
    options: PrometheusOptions = {},
  ) {
    if (options.nodeMetrics !== false) {
      this.nodeRegistry = new Registry();
      collectDefaultMetrics({ register: this.nodeRegistry });
    }
  }

  /** The content type of {@link PrometheusExporter.metrics}' text. */
  get contentType(): string {
    return Registry.PROMETHEUS_CONTENT_TYPE;
  }

  /** Every metric now, in Prometheus' text exposition format. */
  async metrics(): Promise<string> {
    const registry = new Registry();
    const byName = new Map<string, Metric[]>();
    for (const m of this.app.metrics().all) {
      const name = prometheusName(m);
      const list = byName.get(name);
      if (list === undefined) byName.set(name, [m]);
      else list.push(m);
    }
    for (const [name, metrics] of byName) {
      const labelNames = new Set<string>();
      for (const m of metrics) {
        for (const k of Object.keys(prometheusLabels(m))) labelNames.add(k);
        if (typeof m.value === 'string') labelNames.add(sanitize(m.name));
      }
      const gauge = new Gauge({ name, help: `${metrics[0]!.description} (Kafka: ${metrics[0]!.group} ${metrics[0]!.name})`, labelNames: [...labelNames], registers: [registry] });
      for (const m of metrics) {
        const labels = prometheusLabels(m);
        if (typeof m.value === 'string') gauge.set({ ...labels, [sanitize(m.name)]: m.value }, 1);
        else gauge.set(labels, m.value);
      }
    }
    const own = await registry.metrics();
    return this.nodeRegistry === undefined ? own : `${own}\n${await this.nodeRegistry.metrics()}`;
  }
}
