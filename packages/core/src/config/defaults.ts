import type { ResolvedRetrySetting } from './client-settings.js';
import type { ResolvedConsumerConfig } from './consumer-config.js';
import type { LogLevel } from './logger.js';
import type { ResolvedProducerConfig } from './producer-config.js';
import type { ResolvedProcessingGuarantee } from './streams-config.js';

/** The settings `processingGuarantee` chooses: the rows of DESIGN.md's table that are settings. */
export interface GuaranteeDefaults {
  /** The default commit interval, in ms. */
  readonly commitIntervalMs: number;
  /** The producer's delivery settings. */
  readonly producer: Pick<ResolvedProducerConfig, 'acks' | 'retries' | 'idempotent' | 'maxInFlightRequests'>;
  /** Which records the consumers read. */
  readonly consumer: Pick<ResolvedConsumerConfig, 'isolationLevel'>;
}

/**
 * The defaults per processing guarantee (DESIGN.md, "Processing guarantees: the settings behind
 * one switch"). A user value that contradicts its guarantee is rejected by `resolveConfig`.
 *
 * Why the numbers:
 * - at_most_once never retries, as a retry can write a record twice; acks 1 and any number of
 *   requests in flight, since order and loss are not promised.
 * - at_least_once and exactly_once use the idempotent producer with acks all. kafkajs gives an
 *   idempotent producer unlimited retries (`retry.retries = Number.MAX_SAFE_INTEGER`,
 *   kafkajs/src/producer/index.js) and warns when they are limited: a send that gives up rolls
 *   its sequence numbers back (src/producer/sendMessages.js) though the batch may have landed, and
 *   the next batch then reuses them and is dropped by the broker as a duplicate.
 * - One request in flight: kafkajs's Transactions guide (docs/Transactions.md) requires
 *   `maxInFlightRequests: 1` with `idempotent: true` to guarantee exactly-once. kafkajs 2.2.4
 *   already serializes an idempotent producer's Produce requests per broker with a lock
 *   (`eosManager.acquireBrokerLock` in src/producer/sendMessages.js), but `maxInFlightRequests`
 *   also bounds the producer's other requests (AddPartitionsToTxn, EndTxn), and 1 keeps
 *   at_least_once in order even if the user turns idempotence off.
 */
export const GUARANTEE_DEFAULTS: Readonly<Record<ResolvedProcessingGuarantee, GuaranteeDefaults>> = {
  at_most_once: {
    commitIntervalMs: 1000,
    producer: { acks: 1, retries: 0, idempotent: false, maxInFlightRequests: 5 },
    consumer: { isolationLevel: 'read_committed' },
  },
  at_least_once: {
    commitIntervalMs: 30_000,
    producer: { acks: -1, retries: Number.MAX_SAFE_INTEGER, idempotent: true, maxInFlightRequests: 1 },
    consumer: { isolationLevel: 'read_committed' },
  },
  exactly_once: {
    commitIntervalMs: 100,
    producer: { acks: -1, retries: Number.MAX_SAFE_INTEGER, idempotent: true, maxInFlightRequests: 1 },
    consumer: { isolationLevel: 'read_committed' },
  },
};

/** The producer defaults every guarantee shares. `transactionTimeoutMs` matters only for exactly_once. */
export const PRODUCER_DEFAULTS = {
  lingerMs: 5,
  batchSize: 16_384,
  compression: 'none',
  transactionTimeoutMs: 60_000,
  partitioner: null,
} as const satisfies Omit<ResolvedProducerConfig, keyof GuaranteeDefaults['producer']>;

/** The consumer defaults every guarantee shares. */
export const CONSUMER_DEFAULTS = {
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  maxBytesPerPartition: 1_048_576,
  maxBytes: 52_428_800,
  minBytes: 1,
  maxWaitTimeMs: 500,
  autoOffsetReset: 'earliest',
} as const satisfies Omit<ResolvedConsumerConfig, keyof GuaranteeDefaults['consumer']>;

/** The Kafka client defaults: kafkajs's own, except the log level. */
export const CLIENT_DEFAULTS = {
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 30_000,
  logLevel: 'warn' as LogLevel,
  retry: { retries: 5, initialRetryTimeMs: 300, maxRetryTimeMs: 30_000 } satisfies ResolvedRetrySetting,
  /** `-1`: internal topics get the broker's `default.replication.factor`. */
  replicationFactor: -1,
  /** Kafka Streams' `task.timeout.ms` default: how long a task may keep failing with retriable errors. */
  taskTimeoutMs: 300_000,
  numStandbyReplicas: 0,
  /** Kafka Streams' `max.task.idle.ms` default: wait only for records the consumer knows are on the broker. */
  maxTaskIdleMs: 0,
} as const;

/**
 * The producer and consumer defaults of one guarantee, every field filled.
 *
 * @param guarantee - The resolved processing guarantee.
 * @returns The default commit interval and the full producer and consumer settings.
 *
 * @example
 * ```ts
 * defaultsFor('exactly_once').producer.maxInFlightRequests; // 1
 * ```
 */
export function defaultsFor(guarantee: ResolvedProcessingGuarantee): {
  commitIntervalMs: number;
  producer: ResolvedProducerConfig;
  consumer: ResolvedConsumerConfig;
} {
  const defaults = GUARANTEE_DEFAULTS[guarantee];
  return {
    commitIntervalMs: defaults.commitIntervalMs,
    producer: { ...PRODUCER_DEFAULTS, ...defaults.producer },
    consumer: { ...CONSUMER_DEFAULTS, ...defaults.consumer },
  };
}
