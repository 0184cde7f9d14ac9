import { describe, expect, it } from 'vitest';
import { abortedFilterFixInstalled, filterAbortedMessages } from './kafkajs-aborted-filter.js';

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);
const data = (offset: number, producerId: string, inTransaction = true) => ({
  offset: String(offset),
  key: Buffer.from(`k${offset}`),
  batchContext: { producerId, inTransaction },
});
const marker = (offset: number, producerId: string, key: Buffer) => ({ ...data(offset, producerId), key, isControlRecord: true });

describe('filterAbortedMessages (kafkajs fix)', () => {
  it('drops the records of interleaved aborted transactions, whatever order the broker lists them in', () => {
    // P1 starts first (offset 0), P2 at 1; P2 aborts first, so the broker lists P2 before P1.
    const messages = [data(0, '1'), data(1, '2'), marker(2, '2', ABORT), data(3, '1'), marker(4, '1', ABORT), data(5, '1'), marker(6, '1', COMMIT)];
    const kept = filterAbortedMessages({
      messages,
      abortedTransactions: [
        { firstOffset: '1', producerId: '2' },
        { firstOffset: '0', producerId: '1' },
      ],
    });
    expect(kept.filter((m) => !('isControlRecord' in m)).map((m) => m.offset)).toEqual(['5']);
  });

  it('enters every aborted transaction that starts at or before a record, not one per record', () => {
    const messages = [data(0, 'a'), data(1, 'b'), marker(2, 'a', ABORT), marker(3, 'b', ABORT), data(4, 'c', false)];
    const kept = filterAbortedMessages({
      messages: messages.slice(1),
      abortedTransactions: [
        { firstOffset: '0', producerId: 'a' },
        { firstOffset: '1', producerId: 'b' },
      ],
    });
    expect(kept.filter((m) => !('isControlRecord' in m)).map((m) => m.offset)).toEqual(['4']);
  });

  it('keeps committed and non-transactional records, and everything when nothing aborted', () => {
    const messages = [data(0, 'a'), marker(1, 'a', COMMIT), data(2, 'x', false)];
    expect(filterAbortedMessages({ messages, abortedTransactions: [] })).toEqual(messages);
    expect(filterAbortedMessages({ messages, abortedTransactions: [{ firstOffset: '5', producerId: 'a' }] })).toEqual(messages);
  });

  it('is what kafkajs uses in this process', () => {
    expect(abortedFilterFixInstalled).toBe(true);
  });
});
