import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { missingKafkajsPatches } from './kafkajs-patches.js';

// The patched kafkajs module itself, as the consumer loads it.
const filterAbortedMessages = createRequire(import.meta.url)('kafkajs/src/consumer/filterAbortedMessages.js') as (args: {
  messages: object[];
  abortedTransactions?: { firstOffset: string; producerId: string }[];
}) => { offset: string; isControlRecord?: boolean }[];

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);
const data = (offset: number, producerId: string, inTransaction = true) => ({
  offset: String(offset),
  key: Buffer.from(`k${offset}`),
  batchContext: { producerId, inTransaction },
});
const marker = (offset: number, producerId: string, key: Buffer) => ({ ...data(offset, producerId), key, isControlRecord: true });
const dataOffsets = (kept: { offset: string; isControlRecord?: boolean }[]) => kept.filter((m) => m.isControlRecord !== true).map((m) => m.offset);

// The patched producer grouping, as sendMessages loads it.
const groupMessagesPerPartition = createRequire(import.meta.url)('kafkajs/src/producer/groupMessagesPerPartition.js') as (args: {
  topic: string;
  partitionMetadata: object[];
  messages: { key: string; partition: number }[];
  partitioner: (args: { message: { partition: number } }) => number;
}) => Record<string, { key: string }[]>;

// The patched transaction manager, as the producer loads it.
interface EosManager {
  initProducerId(): Promise<void>;
  beginTransaction(): void;
  addPartitionsToTransaction(topicData: { topic: string; partitions: { partition: number }[] }[]): Promise<void>;
  sendOffsets(args: { consumerGroupId: string; topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }): Promise<void>;
  commit(): Promise<void>;
}
const createEosManager = createRequire(import.meta.url)('kafkajs/src/producer/eosManager/index.js') as (args: {
  logger: object;
  cluster: object;
  transactional: boolean;
  transactionalId: string;
}) => EosManager;

/** A one-broker cluster whose calls are logged: `find <type>` per FindCoordinator, the request's name otherwise. */
function eosCluster(fail: (request: string) => Error | undefined = () => undefined) {
  const calls: string[] = [];
  const request = (name: string) => async () => {
    calls.push(`${name} start`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    calls.push(`${name} end`);
    const error = fail(name);
    if (error !== undefined) throw error;
    return name === 'initProducerId' ? { producerId: 7, producerEpoch: 0 } : {};
  };
  const broker = {
    nodeId: 1,
    initProducerId: request('initProducerId'),
    addPartitionsToTxn: request('addPartitionsToTxn'),
    addOffsetsToTxn: request('addOffsetsToTxn'),
    txnOffsetCommit: request('txnOffsetCommit'),
    endTxn: request('endTxn'),
  };
  const cluster = {
    retry: { retries: 0 },
    refreshMetadataIfNecessary: async () => undefined,
    findGroupCoordinator: async ({ coordinatorType }: { coordinatorType: number }) => {
      calls.push(`find ${coordinatorType === 1 ? 'transaction' : 'group'}`);
      return broker;
    },
    findBroker: async () => broker,
  };
  const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
  const eos = createEosManager({ logger, cluster, transactional: true, transactionalId: 'app-0_0' });
  return { eos, calls };
}

const partitions = [{ topic: 'out', partitions: [{ partition: 0 }] }];
const offsets = { consumerGroupId: 'app', topics: [{ topic: 'in', partitions: [{ partition: 0, offset: '10' }] }] };

describe('kafkajs patches (patches/kafkajs+2.2.4.patch)', () => {
  it('transactions: the coordinators are looked up once, not before every request', async () => {
    const { eos, calls } = eosCluster();
    await eos.initProducerId();
    for (let i = 0; i < 3; i++) {
      eos.beginTransaction();
      await eos.addPartitionsToTransaction(partitions);
      await eos.sendOffsets(offsets);
      await eos.commit();
    }
    expect(calls.filter((c) => c.startsWith('find'))).toEqual(['find transaction', 'find group']);
    expect(calls.filter((c) => c.endsWith('start'))).toHaveLength(1 + 3 * 4);
  });

  it('transactions: a request that failed makes the next one look its coordinator up again', async () => {
    let failing: string | undefined = 'addOffsetsToTxn';
    const { eos, calls } = eosCluster((request) => {
      if (request !== failing) return undefined;
      failing = undefined;
      return Object.assign(new Error('This is not the correct coordinator'), { type: 'NOT_COORDINATOR' });
    });
    await eos.initProducerId();
    eos.beginTransaction();
    await eos.addPartitionsToTransaction(partitions);
    await expect(eos.sendOffsets(offsets)).rejects.toThrow('not the correct coordinator');
    await eos.sendOffsets(offsets);
    await eos.commit();
    expect(calls.filter((c) => c.startsWith('find'))).toEqual(['find transaction', 'find transaction', 'find group']);
  });

  it('transactions: AddPartitionsToTxn and AddOffsetsToTxn go one at a time, so sendOffsets may run beside a send', async () => {
    const { eos, calls } = eosCluster();
    await eos.initProducerId();
    eos.beginTransaction();
    await Promise.all([eos.addPartitionsToTransaction(partitions), eos.sendOffsets(offsets)]);
    const adds = calls.filter((c) => c.startsWith('add'));
    expect(adds).toEqual(['addPartitionsToTxn start', 'addPartitionsToTxn end', 'addOffsetsToTxn start', 'addOffsetsToTxn end']);
  });

  it("producer: groups a send's messages by partition, each partition's in their order", () => {
    const partitionMetadata = [{ partitionId: 0 }, { partitionId: 1 }, { partitionId: 2 }];
    const messages = Array.from({ length: 9 }, (_, i) => ({ key: `k${i}`, partition: (i * 7) % 3 }));
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner: ({ message }) => message.partition });
    expect(Object.fromEntries(Object.entries(grouped).map(([p, ms]) => [p, ms.map((m) => m.key)]))).toEqual({
      '0': ['k0', 'k3', 'k6'],
      '1': ['k1', 'k4', 'k7'],
      '2': ['k2', 'k5', 'k8'],
    });
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 })).toEqual({});
    // The speed is the bench's to measure (npm run bench); this checks a large send loses nothing.
    const many = Array.from({ length: 200_000 }, (_, i) => ({ key: String(i), partition: i % 4 }));
    const big = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages: many, partitioner: ({ message }) => message.partition });
    expect(Object.values(big).map((ms) => ms.length)).toEqual([50_000, 50_000, 50_000, 50_000]);
  });

  it('are all applied to the installed kafkajs', () => {
    expect(missingKafkajsPatches()).toEqual([]);
  });

  it('read_committed: drops the records of interleaved aborted transactions, whatever order the broker lists them in', () => {
    // P1 starts first (offset 0), P2 at 1; P2 aborts first, so the broker lists P2 before P1.
    const messages = [data(0, '1'), data(1, '2'), marker(2, '2', ABORT), data(3, '1'), marker(4, '1', ABORT), data(5, '1'), marker(6, '1', COMMIT)];
    const kept = filterAbortedMessages({
      messages,
      abortedTransactions: [
        { firstOffset: '1', producerId: '2' },
        { firstOffset: '0', producerId: '1' },
      ],
    });
    expect(dataOffsets(kept)).toEqual(['5']);
  });

  it('read_committed: enters every aborted transaction that starts at or before a record, not one per record', () => {
    const messages = [data(0, 'a'), data(1, 'b'), marker(2, 'a', ABORT), marker(3, 'b', ABORT), data(4, 'c', false)];
    const kept = filterAbortedMessages({
      messages: messages.slice(1),
      abortedTransactions: [
        { firstOffset: '0', producerId: 'a' },
        { firstOffset: '1', producerId: 'b' },
      ],
    });
    expect(dataOffsets(kept)).toEqual(['4']);
  });

  it('read_committed: keeps committed and non-transactional records, and everything when nothing aborted', () => {
    const messages = [data(0, 'a'), marker(1, 'a', COMMIT), data(2, 'x', false)];
    expect(filterAbortedMessages({ messages, abortedTransactions: [] })).toEqual(messages);
    expect(filterAbortedMessages({ messages, abortedTransactions: [{ firstOffset: '5', producerId: 'a' }] })).toEqual(messages);
  });
});
