import { describe, expect, it } from 'vitest';
import type { Metric } from '../../metrics/metric.js';
import { InvalidStateStoreError } from '../../state/invalid-state-store-error.js';
import type { KeyValue, ReadOnlyKeyValueStore } from '../../state/key-value-store.js';
import type { ReadOnlyWindowStore } from '../../state/window-store.js';
import type { Windowed } from '../../state/windowed.js';
import type { HealthStatus, StreamsMetrics } from '../streams-app.js';
import { mergeThreadHealth, mergeThreadMetrics, revive, threadMetrics, threadStoreView, type QueryTarget } from './thread-queries.js';

/** A thread answering store queries from a map of its keys, through structuredClone as a worker would. */
function thread(name: string, entries: Record<string, unknown>, queryable = true): QueryTarget & { asked: string[] } {
  const asked: string[] = [];
  return {
    name,
    queryable,
    asked,
    ask(q) {
      if (q.type !== 'store') throw new Error('store queries only');
      asked.push(q.method);
      const kv = Object.entries(entries).map(([key, value]) => ({ key, value }));
      const answers: Record<string, () => unknown> = {
        get: () => entries[q.args[0] as string],
        all: () => kv,
        range: () => kv.filter((e) => e.key >= (q.args[0] as string) && e.key <= (q.args[1] as string)),
        approximateNumEntries: () => kv.length,
      };
      return structuredClone(answers[q.method]!());
    },
  };
}

describe('threadStoreView', () => {
  it('reads a key from whichever thread runs its task, and gathers every thread for ranges and counts', () => {
    const one = thread('t-1', { a: 1n, b: 2n });
    const two = thread('t-2', { c: 3n });
    const store = threadStoreView<ReadOnlyKeyValueStore<string, bigint>>('counts', 'key-value', false, () => [one, two]);
    expect(store.get('a')).toBe(1n);
    expect(two.asked).toEqual([]); // found in the first thread: the second is not asked
    expect(store.get('c')).toBe(3n);
    expect(store.get('zzz')).toBeUndefined();
    expect([...store.all()]).toEqual([{ key: 'a', value: 1n }, { key: 'b', value: 2n }, { key: 'c', value: 3n }]);
    expect([...store.range('b', 'c')]).toEqual([{ key: 'b', value: 2n }, { key: 'c', value: 3n }]);
    expect(store.approximateNumEntries()).toBe(3);
  });

  it('throws InvalidStateStoreError while a thread is being replaced, unless stale reads are asked for', () => {
    const targets = (): QueryTarget[] => [thread('t-1', { a: 1 }), thread('t-2', { b: 2 }, false)];
    expect(() => threadStoreView<ReadOnlyKeyValueStore<string, number>>('counts', 'key-value', false, targets).get('b')).toThrow(InvalidStateStoreError);
    expect(threadStoreView<ReadOnlyKeyValueStore<string, number>>('counts', 'key-value', true, targets).approximateNumEntries()).toBe(1);
  });

  it("keeps a thread's InvalidStateStoreError one, and turns a timeout into one", () => {
    const failing = (name: string, message: string): QueryTarget => ({
      name: 't-1',
      queryable: true,
      ask() {
        const e = new Error(message);
        e.name = name;
        throw e;
      },
    });
    const restoring = threadStoreView<ReadOnlyKeyValueStore<string, number>>('counts', 'key-value', false, () => [failing('InvalidStateStoreError', "state store 'counts': restoring")]);
    expect(() => restoring.get('a')).toThrow(InvalidStateStoreError);
    expect(() => restoring.get('a')).toThrow("state store 'counts': restoring");
    const slow = threadStoreView<ReadOnlyKeyValueStore<string, number>>('counts', 'key-value', false, () => [failing('ThreadQueryTimeoutError', 'did not answer')]);
    expect(() => slow.get('a')).toThrow(InvalidStateStoreError);
  });

  it('orders the windows of every thread by start, and takes a key fetch from the thread that has it', () => {
    const windowed = (key: string, start: number, value: number): KeyValue<Windowed<string>, number> => ({ key: { key, window: { start, end: start + 10 } }, value });
    const target = (name: string, windows: KeyValue<Windowed<string>, number>[]): QueryTarget => ({
      name,
      queryable: true,
      ask(q) {
        if (q.type !== 'store') throw new Error('store only');
        if (q.method === 'all') return windows;
        const mine = windows.filter((w) => w.key.key === q.args[0]);
        if (q.args.length === 2) return mine.find((w) => w.key.window.start === q.args[1])?.value;
        return mine.map((w) => ({ key: w.key.window.start, value: w.value }));
      },
    });
    const store = threadStoreView<ReadOnlyWindowStore<string, number>>('w', 'window', false, () => [
      target('t-1', [windowed('a', 0, 1), windowed('a', 20, 2)]),
      target('t-2', [windowed('b', 10, 3)]),
    ]);
    expect([...store.all()].map((e) => e.key.window.start)).toEqual([0, 10, 20]);
    expect(store.fetch('b', 10)).toBe(3);
    expect([...store.fetch('b', 0, 100)]).toEqual([{ key: 10, value: 3 }]);
  });

  it('gives bytes back as Buffers', () => {
    const back = revive(structuredClone([{ key: Buffer.from('k'), value: Buffer.from('v') }])) as { key: Buffer; value: Buffer }[];
    expect(Buffer.isBuffer(back[0]!.key)).toBe(true);
    expect(back[0]!.value.toString()).toBe('v');
  });
});

const metric = (name: string, group: Metric['group'], tags: Record<string, string>, value: number): Metric => ({ name, group, tags, value, description: '', type: 'counter', level: 'INFO' });

function threadMetricsOf(tasks: string[], processed: number, all: Metric[] = []): StreamsMetrics {
  return {
    state: 'RUNNING',
    tasks,
    recordsProcessed: processed,
    droppedRecords: 1,
    droppedRecordsByReason: { 'null-key-or-value': 1 },
    commits: 2,
    rebalances: 1,
    rebalanceTimeMsTotal: 10,
    taskMetrics: tasks.map((taskId) => ({ taskId, recordsProcessed: processed / tasks.length, droppedRecords: 0, droppedRecordsByReason: {} })),
    restoringTasks: [],
    recordsRestored: 5,
    standbyTasks: [],
    all,
    enforcedProcessing: 0,
  };
}

describe('the metrics of several threads', () => {
  it("names a thread's metrics by its thread id, as Kafka Streams does, and leaves the client's to the app", () => {
    const inner = 'app-StreamThread-2-StreamThread-1';
    const all = [
      metric('process-total', 'stream-thread-metrics', { 'thread-id': inner }, 7),
      metric('process-total', 'stream-task-metrics', { 'thread-id': inner, 'task-id': '0_1' }, 7),
      metric('records-lag', 'consumer-fetch-manager-metrics', { 'client-id': `${inner}-consumer`, topic: 'in' }, 0),
      metric('alive-stream-threads', 'stream-metrics', { 'client-id': 'app-StreamThread-2' }, 1),
    ];
    expect(threadMetrics(all, 'app-StreamThread-2').map((m) => [m.name, m.tags])).toEqual([
      ['process-total', { 'thread-id': 'app-StreamThread-2' }],
      ['process-total', { 'thread-id': 'app-StreamThread-2', 'task-id': '0_1' }],
      ['records-lag', { 'client-id': 'app-StreamThread-2-consumer', topic: 'in' }],
    ]);
  });

  it('sums the counters of every thread and joins their tasks and metrics', () => {
    const a = metric('process-total', 'stream-thread-metrics', { 'thread-id': 'app-StreamThread-1' }, 4);
    const b = metric('process-total', 'stream-thread-metrics', { 'thread-id': 'app-StreamThread-2' }, 6);
    const client = metric('alive-stream-threads', 'stream-metrics', { 'client-id': 'app' }, 2);
    const m = mergeThreadMetrics('RUNNING', [threadMetricsOf(['0_2', '0_10'], 4, [a]), threadMetricsOf(['0_1'], 6, [b])], [client]);
    expect(m).toMatchObject({ state: 'RUNNING', tasks: ['0_1', '0_2', '0_10'], recordsProcessed: 10, droppedRecords: 2, droppedRecordsByReason: { 'null-key-or-value': 2 }, commits: 4, rebalances: 2, recordsRestored: 10 });
    expect(m.taskMetrics.map((t) => t.taskId)).toEqual(['0_1', '0_2', '0_10']);
    expect(m.all).toEqual([client, a, b]);
  });
});

describe('the health of several threads', () => {
  const healthy: HealthStatus = { live: true, ready: true, state: 'RUNNING', reasons: [] };

  it('is live and ready when the app is RUNNING and every thread is', () => {
    expect(mergeThreadHealth('RUNNING', [{ name: 't-1', health: healthy }, { name: 't-2', health: healthy }], undefined)).toEqual({ live: true, ready: true, state: 'RUNNING', reasons: [] });
  });

  it('is not live when a running thread is stuck, naming the thread', () => {
    const stuck: HealthStatus = { live: false, ready: false, state: 'RUNNING', reasons: ['the processing loop made no progress for 70000 ms (more than 60000)'] };
    const h = mergeThreadHealth('RUNNING', [{ name: 't-1', health: healthy }, { name: 't-2', health: stuck }], undefined);
    expect(h.live).toBe(false);
    expect(h.reasons).toEqual(['stream thread t-2: the processing loop made no progress for 70000 ms (more than 60000)']);
  });

  it('is live but not ready while a thread is being replaced', () => {
    const failed: HealthStatus = { live: false, ready: false, state: 'ERROR', reasons: ['the app is in state ERROR: boom'] };
    const h = mergeThreadHealth('REBALANCING', [{ name: 't-1', health: failed }, { name: 't-2', health: undefined }], undefined);
    expect(h).toEqual({
      live: true,
      ready: false,
      state: 'REBALANCING',
      reasons: ['the app is in state REBALANCING', 'stream thread t-1: in state ERROR: boom', 'stream thread t-2 is starting or being replaced'],
    });
  });

  it('is neither once the app failed', () => {
    const h = mergeThreadHealth('ERROR', [{ name: 't-1', health: undefined }], new Error('boom'));
    expect([h.live, h.ready, h.reasons[0]]).toEqual([false, false, 'the app is in state ERROR: boom']);
  });
});
