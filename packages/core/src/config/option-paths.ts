/** The settings allowed at the top level of a `StreamsConfig`. */
export const ROOT_OPTIONS = [
  'applicationId',
  'brokers',
  'processingGuarantee',
  'commitIntervalMs',
  'stateDir',
  'replicationFactor',
  'clientId',
  'ssl',
  'sasl',
  'connectionTimeoutMs',
  'requestTimeoutMs',
  'logLevel',
  'retry',
  'producer',
  'consumer',
  'deserializationExceptionHandler',
  'processingExceptionHandler',
  'productionExceptionHandler',
  'logger',
  'defaultKeySerde',
  'defaultValueSerde',
  'taskTimeoutMs',
  'numStandbyReplicas',
  'maxTaskIdleMs',
  'uncaughtExceptionHandler',
  'stateRestoreListener',
] as const;

/** The settings allowed in `retry`. */
export const RETRY_OPTIONS = ['retries', 'initialRetryTimeMs', 'maxRetryTimeMs'] as const;

/** The settings allowed in `producer`. */
export const PRODUCER_OPTIONS = [
  'acks',
  'retries',
  'idempotent',
  'maxInFlightRequests',
  'lingerMs',
  'batchSize',
  'compression',
  'transactionTimeoutMs',
  'partitioner',
] as const;

/** The settings allowed in `consumer`. */
export const CONSUMER_OPTIONS = [
  'sessionTimeoutMs',
  'heartbeatIntervalMs',
  'rebalanceTimeoutMs',
  'maxBytesPerPartition',
  'maxBytes',
  'minBytes',
  'maxWaitTimeMs',
  'autoOffsetReset',
  'isolationLevel',
] as const;

/** The top-level settings that hold nested settings rather than a value. */
export type NestedOption = 'retry' | 'producer' | 'consumer';

/**
 * The dotted path of every leaf setting of a `StreamsConfig`, such as `'commitIntervalMs'` or
 * `'producer.acks'`: the names error messages and {@link KAFKA_PROPERTY_NAMES} use.
 */
export type OptionPath =
  | Exclude<(typeof ROOT_OPTIONS)[number], NestedOption>
  | `retry.${(typeof RETRY_OPTIONS)[number]}`
  | `producer.${(typeof PRODUCER_OPTIONS)[number]}`
  | `consumer.${(typeof CONSUMER_OPTIONS)[number]}`;

/** The allowed settings per level, keyed by the level's path (`''` for the top level). */
export const OPTIONS_BY_LEVEL: Readonly<Record<'' | NestedOption, readonly string[]>> = {
  '': ROOT_OPTIONS,
  producer: PRODUCER_OPTIONS,
  consumer: CONSUMER_OPTIONS,
  retry: RETRY_OPTIONS,
};
