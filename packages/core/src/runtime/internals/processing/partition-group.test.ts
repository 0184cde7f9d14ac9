import { serdes, type Serde } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import type { FetchedBatch, TopicPartition } from '../../../client/internals/kafka-port.js';
import type { Logger } from '../../../config/logger.js';
import { ProcessingError } from '../../../errors/processing-error.js';
import type { ProcessorContext } from '../../../processor/processor-context.js';
import type { ProcessorSupplier } from '../../../processor/processor.js';
import { Topology } from '../../../topology/topology.js';
import { ErrorRouter, type ErrorHandlers } from './error-router.js';
import { PartitionGroup, type EnforcedProcessing, type PartitionGroupOptions } from './partition-group.js';
import { StreamTask } from './stream-task.js';

const PARTITION = 0;

/** A string serde that cannot read the value `poison`. */
const pickyStrings: Serde<string> = {
  name: 'picky-string',
  serialize: (_topic, value) => Buffer.from(value),
  deserialize: (_topic, data) => {
    const s = data.toString();
    if (s === 'poison') throw new Error('cannot read poison');
    return s;
  },
};

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

interface Harness {
  readonly task: StreamTask;
  readonly group: PartitionGroup;
  /** Each record processed, as `topic:value@timestamp`. */
  readonly processed: string[];
  /** The task's stream time when each record was processed. */
  readonly streamTimes: number[];
  readonly paused: string[];
  readonly resumed: string[];
  readonly enforced: EnforcedProcessing[];
}

/** A task reading `left` and `right` (partition 0) into one processor that records what it gets. */
function harness(options: Partial<PartitionGroupOptions> = {}, handlers: Partial<ErrorHandlers> = {}): Harness {
  const processed: string[] = [];
  const streamTimes: number[] = [];
  const recorder: ProcessorSupplier<string, string, never, never> = () => {
    let ctx!: ProcessorContext<never, never>;
    return {
      init: (context) => void (ctx = context),
      process: (record) => {
        processed.push(`${ctx.recordMetadata()!.topic}:${record.value}@${record.timestamp}`);
        streamTimes.push(ctx.currentStreamTimeMs());
      },
    };
  };
  const topology = new Topology()
    .addSource('l', 'left', { key: serdes.string(), value: pickyStrings })
    .addSource('r', 'right', { key: serdes.string(), value: pickyStrings })
    .addProcessor('rec', recorder, 'l', 'r');
  const sub = topology.subTopologies()[0]!;
  const sink = { send: () => undefined };
  const errors = new ErrorRouter('app', { deserialization: 'fail', processing: 'fail', production: 'fail', ...handlers }, sink, silent);
  const task = new StreamTask(`${sub.id}_${PARTITION}`, sub, PARTITION, {
    applicationId: 'app',
    nodes: new Map(topology.nodeDefs().map((n) => [n.name, n])),
    defaultSerdes: {},
    topicName: (name) => name,
    collector: sink,
    errors,
    stores: new Map(),
    requestCommit: () => undefined,
  });
  task.initProcessors();
  const paused: string[] = [];
  const resumed: string[] = [];
  const enforced: EnforcedProcessing[] = [];
  const name = (tp: TopicPartition) => `${tp.topic}-${tp.partition}`;
  const group = new PartitionGroup(task, task.inputPartitions(), {
    maxTaskIdleMs: 0,
    maxLagWaitMs: 1_000,
    pause: (tp) => paused.push(name(tp)),
    resume: (tp) => resumed.push(name(tp)),
    onEnforced: (e) => enforced.push(e),
    ...options,
  });
  task.partitionGroup = group;
  return { task, group, processed, streamTimes, paused, resumed, enforced };
}

/** A fetched batch: `[offset, value, timestamp]` per record; the high watermark after the last one unless given. */
function batch(topic: string, records: [offset: number, value: string, timestamp: number][], highWatermark?: number): FetchedBatch {
  return {
    topic,
    partition: PARTITION,
    highWatermark: String(highWatermark ?? (records.at(-1)?.[0] ?? -1) + 1),
    records: records.map(([offset, value, timestamp]) => ({ offset: String(offset), key: Buffer.from('k'), value: Buffer.from(value), timestamp, headers: {} })),
  };
}

/** Adds a batch that decodes synchronously. */
function add(group: PartitionGroup, fetched: FetchedBatch): void {
  const added = group.add(fetched);
  if (added instanceof Promise) throw new Error('expected a synchronous decode');
}

describe('PartitionGroup: records of several partitions in timestamp order', () => {
  it('takes the buffered record with the lowest timestamp next, across partitions, and stream time follows', () => {
    const h = harness();
    add(h.group, batch('left', [[0, 'l0', 10], [1, 'l1', 50], [2, 'l2', 90]]));
    add(h.group, batch('right', [[0, 'r0', 20], [1, 'r1', 30], [2, 'r2', 100]]));
    expect(h.processed).toEqual([]);
    // Both partitions have buffered records and no more on the broker: all can go, in time order.
    h.group.process(0);
    expect(h.processed).toEqual(['left:l0@10', 'right:r0@20', 'right:r1@30', 'left:l1@50', 'left:l2@90', 'right:r2@100']);
    expect(h.streamTimes).toEqual([10, 20, 30, 50, 90, 100]);
    expect(h.group.bufferedRecords).toBe(0);
    expect(h.task.offsetsToCommit()).toEqual([
      { topic: 'left', partition: 0, offset: '3' },
      { topic: 'right', partition: 0, offset: '3' },
    ]);
  });

  it('waits for an empty partition the broker has records of (maxTaskIdleMs 0), and commits nothing it has not processed', () => {
    const h = harness();
    // The table side has 2 records on the broker (read when the task opened) not fetched yet.
    h.group.setEndOffsets('right', { low: '0', high: '2' });
    h.group.setEndOffsets('left', { low: '0', high: '2' });
    add(h.group, batch('left', [[0, 'order-1', 100], [1, 'order-2', 200]]));
    expect(h.group.process(0)).toBe(0);
    expect(h.processed).toEqual([]);
    expect(h.task.offsetsToCommit()).toEqual([]);
    // Its batch comes in a later fetch: the customers go first, they are older.
    add(h.group, batch('right', [[0, 'customer-1', 1], [1, 'customer-2', 2]]));
    h.group.process(10);
    expect(h.processed).toEqual(['right:customer-1@1', 'right:customer-2@2', 'left:order-1@100', 'left:order-2@200']);
    expect(h.enforced).toEqual([]);
  });

  it('does not wait for an empty partition with nothing more on the broker (maxTaskIdleMs 0)', () => {
    const h = harness();
    h.group.setEndOffsets('right', { low: '0', high: '0' });
    add(h.group, batch('left', [[0, 'l0', 5]]));
    expect(h.group.process(0)).toBe(1);
    expect(h.processed).toEqual(['left:l0@5']);
    expect(h.enforced).toEqual([]);
  });

  it('counts an empty partition as having records until its end offsets are known', () => {
    const h = harness({ awaitEndOffsets: true });
    add(h.group, batch('left', [[0, 'l0', 5]]));
    expect(h.group.process(0)).toBe(0);
    h.group.setEndOffsets('right', undefined); // the read failed: lag is known from fetches only
    expect(h.group.process(1)).toBe(1);
  });

  it('stops waiting when the consumer covered the partition to its end with transaction markers or aborted records only', () => {
    const h = harness();
    // Records 0-1 of a committed transaction, its marker at 2, then an aborted transaction (3-5).
    add(h.group, batch('right', [[0, 'r0', 1], [1, 'r1', 2]], 6));
    add(h.group, batch('left', [[0, 'l0', 10]]));
    h.group.process(0);
    expect(h.processed).toEqual(['right:r0@1', 'right:r1@2']);
    // right is empty, and its end (6) is past what was fetched (2): the task waits.
    expect(h.group.process(1)).toBe(0);
    h.group.batchEnded('right', '2');
    expect(h.group.process(2)).toBe(0);
    // The fetch that covered the aborted records handed none over, but said how far it got.
    h.group.batchEnded('right', '5');
    expect(h.group.process(3)).toBe(1);
    expect(h.processed.at(-1)).toBe('left:l0@10');
    expect(h.enforced).toEqual([]);
  });

  it('waits at most maxLagWaitMs for records the broker has that do not arrive, then processes, counted once per wait', () => {
    const h = harness({ maxLagWaitMs: 1_000 });
    h.group.setEndOffsets('right', { low: '0', high: '4' }); // an open transaction, say: fetches return nothing
    add(h.group, batch('left', [[0, 'l0', 10]]));
    expect(h.group.process(5_000)).toBe(0);
    expect(h.group.process(5_999)).toBe(0);
    expect(h.processed).toEqual([]);
    expect(h.group.process(6_000)).toBe(1);
    expect(h.enforced).toEqual([{ taskId: '0_0', topic: 'right', partition: 0, waitedMs: 1_000, reason: 'lag' }]);
    // Still no record of right: the next left records go at once, and the same wait is not counted again.
    add(h.group, batch('left', [[1, 'l1', 20]]));
    expect(h.group.process(6_001)).toBe(1);
    expect(h.group.enforcedProcessing).toBe(1);
    // Records of right arrive, then it is empty again with more on the broker: a new wait.
    add(h.group, batch('right', [[0, 'r0', 30]], 8));
    add(h.group, batch('left', [[2, 'l2', 40]]));
    expect(h.group.process(7_000)).toBe(1);
    expect(h.processed.at(-1)).toBe('right:r0@30');
    expect(h.group.process(7_500)).toBe(0);
    expect(h.group.process(8_000)).toBe(1);
    expect(h.group.enforcedProcessing).toBe(2);
  });

  it('never waits with maxTaskIdleMs -1, even for records the broker has', () => {
    const h = harness({ maxTaskIdleMs: -1 });
    h.group.setEndOffsets('right', { low: '0', high: '4' });
    add(h.group, batch('left', [[0, 'l0', 10]]));
    expect(h.group.process(0)).toBe(1);
    expect(h.enforced).toEqual([]);
  });

  it('with maxTaskIdleMs > 0 waits that long for an empty partition with no records known, then processes (enforced, idle)', () => {
    const h = harness({ maxTaskIdleMs: 300 });
    h.group.setEndOffsets('right', { low: '0', high: '0' });
    add(h.group, batch('left', [[0, 'l0', 10]]));
    expect(h.group.process(1_000)).toBe(0);
    expect(h.group.process(1_299)).toBe(0);
    expect(h.group.process(1_300)).toBe(1);
    expect(h.enforced).toEqual([{ taskId: '0_0', topic: 'right', partition: 0, waitedMs: 300, reason: 'idle' }]);
  });

  it('pauses a partition whose buffer passes the bound and resumes it once drained, and on close', () => {
    const h = harness({ maxBufferedRecords: 2 });
    h.group.setEndOffsets('right', { low: '0', high: '1' });
    add(h.group, batch('left', [[0, 'l0', 10], [1, 'l1', 11]]));
    expect(h.paused).toEqual([]);
    add(h.group, batch('left', [[2, 'l2', 12]]));
    expect(h.paused).toEqual(['left-0']);
    expect(h.group.isPaused('left')).toBe(true);
    expect(h.group.process(0)).toBe(0);
    add(h.group, batch('right', [[0, 'r0', 1]]));
    h.group.process(1);
    expect(h.resumed).toEqual(['left-0']);
    expect(h.processed).toEqual(['right:r0@1', 'left:l0@10', 'left:l1@11', 'left:l2@12']);
    // Full again when the task closes: its partitions are resumed, its buffer dropped.
    h.group.setEndOffsets('right', { low: '0', high: '5' });
    add(h.group, batch('left', [[3, 'l3', 13], [4, 'l4', 14], [5, 'l5', 15]]));
    expect(h.paused).toEqual(['left-0', 'left-0']);
    h.task.close();
    expect(h.resumed).toEqual(['left-0', 'left-0']);
    expect(h.group.bufferedRecords).toBe(0);
  });

  it('skips records it buffered already when the consumer fetches them again (a re-join), and resumes a rebuild where buffering began', () => {
    const h = harness();
    h.group.setEndOffsets('right', { low: '0', high: '1' });
    add(h.group, batch('left', [[5, 'l5', 10], [6, 'l6', 11]]));
    // Nothing processed or committed: a task rebuilt now must resume at 5, not where the consumer is.
    expect(h.task.resumeOffset('left')).toBe('5');
    add(h.group, batch('left', [[5, 'l5', 10], [6, 'l6', 11], [7, 'l7', 12]]));
    expect(h.group.bufferedOf('left')).toBe(3);
    add(h.group, batch('right', [[0, 'r0', 100]]));
    h.group.process(0);
    expect(h.processed).toEqual(['left:l5@10', 'left:l6@11', 'left:l7@12', 'right:r0@100']);
  });

  it("throws a deserialization failure ('fail') when it reaches its partition's head, after the records before it", () => {
    const h = harness({ maxTaskIdleMs: -1 });
    add(h.group, batch('left', [[0, 'l0', 50], [1, 'poison', 60], [2, 'l2', 70]]));
    add(h.group, batch('right', [[0, 'r0', 55]]));
    expect(() => h.group.process(0)).toThrow(ProcessingError);
    expect(h.processed).toEqual(['left:l0@50']);
    expect(h.task.offsetsToCommit()).toEqual([{ topic: 'left', partition: 0, offset: '1' }]);
  });

  it('moves the offsets past records the deserialization handler dropped, without waiting for them to be ordered', () => {
    const h = harness({}, { deserialization: 'log-and-continue' });
    h.group.setEndOffsets('right', { low: '0', high: '5' });
    add(h.group, batch('left', [[0, 'poison', 50], [1, 'poison', 60]]));
    // Only dropped records: done at once, though right may have older records.
    expect(h.group.process(0)).toBe(2);
    expect(h.processed).toEqual([]);
    expect(h.task.offsetsToCommit()).toEqual([{ topic: 'left', partition: 0, offset: '2' }]);
  });
});
