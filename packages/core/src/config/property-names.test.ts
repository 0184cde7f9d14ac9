import { describe, expect, it } from 'vitest';
import { CONSUMER_OPTIONS, PRODUCER_OPTIONS, RETRY_OPTIONS, ROOT_OPTIONS } from './option-paths.js';
import { KAFKA_PROPERTY_NAMES, optionForKafkaProperty } from './property-names.js';

describe('KAFKA_PROPERTY_NAMES', () => {
  it('has an entry for every setting a StreamsConfig accepts, and no other', () => {
    const nested = new Set<string>(['retry', 'producer', 'consumer']);
    const paths = [
      ...ROOT_OPTIONS.filter((option) => !nested.has(option)),
      ...RETRY_OPTIONS.map((option) => `retry.${option}`),
      ...PRODUCER_OPTIONS.map((option) => `producer.${option}`),
      ...CONSUMER_OPTIONS.map((option) => `consumer.${option}`),
    ];
    expect(Object.keys(KAFKA_PROPERTY_NAMES).sort()).toEqual(paths.sort());
  });

  it('maps to the Kafka Streams and Kafka client names', () => {
    expect(KAFKA_PROPERTY_NAMES).toMatchObject({
      applicationId: 'application.id',
      brokers: 'bootstrap.servers',
      processingGuarantee: 'processing.guarantee',
      commitIntervalMs: 'commit.interval.ms',
      stateDir: 'state.dir',
      replicationFactor: 'replication.factor',
      clientId: 'client.id',
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
      defaultKeySerde: 'default.key.serde',
      defaultValueSerde: 'default.value.serde',
    });
  });

  it('maps no two settings to the same Kafka property', () => {
    const names = Object.values(KAFKA_PROPERTY_NAMES).filter((name) => name !== null);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('optionForKafkaProperty', () => {
  it('finds the Rivulet setting of a Kafka property, old names included', () => {
    expect(optionForKafkaProperty('commit.interval.ms')).toBe('commitIntervalMs');
    expect(optionForKafkaProperty('max.poll.interval.ms')).toBe('consumer.rebalanceTimeoutMs');
    expect(optionForKafkaProperty('request.required.acks')).toBe('producer.acks');
    expect(optionForKafkaProperty('auto.commit.interval.ms')).toBe('commitIntervalMs');
    expect(optionForKafkaProperty('no.such.property')).toBeUndefined();
  });
});
