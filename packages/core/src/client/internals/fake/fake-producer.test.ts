import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConsumerOptions, FetchedRecord, OutgoingRecord } from '../kafka-port.js';
import { isFencedError } from '../kafka-port.js';
import { DEFAULT_MAX_MESSAGE_BYTES, FakeCluster } from './fake-cluster.js';
import { FakeKafkaClient } from './fake-kafka-client.js';
import { testConsumerOptions, testProducerOptions as producerOptions } from './test-options.js';

const consumerOptions = (groupId: string, readCommitted: boolean): ConsumerOptions => testConsumerOptions(groupId, { readCommitted });



const rec = (topic: string, partition: number, key: string, value: string): OutgoingRecord => ({
  topic,
  partition,
  key: Buffer.from(key),
  value: Buffer.from(value),
  timestamp: 1000,
  headers: { h: 'x' },
});

const values = (records: readonly { value: Buffer | null }[]) => records.map((r) => r.value?.toString());

let cluster: FakeCluster;
let client: FakeKafkaClient;

function setup(): void {
  cluster = new FakeCluster();
  client = new FakeKafkaClient(cluster);
  cluster.createTopic('t', 2);
}

/** Consumes `topic` with a fresh group until `count` records arrived; returns them. */
async function consume(readCommitted: boolean, count: number): Promise<FetchedRecord[]> {
  const consumer = client.consumer(consumerOptions(`g-${Math.random()}`, readCommitted));
  const seen: FetchedRecord[] = [];
  await consumer.connect();
  await consumer.subscribe(['t']);
  await consumer.run(async (batch) => void seen.push(...batch.records), {
    onGroupJoin: () => undefined,
    onRebalancing: () => undefined,
    onCrash: () => undefined,
  });
  await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(count));
  await consumer.disconnect();
  return seen;
}

afterEach(() => cluster.close());

describe('FakeProducer', () => {
  it('appends a plain send at once, with offsets, timestamps and headers, for a group consumer to read', async () => {
    setup();
    const producer = client.producer(producerOptions());
    await producer.connect();
    await producer.send([rec('t', 0, 'a', '1'), rec('t', 1, 'b', '2'), rec('t', 0, 'c', '3')]);
    expect(cluster.records('t').map((r) => [r.partition, r.offset, r.key?.toString(), r.value?.toString()])).toEqual([
      [0, '0', 'a', '1'],
      [0, '1', 'c', '3'],
      [1, '0', 'b', '2'],
    ]);
    const seen = await consume(false, 3);
    expect(seen.map((r) => r.value?.toString()).sort()).toEqual(['1', '2', '3']);
    expect(seen[0]).toMatchObject({ timestamp: 1000, headers: { h: 'x' } });
    const offsets = await client.admin().offsetRange('t');
    expect(offsets).toEqual(new Map([[0, { low: '0', high: '2' }], [1, { low: '0', high: '1' }]]));
  });

  it('rejects a send to a topic or partition that does not exist, writing nothing', async () => {
    setup();
    const producer = client.producer(producerOptions());
    await producer.connect();
    const err = await producer.send([rec('t', 0, 'a', '1'), rec('t', 5, 'b', '2')]).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'KafkaJSNumberOfRetriesExceeded', cause: { type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true } });
    expect(cluster.records('t')).toEqual([]);
  });

  it('rejects a send holding a record above max.message.bytes with MESSAGE_TOO_LARGE, writing nothing of it', async () => {
    setup();
    await client.admin().createTopics([{ topic: 'small', numPartitions: 1, replicationFactor: -1, configs: { 'max.message.bytes': '100' } }]);
    expect(await client.admin().topicMaxMessageBytes(['small', 't', 'missing'])).toEqual(
      new Map([
        ['small', 100],
        ['t', DEFAULT_MAX_MESSAGE_BYTES],
      ]),
    );
    const producer = client.producer(producerOptions());
    await producer.connect();
    const big = { ...rec('small', 0, 'k', 'x'.repeat(200)) };
    const err = await producer.send([rec('small', 0, 'a', 'ok'), big]).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false });
    expect(cluster.records('small')).toEqual([]);
    cluster.setMaxMessageBytes('small', 1000);
    await producer.send([big]);
    expect(cluster.records('small')).toHaveLength(1);
  });
});

describe('FakeProducer transactions', () => {
  it('hides a transaction from read_committed readers until it commits, and applies its offsets only then', async () => {
    setup();
    const producer = client.producer(producerOptions('tx-1'));
    await producer.connect();
    const tx = await producer.beginTransaction();
    await tx.send([rec('t', 0, 'a', '1'), rec('t', 0, 'b', '2')]);
    await tx.sendOffsets('app', [{ topic: 'in', partition: 0, offset: '7' }]);
    expect(cluster.records('t', { readCommitted: true })).toEqual([]);
    expect(values(cluster.records('t'))).toEqual(['1', '2']);
    expect(cluster.committedOffsets('app')).toEqual(new Map());
    // read_uncommitted readers see the open transaction's records.
    expect(values(await consume(false, 2))).toEqual(['1', '2']);
    await tx.commit();
    expect(values(cluster.records('t', { readCommitted: true }))).toEqual(['1', '2']);
    expect(cluster.committedOffsets('app')).toEqual(new Map([['in:0', '7']]));
    expect(await client.admin().committedOffsets('app', [{ topic: 'in', partition: 0 }])).toEqual(new Map([['in:0', '7']]));
    // The commit marker takes an offset: the end offset is past it.
    expect((await client.admin().offsetRange('t')).get(0)).toEqual({ low: '0', high: '3' });
    expect(values(await consume(true, 2))).toEqual(['1', '2']);
    await expect(tx.send([rec('t', 0, 'c', '3')])).rejects.toMatchObject({ name: 'KafkaJSNonRetriableError' });
  });

  it('discards an aborted transaction for read_committed readers, who read on past it; its offsets are dropped', async () => {
    setup();
    const producer = client.producer(producerOptions('tx-1'));
    await producer.connect();
    const aborted = await producer.beginTransaction();
    await aborted.send([rec('t', 0, 'a', 'aborted')]);
    await aborted.sendOffsets('app', [{ topic: 'in', partition: 0, offset: '3' }]);
    await aborted.abort();
    const committed = await producer.beginTransaction();
    await committed.send([rec('t', 0, 'b', 'committed')]);
    await committed.commit();
    expect(values(await consume(true, 1))).toEqual(['committed']);
    expect(values(await consume(false, 2))).toEqual(['aborted', 'committed']);
    expect(cluster.committedOffsets('app')).toEqual(new Map());
  });

  it('holds read_committed readers at the first open transaction (the last stable offset)', async () => {
    setup();
    const open = client.producer(producerOptions('tx-open'));
    const other = client.producer(producerOptions('tx-other'));
    await open.connect();
    await other.connect();
    const openTx = await open.beginTransaction();
    await openTx.send([rec('t', 0, 'a', 'open')]);
    const otherTx = await other.beginTransaction();
    await otherTx.send([rec('t', 0, 'b', 'after')]);
    await otherTx.commit();
    expect(cluster.log('t', 0)!.lastStableOffset).toBe(0);
    expect(cluster.log('t', 0)!.read(0, true, Infinity).records).toEqual([]);
    await openTx.commit();
    expect(values(cluster.log('t', 0)!.read(0, true, Infinity).records)).toEqual(['open', 'after']);
  });

  it('fences the older producer when another with its transactional id connects, aborting its open transaction', async () => {
    setup();
    const zombie = client.producer(producerOptions('tx-1'));
    await zombie.connect();
    const tx = await zombie.beginTransaction();
    await tx.send([rec('t', 0, 'a', 'zombie')]);
    await tx.sendOffsets('app', [{ topic: 'in', partition: 0, offset: '1' }]);
    const successor = client.producer(producerOptions('tx-1'));
    await successor.connect();
    for (const call of [() => tx.send([rec('t', 0, 'b', 'late')]), () => tx.sendOffsets('app', []), () => tx.commit(), () => tx.abort()]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toMatchObject({ name: 'KafkaJSProtocolError', type: 'INVALID_PRODUCER_EPOCH', code: 47, retriable: false });
      expect(isFencedError(err)).toBe(true);
    }
    expect(cluster.records('t', { readCommitted: true })).toEqual([]);
    expect(cluster.committedOffsets('app')).toEqual(new Map());
    expect(cluster.transactions.openTransactionalIds()).toEqual([]);
    // The successor works.
    const next = await successor.beginTransaction();
    await next.send([rec('t', 0, 'c', 'successor')]);
    await next.commit();
    expect(values(cluster.records('t', { readCommitted: true }))).toEqual(['successor']);
  });

  it('cluster.fence() fences as a new producer would; the error type can be PRODUCER_FENCED', async () => {
    cluster = new FakeCluster({ fencedErrorType: 'PRODUCER_FENCED' });
    client = new FakeKafkaClient(cluster);
    cluster.createTopic('t', 1);
    const producer = client.producer(producerOptions('tx-1'));
    await producer.connect();
    const tx = await producer.beginTransaction();
    await tx.send([rec('t', 0, 'a', '1')]);
    cluster.fence('tx-1');
    await expect(tx.commit()).rejects.toMatchObject({ type: 'PRODUCER_FENCED', code: 90, retriable: false });
    expect(cluster.records('t', { readCommitted: true })).toEqual([]);
  });

  it('aborts a transaction open past its timeout and fences its producer', async () => {
    setup();
    const producer = client.producer({ ...producerOptions('tx-slow'), transactionTimeoutMs: 20 });
    await producer.connect();
    const tx = await producer.beginTransaction();
    await tx.send([rec('t', 0, 'a', 'slow')]);
    await new Promise((r) => setTimeout(r, 40));
    await expect(tx.commit()).rejects.toMatchObject({ type: 'INVALID_PRODUCER_EPOCH' });
    expect(cluster.log('t', 0)!.lastStableOffset).toBe(cluster.log('t', 0)!.highWatermark);
  });

  it('refuses a second open transaction, and transactions on a plain producer', async () => {
    setup();
    const producer = client.producer(producerOptions('tx-1'));
    await producer.connect();
    await producer.beginTransaction();
    await expect(producer.beginTransaction()).rejects.toThrow(/already an ongoing transaction/);
    const plain = client.producer(producerOptions());
    await plain.connect();
    await expect(plain.beginTransaction()).rejects.toThrow(/transactional id/);
    await plain.disconnect();
    await expect(plain.send([rec('t', 0, 'a', '1')])).rejects.toMatchObject({ name: 'KafkaJSError', message: /disconnected/ });
  });
});
