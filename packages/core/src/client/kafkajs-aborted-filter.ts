/**
 * A fix for kafkajs 2.2.4's read_committed filtering, installed before kafkajs is loaded.
 *
 * kafkajs drops aborted records with `consumer/filterAbortedMessages.js`, which takes at most one
 * aborted transaction from the broker's list per record and expects that list in first-offset
 * order. With several transactional writers on one partition (a repartition topic written by every
 * upstream task), an aborted transaction that began before another one is missed, and its records
 * reach a read_committed consumer: under exactly_once a crash could then apply a record twice.
 *
 * The replacement does what the Java consumer does: the aborted transactions sorted by first
 * offset, every one that starts at or before a record's offset entered before the record is judged,
 * and a producer's abort marker ending its aborted transaction. kafkajs's batch module captures the
 * filter when it loads, so this module must run first: core's kafkajs adapter imports it before
 * kafkajs. If kafkajs's consumer was loaded earlier (the app imported kafkajs before Rivulet), the
 * fix cannot apply and `abortedFilterFixInstalled` is false.
 */
import { createRequire } from 'node:module';

interface FetchedMessage {
  offset: string;
  key: Buffer | null;
  batchContext: { producerId: string; inTransaction: boolean };
  isControlRecord?: boolean;
}

interface AbortedTransaction {
  firstOffset: string;
  producerId: string;
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

/** Drops the records of aborted transactions from one partition's fetched records. */
export function filterAbortedMessages({
  messages,
  abortedTransactions,
}: {
  messages: FetchedMessage[];
  abortedTransactions?: AbortedTransaction[] | null;
}): FetchedMessage[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages;
  const pending = [...abortedTransactions].sort((a, b) => {
    const x = BigInt(a.firstOffset);
    const y = BigInt(b.firstOffset);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  let next = 0;
  const aborted = new Set<string>();
  return messages.filter((message) => {
    const offset = BigInt(message.offset);
    while (next < pending.length && BigInt(pending[next]!.firstOffset) <= offset) aborted.add(String(pending[next++]!.producerId));
    const producerId = String(message.batchContext.producerId);
    if (message.isControlRecord && message.key !== null && Buffer.from(message.key).equals(ABORT_MARKER_KEY)) {
      aborted.delete(producerId);
      return true;
    }
    return !(message.batchContext.inTransaction && aborted.has(producerId));
  });
}

const require = createRequire(import.meta.url);

function install(): boolean {
  const filterPath = require.resolve('kafkajs/src/consumer/filterAbortedMessages.js');
  const batchPath = require.resolve('kafkajs/src/consumer/batch.js');
  // Too late: kafkajs's batch module already holds the original filter.
  if (require.cache[batchPath] !== undefined) return false;
  require(filterPath);
  const entry = require.cache[filterPath];
  if (entry === undefined) return false;
  entry.exports = filterAbortedMessages;
  return true;
}

/** True when kafkajs uses Rivulet's aborted-transaction filter. */
export const abortedFilterFixInstalled = install();
