import type { ConsumerOptions, ProducerOptions } from '../../client/internals/kafka-port.js';
import { KafkajsClient } from '../../client/internals/kafkajs/kafkajs-client.js';
import type { ResolvedStreamsConfig } from '../../config/streams-config.js';

/** The consumer settings every consumer of an app shares (main and restore consumers). */
export type ConsumerSettings = Omit<ConsumerOptions, 'groupId' | 'readCommitted' | 'fromBeginning' | 'assignor'>;

export function consumerSettings(config: ResolvedStreamsConfig): ConsumerSettings {
  const c = config.consumer;
  return {
    sessionTimeoutMs: c.sessionTimeoutMs,
    heartbeatIntervalMs: c.heartbeatIntervalMs,
    rebalanceTimeoutMs: c.rebalanceTimeoutMs,
    maxBytesPerPartition: c.maxBytesPerPartition,
    maxBytes: c.maxBytes,
    minBytes: c.minBytes,
    maxWaitTimeMs: c.maxWaitTimeMs,
  };
}

/** Producer options from the resolved config; a transactional id makes it a task's transactional producer. */
export function producerOptions(config: ResolvedStreamsConfig, transactionalId?: string): ProducerOptions {
  const p = config.producer;
  return {
    ...(transactionalId !== undefined ? { transactionalId } : {}),
    idempotent: p.idempotent,
    acks: p.acks,
    retries: p.retries,
    maxInFlightRequests: p.maxInFlightRequests,
    compression: p.compression,
    transactionTimeoutMs: p.transactionTimeoutMs,
  };
}

/** The kafkajs client for an app's resolved config. */
export function createKafkajsClient(config: ResolvedStreamsConfig): KafkajsClient {
  return new KafkajsClient({
    brokers: [...config.brokers],
    clientId: config.clientId,
    ...(config.ssl !== false ? { ssl: config.ssl } : {}),
    ...(config.sasl !== null ? { sasl: config.sasl as never } : {}),
    connectionTimeoutMs: config.connectionTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    retry: config.retry,
    logLevel: config.clientLogLevel,
    logger: config.logger,
  });
}
