import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchControl, ConsumerOptions, FetchedBatch } from '../kafka-port.js';
import { FakeCluster } from './fake-cluster.js';
import type { FakeConsumer } from './fake-consumer.js';
import { FakeKafkaClient } from './fake-kafka-client.js';
import { testConsumerOptions as options } from './test-options.js';


let cluster: FakeCluster;
let client: FakeKafkaClient;

afterEach(() => cluster.close());

function setup(partitions = 1): void {
  cluster = new FakeCluster();
  client = new FakeKafkaClient(cluster);
  cluster.createTopic('t', partitions);
}

/** Starts a consumer; `handler` may do more with each batch. */
async function start(groupId: string, overrides: Partial<ConsumerOptions> = {}, handler?: (batch: FetchedBatch, control: BatchControl) => Promise<void>) {
  const consumer = client.consumer(options(groupId, overrides)) as FakeConsumer;
  const values: string[] = [];
  const ends: string[] = [];
  await consumer.connect();
  await consumer.subscribe(['t']);
  await consumer.run(
    async (batch, control) => {
      values.push(...batch.records.map((r) => r.value!.toString()));
      await handler?.(batch, control);
    },
    {
      onGroupJoin: () => undefined,
      onRebalancing: () => undefined,
      onCrash: () => undefined,
      onBatchEnd: (topic, partition, lastOffset) => ends.push(`${topic}:${partition}@${lastOffset}`),
    },
  );
  return { consumer, values, ends };
}

const input = (...values: string[]) => cluster.produce('t', values.map((value) => ({ value, partition: 0 })));

describe('FakeConsumer', () => {
  it('starts at the group committed offset, else earliest or latest', async () => {
    setup();
    input('a', 'b', 'c');
    const earliest = await start('g1');
    await vi.waitFor(() => expect(earliest.values).toEqual(['a', 'b', 'c']));
    await earliest.consumer.commitOffsets([{ topic: 't', partition: 0, offset: '2' }]);
    await earliest.consumer.disconnect();

    const resumed = await start('g1');
    const latest = await start('g2', { fromBeginning: false });
    input('d');
    await vi.waitFor(() => expect(resumed.values).toEqual(['c', 'd']));
    await vi.waitFor(() => expect(latest.values).toEqual(['d']));
    await resumed.consumer.disconnect();
    await latest.consumer.disconnect();
  });

  it('wakes on an append instead of polling slowly', async () => {
    setup();
    cluster = new FakeCluster({ maxIdleWaitMs: 5_000 });
    client = new FakeKafkaClient(cluster);
    cluster.createTopic('t', 1);
    const c = await start('g', { maxWaitTimeMs: 5_000 });
    await new Promise((r) => setTimeout(r, 20));
    const before = Date.now();
    input('x');
    await vi.waitFor(() => expect(c.values).toEqual(['x']), { timeout: 1_000, interval: 2 });
    expect(Date.now() - before).toBeLessThan(500);
    await c.consumer.disconnect();
  });

  it('makes the batch in hand stale on a seek, and reads again from the seek offset', async () => {
    setup();
    input('a', 'b', 'c');
    let seeked = false;
    let staleAfterSeek: boolean | undefined;
    const c = await start('g', {}, async (_batch, control) => {
      if (seeked) return;
      seeked = true;
      expect(control.isStale()).toBe(false);
      // The handler may run before start() returns: reach the consumer through the client.
      client.consumers[0]!.seek({ topic: 't', partition: 0, offset: '1' });
      staleAfterSeek = control.isStale();
    });
    await vi.waitFor(() => expect(c.values).toEqual(['a', 'b', 'c', 'b', 'c']));
    expect(staleAfterSeek).toBe(true);
    await c.consumer.disconnect();
  });

  it('fetches nothing from a paused partition until it is resumed', async () => {
    setup(2);
    const c = await start('g');
    c.consumer.pause([{ topic: 't', partition: 0 }]);
    cluster.produce('t', [
      { value: 'p0', partition: 0 },
      { value: 'p1', partition: 1 },
    ]);
    await vi.waitFor(() => expect(c.values).toEqual(['p1']));
    await new Promise((r) => setTimeout(r, 30));
    expect(c.values).toEqual(['p1']);
    c.consumer.resume([{ topic: 't', partition: 0 }]);
    await vi.waitFor(() => expect(c.values).toEqual(['p1', 'p0']));
    await c.consumer.disconnect();
  });

  it('reports onBatchEnd past markers and aborted records that never reach the handler', async () => {
    setup();
    const producer = client.producer({ transactionalId: 'tx', idempotent: true, acks: -1, retries: 1, maxInFlightRequests: 1, compression: 'none', transactionTimeoutMs: 60_000 });
    await producer.connect();
    const tx = await producer.beginTransaction();
    await tx.send([{ topic: 't', partition: 0, key: null, value: Buffer.from('aborted'), timestamp: 1, headers: undefined }]);
    await tx.abort();
    const c = await start('g');
    // Offset 0: the aborted record, 1: the abort marker.
    await vi.waitFor(() => expect(c.ends).toEqual(['t:0@1']));
    expect(c.values).toEqual([]);
    input('after');
    await vi.waitFor(() => expect(c.values).toEqual(['after']));
    expect(c.ends).toEqual(['t:0@1', 't:0@2']);
    await c.consumer.disconnect();
  });

  it('splits a partition into batches of about maxBytesPerPartition', async () => {
    setup();
    input('aaaa', 'bbbb', 'cccc');
    const sizes: number[] = [];
    const c = await start('g', { maxBytesPerPartition: 8 }, async (batch) => void sizes.push(batch.records.length));
    await vi.waitFor(() => expect(c.values).toEqual(['aaaa', 'bbbb', 'cccc']));
    expect(sizes).toEqual([2, 1]);
    await c.consumer.disconnect();
  });

  it('waits for the batch in hand on disconnect, then leaves the group with no timer or wait left behind', async () => {
    setup();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    input('a');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let finished = false;
    const c = await start('g', {}, async () => {
      await held;
      finished = true;
    });
    await vi.waitFor(() => expect(c.values).toEqual(['a']));
    const disconnecting = c.consumer.disconnect();
    setTimeout(release, 10);
    await disconnecting;
    expect(finished).toBe(true);
    expect(cluster.members('g')).toEqual([]);
    expect(cluster.signal.waiting).toBe(0);
    expect(timers()).toBe(before);
  });
});
