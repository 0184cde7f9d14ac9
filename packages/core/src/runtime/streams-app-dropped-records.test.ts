import { serdes, type Serde } from '@rivulet/serde';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProcessorContext } from '../processor/processor-context.js';
import type { ProcessorSupplier } from '../processor/processor.js';
import { Topology } from '../topology/topology.js';
import { FakeWorld, waitAllCommitted, waitForState, type FakeAppRun } from './test-support/fake-app.js';

/**
 * Dropped records in the StreamsApp (issue 15, part 5), on the fake Kafka client: what a
 * processor reports and what a handler skips are counted per task and reason in app.metrics(),
 * survive the task's close, and are logged once per reason and task, not once per record.
 */

let world: FakeWorld;
afterEach(async () => world.dispose());

/** A string serde that cannot read the value `poison`. */
const picky: Serde<string> = {
  name: 'picky-string',
  serialize: (_topic, value) => Buffer.from(value),
  deserialize: (_topic, data) => {
    if (data.toString() === 'poison') throw new Error('cannot read poison');
    return data.toString();
  },
};

/** input -> drop null keys (reported) -> output: the Processor API's way of an aggregation. */
function topology(): Topology {
  const supplier: ProcessorSupplier<string | null, string, string, string> = () => {
    let ctx!: ProcessorContext<string, string>;
    return {
      init: (context) => void (ctx = context),
      process: (record) => {
        if (record.key === null) return ctx.reportDropped('null-key-or-value', 'a null key');
        ctx.forward(record.withKey(record.key));
      },
    };
  };
  return new Topology()
    .addSource('in', 'input', { key: serdes.string(), value: picky })
    .addProcessor('keyed', supplier as ProcessorSupplier<unknown, unknown, unknown, unknown>, 'in')
    .addSink('out', 'output', { key: serdes.string(), value: serdes.string() }, 'keyed');
}

const dropLines = (run: FakeAppRun) => run.logger.aboveInfo().filter((l) => /^task \d+_\d+ dropped /.test(l.message));

describe('StreamsApp: dropped records', { timeout: 10_000 }, () => {
  it('counts null keys and skipped bad records per task and reason, logs them a line per reason and task, and keeps them after close', async () => {
    world = new FakeWorld({ input: 2, output: 2 });
    const run = world.start(topology(), { deserializationExceptionHandler: 'log-and-continue' });
    await vi.waitFor(() => expect(run.app.state).toBe('RUNNING'), { timeout: 5_000, interval: 5 });
    const good = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 2 }));
    const nullKeys = Array.from({ length: 60 }, (_, i) => ({ key: null, value: `n${i}`, partition: i % 2 }));
    const poison = Array.from({ length: 30 }, (_, i) => ({ key: `p${i}`, value: 'poison', partition: 1 }));
    world.cluster.produce('input', [...good, ...nullKeys, ...poison]);
    await waitAllCommitted(world);

    expect(world.values('output')).toHaveLength(20);
    const m = run.app.metrics();
    expect(m.recordsProcessed).toBe(80);
    expect(m.droppedRecords).toBe(90);
    expect(m.droppedRecordsByReason).toEqual({ 'null-key-or-value': 60, 'deserialization-error': 30 });
    const perTask = Object.fromEntries(m.taskMetrics.map((t) => [t.taskId, [t.droppedRecords, t.droppedRecordsByReason]]));
    expect(perTask).toEqual({
      '0_0': [30, { 'null-key-or-value': 30 }],
      '0_1': [60, { 'null-key-or-value': 30, 'deserialization-error': 30 }],
    });

    // One line per reason and task so far (the interval is 10 s), whatever the number of records;
    // the handler's own line per skipped record stays.
    const lines = dropLines(run);
    expect(lines.map((l) => [l.extra?.['taskId'], l.extra?.['reason']]).sort()).toEqual([
      ['0_0', 'null-key-or-value'],
      ['0_1', 'deserialization-error'],
      ['0_1', 'null-key-or-value'],
    ]);
    expect(lines.find((l) => l.extra?.['reason'] === 'null-key-or-value')!.message).toMatch(
      /^task 0_[01] dropped a record \(null-key-or-value: a null key or value the operator cannot use\) at node 'keyed', input-[01] offset \d+: a null key; 1 dropped for this reason so far$/,
    );
    expect(run.logger.aboveInfo().filter((l) => l.message === 'deserialization failed, skipping the record: cannot read poison')).toHaveLength(30);

    await run.app.close();
    await waitForState(run, 'NOT_RUNNING');
    // The tasks are closed: their counts stay in the app's total, and the lines they held back are written.
    expect(run.app.metrics().droppedRecords).toBe(90);
    expect(run.app.metrics().droppedRecordsByReason).toEqual({ 'null-key-or-value': 60, 'deserialization-error': 30 });
    const final = dropLines(run);
    expect(final.length).toBeLessThanOrEqual(6);
    for (const [taskId, reason, count] of [
      ['0_0', 'null-key-or-value', 30],
      ['0_1', 'null-key-or-value', 30],
      ['0_1', 'deserialization-error', 30],
    ] as const) {
      const last = final.filter((l) => l.extra?.['taskId'] === taskId && l.extra?.['reason'] === reason).at(-1)!;
      expect(last.extra?.['dropped']).toBe(count);
    }
  });
});
