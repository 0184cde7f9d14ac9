import type { OptionPath } from './option-paths.js';

/**
 * Each Rivulet setting and the Kafka Streams or Kafka client property it corresponds to, for the
 * docs and for "did you mean" hints when a user writes a Kafka property name. `null` where Kafka
 * has no equivalent (it configures logging through log4j, and its clients retry requests until a
 * timeout rather than a count).
 *
 * @example
 * ```ts
 * KAFKA_PROPERTY_NAMES['commitIntervalMs']; // 'commit.interval.ms'
 * KAFKA_PROPERTY_NAMES['consumer.rebalanceTimeoutMs']; // 'max.poll.interval.ms'
 * ```
 */
export const KAFKA_PROPERTY_NAMES: Readonly<Record<OptionPath, string | null>> = {
  applicationId: 'application.id',
  brokers: 'bootstrap.servers',
  processingGuarantee: 'processing.guarantee',
  commitIntervalMs: 'commit.interval.ms',
  stateDir: 'state.dir',
  replicationFactor: 'replication.factor',
  clientId: 'client.id',
  ssl: 'security.protocol',
  sasl: 'sasl.mechanism',
  connectionTimeoutMs: 'socket.connection.setup.timeout.ms',
  requestTimeoutMs: 'request.timeout.ms',
  logLevel: null,
  logger: null,
  defaultKeySerde: 'default.key.serde',
  defaultValueSerde: 'default.value.serde',
  taskTimeoutMs: 'task.timeout.ms',
  numStandbyReplicas: 'num.standby.replicas',
  maxTaskIdleMs: 'max.task.idle.ms',
  uncaughtExceptionHandler: null,
  stateRestoreListener: null,
  'retry.retries': null,
  'retry.initialRetryTimeMs': 'retry.backoff.ms',
  'retry.maxRetryTimeMs': 'retry.backoff.max.ms',
  'producer.acks': 'acks',
  'producer.retries': 'retries',
  'producer.idempotent': 'enable.idempotence',
  'producer.maxInFlightRequests': 'max.in.flight.requests.per.connection',
  'producer.lingerMs': 'linger.ms',
  'producer.batchSize': 'batch.size',
  'producer.compression': 'compression.type',
  'producer.transactionTimeoutMs': 'transaction.timeout.ms',
  'producer.partitioner': 'partitioner.class',
  'consumer.sessionTimeoutMs': 'session.timeout.ms',
  'consumer.heartbeatIntervalMs': 'heartbeat.interval.ms',
  'consumer.rebalanceTimeoutMs': 'max.poll.interval.ms',
  'consumer.maxBytesPerPartition': 'max.partition.fetch.bytes',
  'consumer.maxBytes': 'fetch.max.bytes',
  'consumer.minBytes': 'fetch.min.bytes',
  'consumer.maxWaitTimeMs': 'fetch.max.wait.ms',
  'consumer.autoOffsetReset': 'auto.offset.reset',
  'consumer.isolationLevel': 'isolation.level',
  deserializationExceptionHandler: 'default.deserialization.exception.handler',
  processingExceptionHandler: 'processing.exception.handler',
  productionExceptionHandler: 'default.production.exception.handler',
};

/**
 * The Kafka properties Rivulet sets itself rather than expose, and what decides them. A Kafka
 * Streams user looking for one of these finds here why it is not a setting.
 */
export const KAFKA_PROPERTIES_SET_BY_RIVULET: Readonly<Record<string, string>> = {
  'group.id': 'the applicationId',
  'enable.auto.commit': 'always false: Rivulet commits offsets as processingGuarantee says (at_most_once: before processing)',
  'auto.commit.interval.ms': 'commitIntervalMs',
  'transactional.id': '<applicationId>-<taskId>, one transactional producer per task under exactly_once',
  'request.required.acks': 'producer.acks (the old name of acks)',
  'key.serializer': 'the key serde of each sink',
  'value.serializer': 'the value serde of each sink',
  'key.deserializer': 'the key serde of each source',
  'value.deserializer': 'the value serde of each source',
};

/**
 * The Rivulet setting for a Kafka property name, for hints like "did you mean
 * producer.idempotent?" when a user writes `enable.idempotence`.
 *
 * @param property - A Kafka property name, for example `'enable.idempotence'`.
 * @returns The Rivulet option path, or `undefined` if no setting corresponds to it.
 *
 * @example
 * ```ts
 * optionForKafkaProperty('commit.interval.ms'); // 'commitIntervalMs'
 * ```
 */
export function optionForKafkaProperty(property: string): OptionPath | undefined {
  for (const [option, name] of Object.entries(KAFKA_PROPERTY_NAMES)) {
    if (name === property) return option as OptionPath;
  }
  if (property === 'request.required.acks') return 'producer.acks';
  if (property === 'auto.commit.interval.ms') return 'commitIntervalMs';
  return undefined;
}
