import { describe, expectTypeOf, it } from 'vitest';
import type { OptionPath, SETTINGS } from './settings.js';

// The table has one row per field of the config types (its type is keyed by OptionPath, which is
// made from those types), so a field added to a type must get a row: a Kafka name, a default, docs.
describe('OptionPath', () => {
  it('names every leaf setting of a StreamsConfig', () => {
    expectTypeOf<keyof typeof SETTINGS>().toEqualTypeOf<OptionPath>();
    expectTypeOf<OptionPath>().toEqualTypeOf<
      | 'applicationId'
      | 'brokers'
      | 'processingGuarantee'
      | 'commitIntervalMs'
      | 'stateDir'
      | 'replicationFactor'
      | 'clientId'
      | 'ssl'
      | 'sasl'
      | 'connectionTimeoutMs'
      | 'requestTimeoutMs'
      | 'logLevel'
      | 'clientLogLevel'
      | 'deserializationExceptionHandler'
      | 'processingExceptionHandler'
      | 'productionExceptionHandler'
      | 'logger'
      | 'defaultKeySerde'
      | 'defaultValueSerde'
      | 'taskTimeoutMs'
      | 'numStreamThreads'
      | 'numStandbyReplicas'
      | 'applicationServer'
      | 'maxTaskIdleMs'
      | 'metadataMaxAgeMs'
      | 'metricsRecordingLevel'
      | 'metricsSampleWindowMs'
      | 'metricsNumSamples'
      | 'traceContext'
      | 'uncaughtExceptionHandler'
      | 'stateRestoreListener'
      | 'retry.retries'
      | 'retry.initialRetryTimeMs'
      | 'retry.maxRetryTimeMs'
      | 'producer.acks'
      | 'producer.retries'
      | 'producer.idempotent'
      | 'producer.maxInFlightRequests'
      | 'producer.lingerMs'
      | 'producer.batchSize'
      | 'producer.compression'
      | 'producer.transactionTimeoutMs'
      | 'producer.partitioner'
      | 'consumer.sessionTimeoutMs'
      | 'consumer.heartbeatIntervalMs'
      | 'consumer.rebalanceTimeoutMs'
      | 'consumer.maxBytesPerPartition'
      | 'consumer.maxBytes'
      | 'consumer.minBytes'
      | 'consumer.maxWaitTimeMs'
      | 'consumer.autoOffsetReset'
      | 'consumer.isolationLevel'
    >();
  });
});
