import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectionRefused } from '../client/internals/fake/fake-errors.js';
import { FakeWorld, mapTopology, numbered, waitAllCommitted, waitForState } from '../runtime/test-support/fake-app.js';
import { serveObservability, type ObservabilityServer } from './http.js';
import { prometheusLabels, prometheusName } from './prometheus.js';

/**
 * Issue 15, parts 2 and 3: Prometheus exposition and health endpoints, served over real HTTP by an
 * app on the in-memory Kafka (the broker test is in packages/testing/test/observability.int.test.ts).
 */

let world: FakeWorld | undefined;
let server: ObservabilityServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await world?.dispose();
  world = undefined;
});

async function get(path: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(`${server!.url}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

/** The value of one sample line of the exposition, by name and labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => inside.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('Prometheus names (the JMX exporter default mapping)', () => {
  it("maps group and name as the JMX exporter maps a Kafka Streams bean's attribute", () => {
    expect(prometheusName({ group: 'stream-thread-metrics', name: 'process-rate' })).toBe('kafka_streams_stream_thread_metrics_process_rate');
    expect(prometheusName({ group: 'stream-task-metrics', name: 'dropped-records-total' })).toBe('kafka_streams_stream_task_metrics_dropped_records_total');
    expect(prometheusName({ group: 'consumer-fetch-manager-metrics', name: 'records-lag' })).toBe('kafka_consumer_consumer_fetch_manager_metrics_records_lag');
    expect(prometheusName({ group: 'producer-metrics', name: 'record-send-rate' })).toBe('kafka_producer_producer_metrics_record_send_rate');
    expect(prometheusLabels({ tags: { 'thread-id': 't', 'task-id': '0_1', 'in-memory-state-id': 's' } })).toEqual({ thread_id: 't', task_id: '0_1', in_memory_state_id: 's' });
  });
});

describe('serveObservability on an app', { timeout: 10_000 }, () => {
  it('serves /metrics with the counts the app made, and /health/live and /health/ready as 200 while RUNNING', async () => {
    world = new FakeWorld({ input: 2, output: 2 });
    const run = world.start(mapTopology(), { processingGuarantee: 'at_least_once', clientId: 'obs' });
    server = await serveObservability(run.app, { port: 0 });
    expect(await run.started).toEqual({ ok: true });
    world.produce('input', numbered(30));
    await waitAllCommitted(world);

    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    expect(sample(metrics.body, 'kafka_streams_stream_thread_metrics_process_total', { thread_id: 'obs-StreamThread-1' })).toBe(30);
    expect(sample(metrics.body, 'kafka_streams_stream_metrics_state', { client_id: 'obs', state: 'RUNNING' })).toBe(1);
    expect(sample(metrics.body, 'kafka_consumer_consumer_fetch_manager_metrics_records_lag', { topic: 'input', partition: '0' })).toBe(0);
    const perTask = ['0_0', '0_1'].map((task) => sample(metrics.body, 'kafka_streams_stream_task_metrics_process_total', { task_id: task }) ?? 0);
    expect(perTask[0]! + perTask[1]!).toBe(30);
    // Node.js's own metrics come along.
    expect(metrics.body).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(metrics.body).toMatch(/^# HELP kafka_streams_stream_thread_metrics_process_rate /m);

    const live = await get('/health/live');
    expect(live.status).toBe(200);
    expect(JSON.parse(live.body)).toEqual({ live: true, ready: true, state: 'RUNNING', reasons: [] });
    expect((await get('/health/ready')).status).toBe(200);
    expect((await get('/nothing')).status).toBe(404);
  });

  it('a task stuck in retries makes the app not ready (503, saying why) while it stays live; ready again once it recovers', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const w = world;
    const run = w.start(mapTopology(), { processingGuarantee: 'exactly_once', retry: { initialRetryTimeMs: 200, maxRetryTimeMs: 200 } });
    server = await serveObservability(run.app, { port: 0 });
    expect(await run.started).toEqual({ ok: true });
    w.cluster.failNext('txSend', connectionRefused, { times: 3 });
    w.produce('input', numbered(5));
    await vi.waitFor(async () => expect((await get('/health/ready')).status).toBe(503), { timeout: 3_000, interval: 10 });
    const ready = JSON.parse((await get('/health/ready')).body) as { reasons: string[] };
    expect(ready.reasons).toContainEqual(expect.stringMatching(/task\(s\) 0_0 failed and wait for a retry/));
    expect((await get('/health/live')).status).toBe(200);
    await waitAllCommitted(w);
    await vi.waitFor(async () => expect((await get('/health/ready')).status).toBe(200), { timeout: 3_000, interval: 10 });
  });

  it('not live once the app is in ERROR or stopped; the server closes with the app', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(mapTopology(), { processingGuarantee: 'at_least_once' });
    expect(await run.started).toEqual({ ok: true });
    expect(run.app.health()).toEqual({ live: true, ready: true, state: 'RUNNING', reasons: [] });
    server = await serveObservability(run.app, { port: 0 });
    const { url } = server;
    await run.app.close();
    await waitForState(run, 'NOT_RUNNING');
    expect(run.app.health()).toMatchObject({ live: false, ready: false, state: 'NOT_RUNNING' });
    await vi.waitFor(async () => expect(await fetch(`${url}/health/live`).then(() => 'answered', () => 'closed')).toBe('closed'), { timeout: 2_000 });
  });

  it('not live when the processing loop made no progress within the window', () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(mapTopology(), { processingGuarantee: 'at_least_once' });
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 120_000);
    const health = run.app.health(60_000);
    vi.restoreAllMocks();
    expect(health.live).toBe(false);
    expect(health.reasons).toContainEqual(expect.stringMatching(/made no progress for \d+ ms \(more than 60000\)/));
  });
});

describe('the live page and its feed', { timeout: 10_000 }, () => {
  it('serves the page, a JSON snapshot with the topology, tasks, lag and rates, and server-sent events every second', async () => {
    world = new FakeWorld({ input: 2, output: 2 });
    const run = world.start(mapTopology(), { processingGuarantee: 'at_least_once', metricsRecordingLevel: 'DEBUG' });
    server = await serveObservability(run.app, { port: 0 });
    expect(await run.started).toEqual({ ok: true });
    world.produce('input', numbered(20));
    await waitAllCommitted(world).catch((err: Error) => {
      throw new Error(`${err.message}; errors: ${run.errors.map((e) => e.message).join(' | ')}; state ${run.app.state}`);
    });

    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('<svg id="graph"');
    // Self-contained: nothing loaded from elsewhere.
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);

    const snap = JSON.parse((await get('/api/snapshot')).body) as {
      applicationId: string;
      state: string;
      topology: { subTopologies: { id: number; nodes: { name: string }[] }[] };
      tasks: { id: string; processed: number }[];
      lags: { topic: string; partition: number; lag: number }[];
      rates: { processTotal: number; nodes: Record<string, { total: number }> };
    };
    expect(snap.applicationId).toBe('app');
    expect(snap.state).toBe('RUNNING');
    expect(snap.topology.subTopologies[0]!.nodes.map((n) => n.name)).toEqual(['in', 'map', 'out']);
    expect(snap.tasks.map((t) => t.id)).toEqual(['0_0', '0_1']);
    expect(snap.tasks.reduce((sum, t) => sum + t.processed, 0)).toBe(20);
    expect(snap.lags.map((l) => l.lag)).toEqual([0, 0]);
    expect(snap.rates.processTotal).toBe(20);
    expect(snap.rates.nodes['map']!.total).toBe(20);

    // Server-sent events: the first snapshot at once, the next about a second later.
    const controller = new AbortController();
    const res = await fetch(`${server.url}/events`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    const events: string[] = [];
    let buffer = '';
    const startedAt = Date.now();
    while (events.length < 2) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += Buffer.from(value).toString();
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        events.push(buffer.slice(0, at));
        buffer = buffer.slice(at + 2);
      }
    }
    controller.abort();
    expect(events).toHaveLength(2);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(900);
    expect(JSON.parse(events[0]!.replace(/^data: /, '')).applicationId).toBe('app');
  });
});
