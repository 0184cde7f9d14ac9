/**
 * Observability on the real broker (issue 15, parts 1-3; docs/operating.md): an exactly-once word
 * count with a repartition and a store, scraped over HTTP while it runs. The metrics say what the
 * app did (the thread's process-total equals the records processed, the tasks' totals add up to
 * it, commits and committed transactions are counted), the consumer's lag reaches 0 once it has
 * caught up with a backlog written before it started, the DEBUG metrics count the store's calls,
 * and /health/ready answers 200 while RUNNING and 503 once the app has stopped.
 */
import { findMetrics, serveObservability, StreamsApp, type Metric, type ObservabilityServer } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaTestHarness } from '../src/index.js';

const apps: StreamsApp[] = [];
const servers: ObservabilityServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function total(all: readonly Metric[], name: string, tags: Record<string, string> = {}, group?: Metric['group']): number {
  return findMetrics(all, name, tags, group).reduce((n, m) => n + (m.value as number), 0);
}

/** The value of one sample line of a Prometheus exposition, by name and labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('metrics and health on the broker', () => {
  it('exactly_once word count: counts equal the records processed, lag goes to 0, DEBUG store counts, /metrics and /health answer', async () => {
    const LINES = 400;
    const kafka = new KafkaTestHarness();
    const [input, output] = [kafka.uniqueName('obs-in'), kafka.uniqueName('obs-out')];
    await Promise.all([kafka.createTopic(input, 3), kafka.createTopic(output, 3)]);
    // A backlog written before the app starts: the consumer starts behind and catches up.
    await kafka.produce(
      input,
      Array.from({ length: LINES }, (_, i) => ({ key: `line-${i}`, value: `alpha beta ${i % 2 === 0 ? 'gamma' : 'delta'}` })),
    );

    const builder = new StreamsBuilder();
    builder
      .source(input, { key: serdes.string(), value: serdes.string() })
      .flatMapValues((line) => line.split(' '))
      .groupBy((_, word) => word, { key: serdes.string(), value: serdes.string() })
      .count({ store: 'word-counts' })
      .toStream()
      .sink(output, { value: serdes.int64() });
    const applicationId = kafka.uniqueName('obs-app');
    const app = new StreamsApp(builder.build(), {
      applicationId,
      brokers: kafka.brokers,
      processingGuarantee: 'exactly_once',
      metricsRecordingLevel: 'DEBUG',
      metricsSampleWindowMs: 1_000,
    });
    apps.push(app);
    const server = await serveObservability(app, { port: 0 });
    servers.push(server);
    await app.start();
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);

    // 400 lines -> 1,200 words through the repartition topic: 1,600 records processed in all.
    await kafka.eventually(async () => (app.metrics().recordsProcessed >= LINES * 4 ? true : undefined), 60_000, 'every record processed');
    let lastLags = '';
    await kafka.eventually(
      async () => {
        const all = app.metrics().all;
        const lags = findMetrics(all, 'records-lag');
        lastLags = lags.map((l) => `${l.tags['topic']}-${l.tags['partition']}=${String(l.value)}`).join(' ');
        // Every input partition, and the repartition partitions its four words hash to.
        const input_ = lags.filter((l) => l.tags['topic'] === input);
        return input_.length === 3 && lags.length > 3 && lags.every((m) => m.value === 0) ? true : undefined;
      },
      30_000,
      'the lag of every input and repartition partition fetched at 0',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; lags: ${lastLags}`);
    });
    const m = app.metrics();
    const all = m.all;
    const thread = { 'thread-id': `${applicationId}-StreamThread-1` };
    expect(total(all, 'process-total', thread, 'stream-thread-metrics')).toBe(m.recordsProcessed);
    expect(total(all, 'process-total', {}, 'stream-task-metrics')).toBe(m.recordsProcessed);
    expect(m.recordsProcessed).toBe(LINES * 4);
    expect(total(all, 'commit-total', thread, 'stream-thread-metrics')).toBeGreaterThan(0);
    expect(total(all, 'txn-commit-total')).toBeGreaterThan(0);
    expect(total(all, 'record-error-total')).toBe(0);
    // Sent: 1,200 repartition records, the changelog and output updates of the counts (at least one per word).
    // Sends are acknowledged after processing (under exactly_once, records processed while a commit
    // is in flight go out once it settles): waited for, not read at once.
    const sent = await kafka.eventually(
      async () => {
        const n = total(app.metrics().all, 'record-send-total');
        return n >= LINES * 3 + 4 * 2 ? n : undefined;
      },
      30_000,
      'the repartition, changelog and output records sent',
    );
    expect(sent).toBeGreaterThanOrEqual(LINES * 3 + 4 * 2);
    expect(total(all, 'records-lag-max')).toBeGreaterThan(0);
    // DEBUG: the count's store was read and written once per word.
    expect(total(all, 'get-total', { 'in-memory-state-id': 'word-counts' })).toBe(LINES * 3);
    const store = findMetrics(all, 'put-total').filter((s) => Object.values(s.tags).includes('word-counts'));
    expect(store.reduce((n, s) => n + (s.value as number), 0)).toBe(LINES * 3);

    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(text, 'kafka_streams_stream_thread_metrics_process_total', { thread_id: thread['thread-id'] })).toBe(LINES * 4);
    expect(sample(text, 'kafka_streams_stream_metrics_state', { state: 'RUNNING' })).toBe(1);
    expect(sample(text, 'kafka_consumer_consumer_fetch_manager_metrics_records_lag', { topic: input, partition: '0' })).toBe(0);
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);

    await app.close();
    expect(app.health()).toMatchObject({ live: false, ready: false, state: 'NOT_RUNNING' });
  }, 120_000);

  // Issue 15, part 4: 'Debug logging printed 1,814 lines for 4 records.' kafkajs's own debug lines
  // (every request and response) now come only with clientLogLevel 'debug'.
  it("logLevel 'debug' stays readable: a few records log a bounded number of lines, Rivulet's own debug lines among them", async () => {
    const kafka = new KafkaTestHarness();
    const [input, output] = [kafka.uniqueName('dbg-in'), kafka.uniqueName('dbg-out')];
    await Promise.all([kafka.createTopic(input, 1), kafka.createTopic(output, 1)]);
    const builder = new StreamsBuilder();
    builder.source(input, { key: serdes.string(), value: serdes.string() }).mapValues((v) => v.toUpperCase()).sink(output, { key: serdes.string(), value: serdes.string() });
    const lines: { level: string; message: string }[] = [];
    const keep = (level: string) => (message: string) => void lines.push({ level, message });
    const app = new StreamsApp(builder.build(), {
      applicationId: kafka.uniqueName('dbg-app'),
      brokers: kafka.brokers,
      logLevel: 'debug',
      commitIntervalMs: 200,
      logger: { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') },
    });
    apps.push(app);
    await app.start();
    await kafka.produce(input, ['a', 'b', 'c', 'd'].map((v) => ({ key: v, value: v })));
    await kafka.eventually(async () => (app.metrics().recordsProcessed >= 4 ? true : undefined), 30_000, '4 records processed');
    await app.close();
    const kafkajsDebug = lines.filter((l) => l.level === 'debug' && l.message.startsWith('[kafkajs]'));
    expect(kafkajsDebug, kafkajsDebug.slice(0, 5).map((l) => l.message).join('\n')).toEqual([]);
    expect(lines.length, lines.map((l) => `${l.level} ${l.message}`).join('\n')).toBeLessThan(150);
    expect(lines.some((l) => l.level === 'info' && /^starting /.test(l.message))).toBe(true);
  }, 60_000);
});
