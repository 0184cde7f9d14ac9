import { serdes } from '@rivulet/serde';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Topology } from '../topology/topology.js';
import { StreamsApp } from './streams-app.js';

const topology = () =>
  new Topology()
    .addSource('in', 'input', { key: serdes.string(), value: serdes.string() })
    .addSink('out', 'output', { key: serdes.string(), value: serdes.string() }, 'in');

const app = () => new StreamsApp(topology(), { applicationId: 'metrics-app', brokers: ['127.0.0.1:9092'] });

describe('StreamsApp.metrics$', () => {
  it('samples the metrics every interval and ends with a last sample when the app stops', async () => {
    const a = app();
    const first = await firstValueFrom(a.metrics$(5));
    expect(first).toEqual({
      state: 'CREATED',
      tasks: [],
      recordsProcessed: 0,
      droppedRecords: 0,
      droppedRecordsByReason: {},
      commits: 0,
      rebalances: 0,
      rebalanceTimeMsTotal: 0,
      taskMetrics: [],
      restoringTasks: [],
      recordsRestored: 0,
      standbyTasks: [],
      enforcedProcessing: 0,
      all: expect.any(Array),
    });
    expect(first.all).toContainEqual(expect.objectContaining({ name: 'state', group: 'stream-metrics', value: 'CREATED' }));
    const all = lastValueFrom(a.metrics$(5).pipe(toArray()));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await a.close();
    const samples = await all;
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples.at(-1)!.state).toBe('NOT_RUNNING');
    // A subscriber after the end gets the last sample and completion at once.
    expect(await lastValueFrom(a.metrics$().pipe(toArray()))).toEqual([expect.objectContaining({ state: 'NOT_RUNNING' })]);
  });

  it('rejects an interval below 1 ms', () => {
    expect(() => app().metrics$(0)).toThrow('metrics$ needs an interval >= 1 ms, got 0');
  });
});
