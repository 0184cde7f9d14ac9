import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OutgoingRecord } from '../kafka-port.js';
import { isRebalanceError } from '../kafka-port.js';
import { FakeCluster } from './fake-cluster.js';
import type { FakeConsumer } from './fake-consumer.js';
import { KafkaJSNumberOfRetriesExceeded, PROTOCOL_ERROR_TYPES, connectionRefused, protocolError, requestTimeout } from './fake-errors.js';
import { FakeKafkaClient } from './fake-kafka-client.js';
import { testConsumerOptions as consumerOptions, testProducerOptions as producerOptions } from './test-options.js';

const require = createRequire(import.meta.url);
/** kafkajs's own protocol error table, to check the fake's copy against. */
const kafkajsProtocol = require('kafkajs/src/protocol/error.js') as {
  createErrorFromCode(code: number): Error & { type: string; code: number; retriable: boolean };
};



const rec = (topic: string, value: string): OutgoingRecord => ({ topic, partition: 0, key: null, value: Buffer.from(value), timestamp: 1, headers: undefined });

let cluster = new FakeCluster();
let client: FakeKafkaClient;

function setup(): void {
  cluster = new FakeCluster();
  client = new FakeKafkaClient(cluster);
  cluster.createTopic('t', 1);
  cluster.createTopic('u', 1);
}

afterEach(() => cluster.close());

describe('fake errors', () => {
  it('have the name, type, code, retriable flag and message kafkajs 2.2.4 gives them', () => {
    for (const type of PROTOCOL_ERROR_TYPES) {
      const fake = protocolError(type);
      if (type === 'PRODUCER_FENCED') continue; // newer than kafkajs's table
      const real = kafkajsProtocol.createErrorFromCode(fake.code);
      expect({ name: fake.name, type: fake.type, code: fake.code, retriable: fake.retriable, message: fake.message }, type).toEqual({
        name: real.name,
        type: real.type,
        code: real.code,
        retriable: real.retriable,
        message: real.message,
      });
    }
    expect(protocolError('NOT_COORDINATOR')).toMatchObject({ type: 'NOT_COORDINATOR_FOR_GROUP', code: 16 });
    expect(protocolError('COORDINATOR_LOAD_IN_PROGRESS')).toMatchObject({ type: 'GROUP_LOAD_IN_PROGRESS', code: 14, retriable: true });
    expect(() => protocolError('NO_SUCH_ERROR')).toThrow(/does not know/);
  });

  it('shape connection, timeout and retries-exceeded errors as kafkajs does', () => {
    expect(connectionRefused()).toMatchObject({
      name: 'KafkaJSConnectionError',
      message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      retriable: true,
      code: 'ECONNREFUSED',
    });
    expect(requestTimeout('Produce')).toMatchObject({ name: 'KafkaJSRequestTimeoutError', retriable: true });
    const cause = protocolError('REQUEST_TIMED_OUT');
    const exceeded = new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 300 });
    expect(exceeded).toMatchObject({ name: 'KafkaJSNumberOfRetriesExceeded', retriable: false, cause, originalError: cause, retryCount: 5 });
    expect(exceeded).toBeInstanceOf(Error);
  });
});

describe('FakeCluster faults', () => {
  it('brokerDown: every call rejects with a retriable connection error after a short delay, until brokerUp', async () => {
    setup();
    const producer = client.producer(producerOptions());
    await producer.connect();
    cluster.brokerDown();
    const admin = client.admin();
    const started = Date.now();
    for (const call of [() => admin.listTopics(), () => admin.connect(), () => producer.send([rec('t', 'x')]), () => admin.committedOffsets('g', [{ topic: 't', partition: 0 }])]) {
      await expect(call()).rejects.toMatchObject({ name: 'KafkaJSConnectionError', retriable: true, message: /ECONNREFUSED 127\.0\.0\.1:9092/ });
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * cluster.options.downDelayMs - 4);
    cluster.brokerUp();
    await producer.send([rec('t', 'x')]);
    expect(cluster.records('t')).toHaveLength(1);
  });

  it('brokerDown: a consumer crashes (restart: true) once per failed attempt, then re-joins and consumes once the broker is back', async () => {
    setup();
    const consumer = client.consumer(consumerOptions('g')) as FakeConsumer;
    const crashes: { error: Error; restart: boolean }[] = [];
    const values: string[] = [];
    let joins = 0;
    await consumer.subscribe(['t']);
    await consumer.run(async (batch) => void values.push(...batch.records.map((r) => r.value!.toString())), {
      onGroupJoin: () => void joins++,
      onRebalancing: () => undefined,
      onCrash: (error, restart) => crashes.push({ error, restart }),
    });
    cluster.brokerDown(150);
    cluster.produce('t', [{ value: 'during' }]);
    await vi.waitFor(() => expect(crashes.length).toBeGreaterThanOrEqual(2));
    expect(values).toEqual([]);
    expect(crashes.every((c) => c.restart)).toBe(true);
    expect(crashes[0]!.error).toMatchObject({ name: 'KafkaJSNumberOfRetriesExceeded', cause: { name: 'KafkaJSConnectionError' } });
    // Back after 150 ms: the consumer re-joins and reads what it missed.
    await vi.waitFor(() => expect(values).toEqual(['during']), { timeout: 2_000 });
    expect(joins).toBeGreaterThanOrEqual(2);
    const crashCount = crashes.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(crashes.length).toBe(crashCount);
    await consumer.disconnect();
  });

  it('failNext: fails the next matching calls, scoped by topic and transactional id, as many times as asked', async () => {
    setup();
    const plain = client.producer(producerOptions());
    await plain.connect();
    cluster.failNext('send', 'NOT_ENOUGH_REPLICAS', { topic: 'u', times: 2 });
    await plain.send([rec('t', 'ok')]);
    await expect(plain.send([rec('u', '1')])).rejects.toMatchObject({ type: 'NOT_ENOUGH_REPLICAS', code: 19, retriable: true });
    await expect(plain.send([rec('u', '2')])).rejects.toMatchObject({ type: 'NOT_ENOUGH_REPLICAS' });
    await plain.send([rec('u', '3')]);
    expect(cluster.records('u').map((r) => r.value!.toString())).toEqual(['3']);

    const a = client.producer(producerOptions('tx-a'));
    const b = client.producer(producerOptions('tx-b'));
    await a.connect();
    await b.connect();
    const boom = new Error('boom');
    cluster.failNext('commit', boom, { transactionalId: 'tx-b' });
    const txA = await a.beginTransaction();
    const txB = await b.beginTransaction();
    await txA.send([rec('t', 'a')]);
    await txB.send([rec('t', 'b')]);
    await txA.commit();
    await expect(txB.commit()).rejects.toBe(boom);
    // The failed commit left the transaction open: it can still abort.
    await txB.abort();
    expect(cluster.records('t', { readCommitted: true }).map((r) => r.value!.toString())).toEqual(['ok', 'a']);

    cluster.failNext('createTopics', 'TOPIC_AUTHORIZATION_FAILED');
    await expect(client.admin().createTopics([{ topic: 'new', numPartitions: 1, replicationFactor: -1 }])).rejects.toMatchObject({ code: 29 });
    expect(cluster.topicNames()).not.toContain('new');
    cluster.failNext('committedOffsets', () => protocolError('COORDINATOR_LOAD_IN_PROGRESS'));
    await expect(client.admin().committedOffsets('g', [{ topic: 't', partition: 0 }])).rejects.toMatchObject({ type: 'GROUP_LOAD_IN_PROGRESS' });
    await expect(client.admin().committedOffsets('g', [{ topic: 't', partition: 0 }])).resolves.toEqual(new Map());
  });

  it('failNext on heartbeat and commitOffsets: a rebalance error makes the consumer re-join; the commit error reaches the caller', async () => {
    setup();
    cluster.produce('t', [{ value: 'a' }]);
    const consumer = client.consumer(consumerOptions('g')) as FakeConsumer;
    let rebalancings = 0;
    let joins = 0;
    await consumer.subscribe(['t']);
    await consumer.run(async () => undefined, { onGroupJoin: () => void joins++, onRebalancing: () => void rebalancings++, onCrash: () => undefined });
    cluster.failNext('heartbeat', 'REBALANCE_IN_PROGRESS', { groupId: 'g' });
    await vi.waitFor(() => expect(joins).toBe(2));
    expect(rebalancings).toBe(1);
    cluster.failNext('commitOffsets', 'ILLEGAL_GENERATION');
    const err = await consumer.commitOffsets([{ topic: 't', partition: 0, offset: '1' }]).catch((e: unknown) => e);
    expect(isRebalanceError(err)).toBe(true);
    await consumer.commitOffsets([{ topic: 't', partition: 0, offset: '1' }]);
    expect(cluster.committedOffsets('g')).toEqual(new Map([['t:0', '1']]));
    await consumer.disconnect();
  });

  it('hang: the next call takes that much longer; call counts include it', async () => {
    setup();
    const producer = client.producer(producerOptions('tx'));
    await producer.connect();
    const tx = await producer.beginTransaction();
    cluster.hang('sendOffsets', 60);
    const started = Date.now();
    await tx.sendOffsets('g', [{ topic: 't', partition: 0, offset: '0' }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    const quick = Date.now();
    await tx.sendOffsets('g', [{ topic: 't', partition: 0, offset: '0' }]);
    expect(Date.now() - quick).toBeLessThan(30);
    expect(cluster.callCount('sendOffsets')).toBe(2);
    expect(cluster.callCounts()).toMatchObject({ connect: 1, beginTransaction: 1, sendOffsets: 2 });
  });

  it('close() ends scripted waits and timers: nothing is left pending', async () => {
    setup();
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    cluster.hang('listTopics', 60_000);
    const hanging = client.admin().listTopics();
    cluster.brokerDown(60_000);
    cluster.close();
    // The hang ended; the broker is still down, so the call fails as a down broker's would.
    await expect(hanging).rejects.toMatchObject({ name: 'KafkaJSConnectionError' });
    cluster.brokerUp();
    expect(timers()).toBe(before);
  });
});
