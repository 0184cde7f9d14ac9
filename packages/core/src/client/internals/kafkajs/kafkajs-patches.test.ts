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

describe('kafkajs patches (patches/kafkajs+2.2.4.patch)', () => {
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
