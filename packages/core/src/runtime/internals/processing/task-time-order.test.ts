import { serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FakeConsumer } from '../../../client/internals/fake/fake-consumer.js';
import { FakeKafkaClient } from '../../../client/internals/fake/fake-kafka-client.js';
import { testProducerOptions } from '../../../client/internals/fake/test-options.js';
import type { ProcessorContext } from '../../../processor/processor-context.js';
import type { ProcessorSupplier } from '../../../processor/processor.js';
import { Topology } from '../../../topology/topology.js';
import type { TaskManager } from '../tasks/task-manager.js';
import { FakeWorld, sleep, type FakeAppRun } from '../../test-support/fake-app.js';

/**
 * Issue 12, item 0, on the fake Kafka client: a task reading several partitions (here a "table"
 * topic and a "stream" topic, one task) takes their records in timestamp order, waits for a
 * partition the broker has records of, stops waiting when they prove to be transaction markers or
 * aborted records, gives up waiting after its bound (enforced processing), honors maxTaskIdleMs -1
 * and > 0, and pauses a partition whose buffer is full.
 */

let world: FakeWorld;
afterEach(async () => world.dispose());

/** `table` and `stream` into one processor that writes `<topic>:<value>@<timestamp>` to `output`, in the order processed. */
function mergeTopology(): Topology {
  const supplier: ProcessorSupplier<string, string, string, string> = () => {
    let ctx!: ProcessorContext<string, string>;
    return {
      init: (context) => void (ctx = context),
      process: (record) => ctx.forward(record.withValue(`${ctx.recordMetadata()!.topic}:${record.value}@${record.timestamp}`)),
    };
  };
  const str = { key: serdes.string(), value: serdes.string() };
  return new Topology()
    .addSource('table-source', 'table', str)
    .addSource('stream-source', 'stream', str)
    .addProcessor('merge', supplier, 'table-source', 'stream-source')
    .addSink('out', 'output', str, 'merge');
}

/** `n` records `<prefix><i>` stamped `from + i`. */
function stamped(prefix: string, n: number, from: number): { key: string; value: string; timestamp: number }[] {
  return Array.from({ length: n }, (_, i) => ({ key: `k${i % 3}`, value: `${prefix}${i}`, timestamp: from + i }));
}

const produce = (topic: string, records: readonly { key: string; value: string; timestamp: number }[]) => world.cluster.produce(topic, records);
const output = (): string[] => world.cluster.records('output').map((r) => r.value!.toString());
const manager = (run: FakeAppRun): TaskManager => (run.app as unknown as { manager: TaskManager }).manager;

/** Leaves a transaction open on `topic`: its records count in the end offset, but no read_committed fetch returns them. */
async function openTransaction(topic: string): Promise<void> {
  const producer = new FakeKafkaClient(world.cluster).producer(testProducerOptions('stuck-writer'));
  await producer.connect();
  const tx = await producer.beginTransaction();
  await tx.send([{ topic, partition: 0, key: Buffer.from('k'), value: Buffer.from('uncommitted'), timestamp: 1, headers: undefined }]);
}

/** Writes records in a transaction it aborts: the partition holds them and an abort marker, none readable. */
async function abortedTransaction(topic: string): Promise<void> {
  const producer = new FakeKafkaClient(world.cluster).producer(testProducerOptions('aborting-writer'));
  await producer.connect();
  const tx = await producer.beginTransaction();
  await tx.send([1, 2, 3].map((i) => ({ topic, partition: 0, key: Buffer.from('k'), value: Buffer.from(`aborted${i}`), timestamp: i, headers: undefined })));
  await tx.abort();
}

async function running(run: FakeAppRun): Promise<void> {
  expect(await run.started).toEqual({ ok: true });
}

describe('a task with several input partitions takes records in timestamp order', { timeout: 15_000 }, () => {
  it.each(['at_least_once', 'exactly_once'] as const)(
    '%s: a table filled before the start is read before the stream records stamped after it, though they arrive interleaved',
    async (guarantee) => {
      world = new FakeWorld({ table: 1, stream: 1, output: 1 });
      const table = stamped('customer', 60, 1_000);
      const stream = stamped('order', 60, 5_000);
      produce('stream', stream);
      produce('table', table);
      // Small fetches: each round brings a few records of each partition, the orders first.
      const run = world.start(mergeTopology(), { processingGuarantee: guarantee, consumer: { maxBytesPerPartition: 40 } });
      await running(run);
      await vi.waitFor(() => expect(output()).toHaveLength(120), { timeout: 5_000, interval: 10 });
      expect(output()).toEqual([...table.map((r) => `table:${r.value}@${r.timestamp}`), ...stream.map((r) => `stream:${r.value}@${r.timestamp}`)]);
      expect(manager(run).enforcedProcessing).toBe(0);
    },
  );

  it('interleaves two live partitions by timestamp, not by arrival', async () => {
    world = new FakeWorld({ table: 1, stream: 1, output: 1 });
    produce('stream', [
      { key: 'a', value: 's1', timestamp: 10 },
      { key: 'a', value: 's2', timestamp: 30 },
    ]);
    produce('table', [
      { key: 'a', value: 't1', timestamp: 20 },
      { key: 'a', value: 't2', timestamp: 40 },
    ]);
    const run = world.start(mergeTopology());
    await running(run);
    await vi.waitFor(() => expect(output()).toHaveLength(4), { timeout: 5_000, interval: 10 });
    expect(output()).toEqual(['stream:s1@10', 'table:t1@20', 'stream:s2@30', 'table:t2@40']);
  });

  it('stops waiting at once when the records behind the end offset were aborted (the consumer reports covering them)', async () => {
    world = new FakeWorld({ table: 1, stream: 1, output: 1 });
    await abortedTransaction('table');
    // A long bound: were the wait not ended by the consumer's report, nothing would come for 10 s.
    const run = world.start(mergeTopology(), { requestTimeoutMs: 10_000 });
    await running(run);
    const at = Date.now();
    produce('stream', stamped('order', 3, 5_000));
    await vi.waitFor(() => expect(output()).toHaveLength(3), { timeout: 3_000, interval: 10 });
    expect(Date.now() - at).toBeLessThan(2_000);
    expect(manager(run).enforcedProcessing).toBe(0);
    expect(run.logger.aboveInfo()).toEqual([]);
  });

  it('waits at most requestTimeoutMs for records the broker has that never arrive (an open transaction), then processes: enforced, counted, logged', async () => {
    world = new FakeWorld({ table: 1, stream: 1, output: 1 });
    await openTransaction('table');
    const run = world.start(mergeTopology(), { requestTimeoutMs: 600 });
    await running(run);
    const at = Date.now();
    produce('stream', stamped('order', 3, 5_000));
    await sleep(300);
    // Waiting: the table has a record on the broker, older or not, the consumer cannot tell yet.
    // The stream's records are buffered, not processed: commits (every 30 ms here) leave them out.
    expect(output()).toEqual([]);
    expect(world.cluster.committedOffsets('app').get('stream:0')).toBeUndefined();
    await vi.waitFor(() => expect(output()).toHaveLength(3), { timeout: 3_000, interval: 10 });
    expect(Date.now() - at).toBeGreaterThanOrEqual(600);
    expect(output()).toEqual(['stream:order0@5000', 'stream:order1@5001', 'stream:order2@5002']);
    await vi.waitFor(() => expect(world.cluster.committedOffsets('app').get('stream:0')).toBe('3'), { timeout: 1_000, interval: 10 });
    expect(manager(run).enforcedProcessing).toBe(1);
    const warnings = run.logger.aboveInfo().map((l) => l.message);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^task 0_0 processes without waiting longer for table-0 \(enforced processing\)/);
    // The wait is over until the table has records again: the next stream records go at once.
    produce('stream', stamped('late-order', 2, 6_000));
    await vi.waitFor(() => expect(output()).toHaveLength(5), { timeout: 1_000, interval: 10 });
    expect(manager(run).enforcedProcessing).toBe(1);
  });

  it('maxTaskIdleMs -1: never waits, not even for records the broker has', async () => {
    world = new FakeWorld({ table: 1, stream: 1, output: 1 });
    await openTransaction('table');
    const run = world.start(mergeTopology(), { requestTimeoutMs: 10_000, maxTaskIdleMs: -1 });
    await running(run);
    const at = Date.now();
    produce('stream', stamped('order', 3, 5_000));
    await vi.waitFor(() => expect(output()).toHaveLength(3), { timeout: 3_000, interval: 10 });
    expect(Date.now() - at).toBeLessThan(2_000);
    expect(manager(run).enforcedProcessing).toBe(0);
  });

  it('maxTaskIdleMs > 0: waits that long for an empty partition with no records known, then processes', async () => {
    world = new FakeWorld({ table: 1, stream: 1, output: 1 });
    const run = world.start(mergeTopology(), { maxTaskIdleMs: 500 });
    await running(run);
    const at = Date.now();
    produce('stream', stamped('order', 2, 5_000));
    await sleep(250);
    expect(output()).toEqual([]);
    await vi.waitFor(() => expect(output()).toHaveLength(2), { timeout: 3_000, interval: 10 });
    expect(Date.now() - at).toBeGreaterThanOrEqual(500);
    expect(manager(run).enforcedProcessing).toBe(1);
    // A table record ends that wait; it goes first, then the stream's record waits for the table again.
    const again = Date.now();
    produce('table', [{ key: 'a', value: 'customer-a', timestamp: 6_000 }]);
    await sleep(50);
    produce('stream', [{ key: 'a', value: 'order-b', timestamp: 7_000 }]);
    await vi.waitFor(() => expect(output()).toHaveLength(4), { timeout: 3_000, interval: 10 });
    expect(output().slice(2)).toEqual(['table:customer-a@6000', 'stream:order-b@7000']);
    expect(Date.now() - again).toBeGreaterThanOrEqual(500);
    expect(manager(run).enforcedProcessing).toBe(2);
  });

  it('pauses a partition whose buffer is full while the task waits, resumes it as it drains, and loses nothing', async () => {
    world = new FakeWorld({ table: 1, stream: 1, output: 1 });
    await openTransaction('table');
    const client = new FakeKafkaClient(world.cluster);
    const calls: string[] = [];
    const origConsumer = client.consumer.bind(client);
    client.consumer = (options) => {
      const consumer = origConsumer(options) as FakeConsumer;
      const pause = consumer.pause.bind(consumer);
      const resume = consumer.resume.bind(consumer);
      consumer.pause = (tps) => {
        calls.push(...tps.map((tp) => `pause ${tp.topic}-${tp.partition}`));
        pause(tps);
      };
      consumer.resume = (tps) => {
        calls.push(...tps.map((tp) => `resume ${tp.topic}-${tp.partition}`));
        resume(tps);
      };
      return consumer;
    };
    const run = world.start(mergeTopology(), { requestTimeoutMs: 800, consumer: { maxBytesPerPartition: 400 } }, client);
    await running(run);
    const stream = stamped('order', 3_000, 5_000);
    produce('stream', stream);
    // The task waits for the table (its open transaction); the stream's buffer passes 1,000 records.
    await vi.waitFor(() => expect(calls).toContain('pause stream-0'), { timeout: 3_000, interval: 10 });
    expect(output()).toEqual([]);
    const group = manager(run).tasks.get('0_0')!.task.partitionGroup!;
    expect(group.bufferedOf('stream')).toBeGreaterThan(1_000);
    expect(group.bufferedOf('stream')).toBeLessThan(1_100);
    // After the bound the task goes on without the table, drains the buffer, and resumes the stream.
    await vi.waitFor(() => expect(output()).toHaveLength(3_000), { timeout: 5_000, interval: 10 });
    expect(calls.indexOf('resume stream-0')).toBeGreaterThan(calls.indexOf('pause stream-0'));
    expect(output()).toEqual(stream.map((r) => `stream:${r.value}@${r.timestamp}`));
    expect(group.isPaused('stream')).toBe(false);
  });
});
