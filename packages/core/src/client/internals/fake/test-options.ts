import type { ConsumerOptions, ProducerOptions } from '../kafka-port.js';

/** Producer options for the fake's tests: idempotent, acks all; transactional with an id. */
export function testProducerOptions(transactionalId?: string): ProducerOptions {
  return {
    ...(transactionalId !== undefined ? { transactionalId } : {}),
    idempotent: true,
    acks: -1,
    retries: 5,
    maxInFlightRequests: 1,
    compression: 'none',
    transactionTimeoutMs: 60_000,
  };
}

/** Consumer options for the fake's tests: read_committed from the beginning, unless overridden. */
export function testConsumerOptions(groupId: string, overrides: Partial<ConsumerOptions> = {}): ConsumerOptions {
  return {
    groupId,
    readCommitted: true,
    sessionTimeoutMs: 10_000,
    heartbeatIntervalMs: 1_000,
    rebalanceTimeoutMs: 10_000,
    maxBytesPerPartition: 1_048_576,
    maxBytes: 10_485_760,
    minBytes: 1,
    maxWaitTimeMs: 100,
    fromBeginning: true,
    ...overrides,
  };
}
