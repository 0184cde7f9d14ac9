import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProcessorContext } from '../processor/processor-context.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import type { KeyValueStore } from '../state/key-value-store.js';
import { Stores } from '../state/stores.js';
import { Topology } from '../topology/topology.js';
import { FakeWorld, mapTopology, numbered, waitAllCommitted, type FakeAppRun } from '../runtime/test-support/fake-app.js';
import { findMetrics, type Metric, type MetricGroup } from './metric.js';
import { SampledStat } from './internals/sampled-stat.js';

/**
 * Issue 15, part 1: Kafka Streams' metrics by name, group, tags and recording level, read through
 * `app.metrics().all`, on the in-memory Kafka. Values are checked against what the app did: records
 * processed, commits, lag after catching up, and (DEBUG) per-node and per-store counts.
 */

let world: FakeWorld | undefined;
afterEach(async () => {
  await world?.dispose();
  world = undefined;
});

function value(run: FakeAppRun, name: string, tags: Record<string, string> = {}, group?: MetricGroup): number | string | undefined {
  const found = findMetrics(run.app.metrics().all, name, tags, group);
  expect(found.length, `${name} ${JSON.stringify(tags)}: ${found.length} metrics`).toBeLessThanOrEqual(1);
  return found[0]?.value;
}

function sum(run: FakeAppRun, name: string, tags: Record<string, string> = {}): number {
  return findMetrics(run.app.metrics().all, name, tags).reduce((n, m) => n + (m.value as number), 0);
}

/** input -> a count per key in the store `counts` -> output `key:count`. */
function countTopology(): Topology {
  const counter: ProcessorSupplier<string, string, string, string> = () => {
    let ctx: ProcessorContext<string, string>;
    let store: KeyValueStore<string, bigint>;
    return {
      init: (context) => {
        ctx = context;
        store = context.getStateStore<KeyValueStore<string, bigint>>('counts');
      },
      process: (record) => {
        const next = (store.get(record.key) ?? 0n) + 1n;
        store.put(record.key, next);
        ctx.forward(record.withValue(String(next)));
      },
    };
  };
  return new Topology()
    .addSource('in', 'input', { key: serdes.string(), value: serdes.string() })
    .addProcessor('counter', counter, 'in')
    .addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('counts'), serdes.string(), serdes.int64()), 'counter')
    .addSink('out', 'output', { key: serdes.string(), value: serdes.string() }, 'counter');
}

describe('SampledStat (Kafka windowed statistics)', () => {
  it('a rate covers at least samples - 1 windows, forgets windows older than all samples, and avg/max/min are NaN when empty', () => {
    const stat = new SampledStat({ windowMs: 1_000, samples: 2 }, 0);
    expect(stat.avg(0)).toBeNaN();
    expect(stat.max(0)).toBeNaN();
    stat.record(10, 0);
    stat.record(30, 100);
    // 40 in 100 ms, but the elapsed time counts as at least one whole window more (Kafka's Rate): 40 per 1.1 s.
    expect(stat.rate(100)).toBeCloseTo(40 / 1.1, 6);
    expect(stat.countRate(100)).toBeCloseTo(2 / 1.1, 6);
    expect(stat.avg(100)).toBe(20);
    expect(stat.max(100)).toBe(30);
    expect(stat.min(100)).toBe(10);
    stat.record(60, 1_500);
    // Two windows: [0, 1000) with 40, [1500, ...) with 60, over 1.6 s.
    expect(stat.rate(1_600)).toBeCloseTo(100 / 1.6, 6);
    expect(stat.max(1_600)).toBe(60);
    // Both windows older than 2 s: forgotten.
    expect(stat.rate(5_000)).toBe(0);
    expect(stat.max(5_000)).toBeNaN();
  });
});

describe('app.metrics().all at INFO', { timeout: 10_000 }, () => {
  it("has Kafka Streams' client, thread, task, consumer and producer metrics; the totals are what the app did", async () => {
    world = new FakeWorld({ input: 2, output: 2 });
    const run = world.start(mapTopology(), { processingGuarantee: 'at_least_once', clientId: 'm' });
    expect(await run.started).toEqual({ ok: true });
    world.produce('input', numbered(40));
    await waitAllCommitted(world);
    const thread = { 'thread-id': 'm-StreamThread-1' };

    expect(value(run, 'state', { 'client-id': 'm' })).toBe('RUNNING');
    expect(value(run, 'alive-stream-threads')).toBe(1);
    expect(value(run, 'failed-stream-threads')).toBe(0);
    expect(value(run, 'version')).toMatch(/^\d+\.\d+\.\d+/);
    expect(value(run, 'process-total', thread, 'stream-thread-metrics')).toBe(40);
    expect(value(run, 'process-rate', thread, 'stream-thread-metrics')).toBeGreaterThan(0);
    expect(value(run, 'process-latency-avg', thread, 'stream-thread-metrics')).toBeGreaterThanOrEqual(0);
    expect(value(run, 'poll-total', thread, 'stream-thread-metrics')).toBeGreaterThan(0);
    expect(value(run, 'commit-total', thread, 'stream-thread-metrics')).toBeGreaterThan(0);
    expect(value(run, 'commit-latency-max', thread, 'stream-thread-metrics')).toBeGreaterThanOrEqual(0);
    expect(value(run, 'task-created-total', thread, 'stream-thread-metrics')).toBe(2);
    // Per task: their process totals add up to the thread's.
    expect(sum(run, 'process-total', { 'task-id': '0_0' }) + sum(run, 'process-total', { 'task-id': '0_1' })).toBe(40);
    expect(value(run, 'dropped-records-total', { 'task-id': '0_0' })).toBe(0);
    expect(value(run, 'active-process-ratio', { 'task-id': '0_1' })).toBeGreaterThanOrEqual(0);
    // The consumer caught up: every partition's lag is 0; 40 records consumed.
    const lags = findMetrics(run.app.metrics().all, 'records-lag');
    expect(lags.map((m) => m.tags['partition']).sort()).toEqual(['0', '1']);
    expect(lags.map((m) => m.value)).toEqual([0, 0]);
    expect(value(run, 'records-consumed-total')).toBe(40);
    expect(value(run, 'record-send-total')).toBe(40);
    expect(value(run, 'record-error-total')).toBe(0);
    expect(value(run, 'rebalance-total')).toBe(1);
    // Nothing of DEBUG at INFO.
    const all: readonly Metric[] = run.app.metrics().all;
    expect(all.filter((m) => m.level !== 'INFO')).toEqual([]);
    expect(all.filter((m) => m.group === 'stream-processor-node-metrics' || m.group === 'stream-state-metrics')).toEqual([]);
    // Every metric is well formed.
    for (const m of all) {
      expect(m.name, JSON.stringify(m)).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(m.description.length, m.name).toBeGreaterThan(5);
      expect(['number', 'string']).toContain(typeof m.value);
    }
  });

  it('under exactly_once, counts committed transactions; a closed task takes its metrics away', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(mapTopology(), { processingGuarantee: 'exactly_once' });
    expect(await run.started).toEqual({ ok: true });
    world.produce('input', numbered(10));
    await waitAllCommitted(world);
    expect(value(run, 'txn-commit-total')).toBeGreaterThan(0);
    expect(value(run, 'txn-commit-time-ns-total')).toBeGreaterThan(0);
    expect(findMetrics(run.app.metrics().all, 'process-total', { 'task-id': '0_0' })).toHaveLength(1);
    await run.app.close();
    expect(findMetrics(run.app.metrics().all, 'process-total', { 'task-id': '0_0' })).toEqual([]);
    expect(value(run, 'task-closed-total', {}, 'stream-thread-metrics')).toBe(1);
    expect(value(run, 'state')).toBe('NOT_RUNNING');
  });

  it('lag: the records a fetch left on the broker, then 0 once the consumer caught up', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const w = world;
    // Small fetches: the first batch leaves most of the 200 records on the broker.
    const run = w.start(mapTopology(), { processingGuarantee: 'at_least_once', consumer: { maxBytesPerPartition: 256 } });
    expect(await run.started).toEqual({ ok: true });
    w.produce('input', numbered(200));
    await waitAllCommitted(w);
    expect(value(run, 'records-lag-max')).toBeGreaterThan(100);
    expect(value(run, 'records-lag')).toBe(0);
    expect(value(run, 'poll-total', {}, 'stream-thread-metrics')).toBeGreaterThan(1);
  });
});

describe('app.metrics().all at DEBUG', { timeout: 10_000 }, () => {
  it('adds per-node and per-store metrics whose counts are the records and store calls made', async () => {
    world = new FakeWorld({ input: 1, output: 1 });
    const run = world.start(countTopology(), { processingGuarantee: 'at_least_once', metricsRecordingLevel: 'DEBUG' });
    expect(await run.started).toEqual({ ok: true });
    world.produce('input', numbered(12, 0, 3));
    await waitAllCommitted(world);
    const task = { 'task-id': '0_0' };
    for (const node of ['in', 'counter', 'out']) {
      expect(value(run, 'process-total', { ...task, 'processor-node-id': node }), node).toBe(12);
      expect(value(run, 'record-e2e-latency-max', { ...task, 'processor-node-id': node }), node).toBeGreaterThanOrEqual(0);
    }
    const store = { ...task, 'in-memory-state-id': 'counts' };
    expect(value(run, 'put-total', store)).toBe(12);
    expect(value(run, 'get-total', store)).toBe(12);
    expect(value(run, 'put-latency-avg', store)).toBeGreaterThanOrEqual(0);
    expect(value(run, 'record-lateness-max', task)).toBeGreaterThanOrEqual(0);
    // The counts themselves are right: the metered store is the same store.
    expect(world.values('output').sort()).toEqual(
      numbered(12, 0, 3)
        .map((kv) => kv.split(':')[0]!)
        .reduce<string[]>((out, key, i, keys) => [...out, `${key}:${keys.slice(0, i + 1).filter((k) => k === key).length}`], [])
        .sort(),
    );
  });
});
