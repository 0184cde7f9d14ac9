import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import type { StreamsConfig } from './streams-config.js';
import { resolveConfig } from './validate.js';

const MINIMAL: StreamsConfig = { applicationId: 'orders-app', brokers: ['localhost:9092'] };

/** Resolves a config that must be rejected; typed loosely, as JavaScript callers and JSON files are. */
function rejectionOf(config: Record<string, unknown>): ConfigError {
  try {
    resolveConfig(config as unknown as StreamsConfig);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(config)}`);
}

function messageFor(error: ConfigError, setting: string): string {
  const issue = error.issues.find((i) => i.setting === setting);
  if (issue === undefined) throw new Error(`no issue for ${setting}; issues: ${JSON.stringify(error.issues)}`);
  return issue.message;
}

const COMMON_PRODUCER = { lingerMs: 5, batchSize: 16384, compression: 'none', transactionTimeoutMs: 60000, partitioner: null };
const COMMON_CONSUMER = {
  sessionTimeoutMs: 45000,
  heartbeatIntervalMs: 3000,
  rebalanceTimeoutMs: 60000,
  maxBytesPerPartition: 1048576,
  maxBytes: 52428800,
  minBytes: 1,
  maxWaitTimeMs: 500,
  autoOffsetReset: 'earliest',
};

describe('resolveConfig defaults per guarantee', () => {
  it('at_least_once is the default: acks all, idempotent, one request in flight, read_committed, 30 s commits', () => {
    const resolved = resolveConfig(MINIMAL);
    expect(resolved.processingGuarantee).toBe('at_least_once');
    expect(resolved.commitIntervalMs).toBe(30000);
    expect(resolved.producer).toEqual({
      ...COMMON_PRODUCER,
      acks: -1,
      retries: Number.MAX_SAFE_INTEGER,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    expect(resolved.consumer).toEqual({ ...COMMON_CONSUMER, isolationLevel: 'read_committed' });
  });

  it('at_most_once: acks 1, no retries, not idempotent, 5 in flight, 1 s commits', () => {
    const resolved = resolveConfig({ ...MINIMAL, processingGuarantee: 'at_most_once' });
    expect(resolved.processingGuarantee).toBe('at_most_once');
    expect(resolved.commitIntervalMs).toBe(1000);
    expect(resolved.producer).toEqual({ ...COMMON_PRODUCER, acks: 1, retries: 0, idempotent: false, maxInFlightRequests: 5 });
    expect(resolved.consumer).toEqual({ ...COMMON_CONSUMER, isolationLevel: 'read_committed' });
  });

  it('exactly_once: acks all, unlimited retries, idempotent, one in flight, read_committed, 100 ms commits', () => {
    const resolved = resolveConfig({ ...MINIMAL, processingGuarantee: 'exactly_once' });
    expect(resolved.processingGuarantee).toBe('exactly_once');
    expect(resolved.commitIntervalMs).toBe(100);
    expect(resolved.producer).toEqual({
      ...COMMON_PRODUCER,
      acks: -1,
      retries: Number.MAX_SAFE_INTEGER,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    expect(resolved.consumer).toEqual({ ...COMMON_CONSUMER, isolationLevel: 'read_committed' });
  });

  it("normalizes 'exactly_once_v2' to 'exactly_once' with the same defaults", () => {
    const v2 = resolveConfig({ ...MINIMAL, processingGuarantee: 'exactly_once_v2' });
    const v1 = resolveConfig({ ...MINIMAL, processingGuarantee: 'exactly_once' });
    expect(v2.processingGuarantee).toBe('exactly_once');
    expect(v2.commitIntervalMs).toBe(100);
    expect(v2.producer).toEqual(v1.producer);
    expect(v2.consumer).toEqual(v1.consumer);
  });

  it('fills the app and client defaults', () => {
    const resolved = resolveConfig(MINIMAL);
    expect(resolved).toMatchObject({
      applicationId: 'orders-app',
      brokers: ['localhost:9092'],
      stateDir: join(tmpdir(), 'rivulet', 'orders-app'),
      replicationFactor: -1,
      clientId: 'orders-app',
      ssl: false,
      sasl: null,
      connectionTimeoutMs: 1000,
      requestTimeoutMs: 30000,
      logLevel: 'warn',
      retry: { retries: 5, initialRetryTimeMs: 300, maxRetryTimeMs: 30000 },
      deserializationExceptionHandler: 'fail',
      processingExceptionHandler: 'fail',
      productionExceptionHandler: 'fail',
    });
    expect(typeof resolved.logger.warn).toBe('function');
  });

  it("normalizes acks 'all' to -1 and keeps 0 and 1", () => {
    expect(resolveConfig({ ...MINIMAL, producer: { acks: 'all' } }).producer.acks).toBe(-1);
    expect(resolveConfig({ ...MINIMAL, producer: { acks: -1 } }).producer.acks).toBe(-1);
    const atMostOnce = { ...MINIMAL, processingGuarantee: 'at_most_once' } as const;
    expect(resolveConfig({ ...atMostOnce, producer: { acks: 0 } }).producer.acks).toBe(0);
    expect(resolveConfig({ ...atMostOnce, producer: { acks: 1 } }).producer.acks).toBe(1);
  });

  it("allows acks 'all' with at_most_once: slower, never less safe", () => {
    const resolved = resolveConfig({ ...MINIMAL, processingGuarantee: 'at_most_once', producer: { acks: 'all' } });
    expect(resolved.producer.acks).toBe(-1);
  });

  it('returns a frozen config', () => {
    const resolved = resolveConfig(MINIMAL);
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.producer)).toBe(true);
    expect(Object.isFrozen(resolved.consumer)).toBe(true);
    expect(Object.isFrozen(resolved.brokers)).toBe(true);
  });
});

describe('resolveConfig brokers', () => {
  it('splits a comma-separated string and trims each broker', () => {
    const resolved = resolveConfig({ ...MINIMAL, brokers: ' kafka-1:9092, kafka-2:9093 ,kafka-3:9094,' });
    expect(resolved.brokers).toEqual(['kafka-1:9092', 'kafka-2:9093', 'kafka-3:9094']);
  });

  it('accepts IPv4 and bracketed IPv6 addresses', () => {
    expect(resolveConfig({ ...MINIMAL, brokers: ['127.0.0.1:9092', '[::1]:9092'] }).brokers).toEqual(['127.0.0.1:9092', '[::1]:9092']);
  });

  it.each([
    ['a host without a port', 'localhost'],
    ['port 0', 'localhost:0'],
    ['a port above 65535', 'localhost:70000'],
    ['a scheme', 'PLAINTEXT://localhost:9092'],
  ])('rejects %s', (_case, broker) => {
    const error = rejectionOf({ ...MINIMAL, brokers: ['kafka-1:9092', broker] });
    expect(error.settings).toEqual(['brokers']);
    expect(error.message).toContain(`'${broker}'`);
    expect(error.message).toContain('host:port');
  });

  it('says to drop the scheme', () => {
    expect(rejectionOf({ ...MINIMAL, brokers: 'PLAINTEXT://localhost:9092' }).message).toContain('without a scheme');
  });

  it('rejects an empty list', () => {
    expect(messageFor(rejectionOf({ ...MINIMAL, brokers: [] }), 'brokers')).toContain('lists no broker');
    expect(messageFor(rejectionOf({ ...MINIMAL, brokers: ' , ' }), 'brokers')).toContain('lists no broker');
  });
});

describe('resolveConfig required settings', () => {
  it('requires applicationId and brokers, and reports both at once', () => {
    const error = rejectionOf({});
    expect(error.settings).toEqual(['applicationId', 'brokers']);
    expect(error.setting).toBe('applicationId');
    expect(messageFor(error, 'applicationId')).toContain('applicationId is required');
    expect(messageFor(error, 'applicationId')).toContain('group id');
    expect(messageFor(error, 'brokers')).toContain('brokers is required');
    expect(error.message.split('\n')).toHaveLength(3);
  });

  it('rejects an applicationId with characters Kafka does not allow, suggesting a cleaned name', () => {
    const message = messageFor(rejectionOf({ ...MINIMAL, applicationId: 'word count!' }), 'applicationId');
    expect(message).toContain("applicationId = 'word count!' is not allowed");
    expect(message).toContain("Fix: set applicationId to a name such as 'word-count-'");
  });

  it('rejects something that is not an object', () => {
    expect(rejectionOf(undefined as unknown as Record<string, unknown>).settings).toContain('config');
  });
});

describe('resolveConfig types and ranges', () => {
  it.each([
    ['commitIntervalMs', { commitIntervalMs: -1 }, 'an integer from 0 to 2147483647'],
    ['commitIntervalMs', { commitIntervalMs: 1.5 }, 'an integer from 0'],
    ['commitIntervalMs', { commitIntervalMs: '100' }, '(a number, not a string)'],
    ['commitIntervalMs', { commitIntervalMs: Number.NaN }, 'commitIntervalMs = NaN'],
    ['connectionTimeoutMs', { connectionTimeoutMs: 0 }, 'an integer from 1'],
    ['requestTimeoutMs', { requestTimeoutMs: 2 ** 31 }, 'an integer from 1 to 2147483647'],
    ['producer.batchSize', { producer: { batchSize: 0 } }, 'an integer from 1'],
    ['producer.lingerMs', { producer: { lingerMs: -5 } }, 'an integer from 0'],
    ['producer.retries', { producer: { retries: -1 } }, 'an integer >= 0'],
    ['producer.maxInFlightRequests', { producer: { maxInFlightRequests: 0 } }, 'an integer from 1'],
    ['producer.transactionTimeoutMs', { producer: { transactionTimeoutMs: 0 } }, 'an integer from 1'],
    ['consumer.sessionTimeoutMs', { consumer: { sessionTimeoutMs: 0 } }, 'an integer from 1'],
    ['consumer.maxBytesPerPartition', { consumer: { maxBytesPerPartition: 0 } }, 'an integer from 1'],
    ['consumer.minBytes', { consumer: { minBytes: -1 } }, 'an integer from 0'],
    ['consumer.maxWaitTimeMs', { consumer: { maxWaitTimeMs: Infinity } }, 'an integer from 0'],
    ['retry.retries', { retry: { retries: -1 } }, 'an integer >= 0'],
    ['retry.initialRetryTimeMs', { retry: { initialRetryTimeMs: 0 } }, 'an integer from 1'],
  ])('rejects a wrong %s, naming the setting, the value, the range and the default', (setting, overrides, allowed) => {
    const error = rejectionOf({ ...MINIMAL, ...overrides });
    expect(error.settings).toEqual([setting]);
    expect(error.message).toContain(`${setting} = `);
    expect(error.message).toContain(allowed);
    expect(error.message).toContain('Fix: ');
    expect(error.message).toContain('remove it to use the default');
  });

  it('names the default of the guarantee in the fix', () => {
    const error = rejectionOf({ ...MINIMAL, processingGuarantee: 'exactly_once', commitIntervalMs: -1 });
    expect(error.message).toContain('the default (100)');
  });

  it.each([
    [0, 'replicationFactor = 0'],
    [-2, 'replicationFactor = -2'],
    [40000, 'replicationFactor = 40000'],
  ])('rejects replicationFactor %s: -1 or 1 and up', (value, shown) => {
    const message = messageFor(rejectionOf({ ...MINIMAL, replicationFactor: value }), 'replicationFactor');
    expect(message).toContain(shown);
    expect(message).toContain("-1 (the broker's default.replication.factor)");
  });

  it('rejects a wrong choice with the allowed values and the closest one', () => {
    const message = messageFor(rejectionOf({ ...MINIMAL, processingGuarantee: 'exactly-once' }), 'processingGuarantee');
    expect(message).toContain("processingGuarantee = 'exactly-once' is not allowed");
    expect(message).toContain("'at_most_once', 'at_least_once', 'exactly_once', 'exactly_once_v2'");
    expect(message).toContain("did you mean 'exactly_once'?");
  });

  it.each([
    ['producer.acks', { producer: { acks: 2 } }],
    ['producer.acks', { producer: { acks: 'ALL' } }],
    ['producer.compression', { producer: { compression: 'brotli' } }],
    ['producer.idempotent', { producer: { idempotent: 'yes' } }],
    ['producer.partitioner', { producer: { partitioner: 'murmur2' } }],
    ['consumer.autoOffsetReset', { consumer: { autoOffsetReset: 'beginning' } }],
    ['consumer.isolationLevel', { consumer: { isolationLevel: 'committed' } }],
    ['logLevel', { logLevel: 'verbose' }],
    ['stateDir', { stateDir: '' }],
    ['clientId', { clientId: 42 }],
    ['producer', { producer: 'fast' }],
    ['ssl', { ssl: 'yes' }],
    ['logger', { logger: { info: () => undefined } }],
  ])('rejects a wrong %s', (setting, overrides) => {
    const error = rejectionOf({ ...MINIMAL, ...overrides });
    expect(error.settings).toEqual([setting]);
    expect(error.message).toContain('Fix: ');
  });

  it('checks that the heartbeat comes within the session timeout', () => {
    const error = rejectionOf({ ...MINIMAL, consumer: { sessionTimeoutMs: 10000, heartbeatIntervalMs: 10000 } });
    expect(error.settings).toEqual(['consumer.heartbeatIntervalMs']);
    expect(error.message).toContain('consumer.heartbeatIntervalMs = 10000 must be less than consumer.sessionTimeoutMs = 10000');
  });

  it('blames the session timeout, marked against the default heartbeat, when only it was set', () => {
    const error = rejectionOf({ ...MINIMAL, consumer: { sessionTimeoutMs: 2000 } });
    expect(error.settings).toEqual(['consumer.sessionTimeoutMs']);
    expect(error.message).toContain('consumer.heartbeatIntervalMs = 3000 (the default) must be less than consumer.sessionTimeoutMs = 2000');
  });

  it('checks minBytes against maxBytes and the retry backoffs against each other', () => {
    expect(rejectionOf({ ...MINIMAL, consumer: { minBytes: 2000, maxBytes: 1000 } }).settings).toEqual(['consumer.minBytes']);
    expect(rejectionOf({ ...MINIMAL, retry: { initialRetryTimeMs: 5000, maxRetryTimeMs: 1000 } }).settings).toEqual([
      'retry.initialRetryTimeMs',
    ]);
  });

  it('does not report a pair when one of its settings is already wrong', () => {
    const error = rejectionOf({ ...MINIMAL, consumer: { sessionTimeoutMs: 'soon', heartbeatIntervalMs: 60000 } });
    expect(error.settings).toEqual(['consumer.sessionTimeoutMs']);
  });
});

describe('resolveConfig exception handlers, security and logger', () => {
  it('accepts each kind of handler', () => {
    const decide = (): 'continue' => 'continue';
    const resolved = resolveConfig({
      ...MINIMAL,
      deserializationExceptionHandler: 'log-and-continue',
      processingExceptionHandler: { deadLetterTopic: 'orders-app.dlq' },
      productionExceptionHandler: decide,
    });
    expect(resolved.deserializationExceptionHandler).toBe('log-and-continue');
    expect(resolved.processingExceptionHandler).toEqual({ deadLetterTopic: 'orders-app.dlq' });
    expect(resolved.productionExceptionHandler).toBe(decide);
  });

  it('defaults taskTimeoutMs to Kafka Streams\' 5 minutes and the uncaught-exception handler to SHUTDOWN_CLIENT', () => {
    const resolved = resolveConfig(MINIMAL);
    expect(resolved.taskTimeoutMs).toBe(300_000);
    expect(resolved.uncaughtExceptionHandler(new Error('boom'))).toBe('SHUTDOWN_CLIENT');
  });

  it('rejects a negative taskTimeoutMs and an uncaught-exception handler that is not a function, naming them', () => {
    const error = rejectionOf({ ...MINIMAL, taskTimeoutMs: -1, uncaughtExceptionHandler: 'REPLACE_THREAD' as never });
    expect(error.settings).toEqual(['taskTimeoutMs', 'uncaughtExceptionHandler']);
    expect(messageFor(error, 'uncaughtExceptionHandler')).toContain("'REPLACE_THREAD' | 'SHUTDOWN_CLIENT'");
  });

  it('defaults numStandbyReplicas to 0 and rejects a negative one; checks the stateRestoreListener, naming the bad method', () => {
    expect(resolveConfig(MINIMAL).numStandbyReplicas).toBe(0);
    expect(resolveConfig(MINIMAL).stateRestoreListener).toBeUndefined();
    const error = rejectionOf({ ...MINIMAL, numStandbyReplicas: -1, stateRestoreListener: { onRestoreEnd: 'log' } as never });
    expect(error.settings).toEqual(['numStandbyReplicas', 'stateRestoreListener.onRestoreEnd']);
    expect(rejectionOf({ ...MINIMAL, stateRestoreListener: { onRestoreDone: () => undefined } as never }).message).toMatch(/Unknown setting stateRestoreListener.onRestoreDone/);
  });

  it("defaults maxTaskIdleMs to Kafka Streams' 0, takes -1 (never wait), and rejects less, naming the range", () => {
    expect(resolveConfig(MINIMAL).maxTaskIdleMs).toBe(0);
    expect(resolveConfig({ ...MINIMAL, maxTaskIdleMs: -1 }).maxTaskIdleMs).toBe(-1);
    const error = rejectionOf({ ...MINIMAL, maxTaskIdleMs: -2 });
    expect(error.settings).toEqual(['maxTaskIdleMs']);
    expect(messageFor(error, 'maxTaskIdleMs')).toContain('an integer from -1 to');
  });

  it('suggests the right spelling of a handler name', () => {
    const message = messageFor(rejectionOf({ ...MINIMAL, processingExceptionHandler: 'log_and_continue' }), 'processingExceptionHandler');
    expect(message).toContain("write 'log-and-continue'");
  });

  it('rejects a dead-letter topic name Kafka would refuse, and extra keys beside it', () => {
    const error = rejectionOf({ ...MINIMAL, productionExceptionHandler: { deadLetterTopic: 'dead letters', retries: 3 } });
    expect(error.settings).toEqual(['productionExceptionHandler.deadLetterTopic', 'productionExceptionHandler.retries']);
  });

  it('checks each SASL mechanism for its fields', () => {
    const sasl = { mechanism: 'scram-sha-512', username: 'app', password: 'secret' } as const;
    // A copy that prints without its password (docs/security.md), with the same fields.
    expect(resolveConfig({ ...MINIMAL, sasl, ssl: true }).sasl).toEqual(sasl);

    expect(rejectionOf({ ...MINIMAL, sasl: { mechanism: 'SCRAM-SHA-512', username: 'a', password: 'b' } }).message).toContain(
      "write 'scram-sha-512'",
    );
    expect(rejectionOf({ ...MINIMAL, sasl: { mechanism: 'plain', username: 'a' } }).settings).toEqual(['sasl.password']);
    expect(rejectionOf({ ...MINIMAL, sasl: { mechanism: 'plain', username: 'a', password: 'b', user: 'c' } }).settings).toEqual([
      'sasl.user',
    ]);
    expect(rejectionOf({ ...MINIMAL, sasl: { mechanism: 'oauthbearer' } }).settings).toEqual(['sasl.oauthBearerProvider']);
  });

  it('passes a custom logger through as it is', () => {
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    expect(resolveConfig({ ...MINIMAL, logger }).logger).toBe(logger);
  });
});

describe('resolveConfig with a custom config', () => {
  it('passes every valid setting through unchanged', () => {
    const partitioner = (): number => 0;
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const handler = (): 'fail' => 'fail';
    const replaceThread = (): 'REPLACE_THREAD' => 'REPLACE_THREAD';
    const restoreListener = { onRestoreEnd: () => undefined };
    const ssl = { rejectUnauthorized: false };
    const config: StreamsConfig = {
      applicationId: 'payments.v2_eu-west',
      brokers: ['kafka-1:9093', 'kafka-2:9093'],
      processingGuarantee: 'exactly_once',
      commitIntervalMs: 250,
      stateDir: '/var/lib/payments',
      replicationFactor: 3,
      clientId: 'payments-instance-7',
      ssl,
      sasl: { mechanism: 'plain', username: 'payments', password: 'secret' },
      connectionTimeoutMs: 3000,
      requestTimeoutMs: 40000,
      logLevel: 'info',
      clientLogLevel: 'warn',
      retry: { retries: 8, initialRetryTimeMs: 100, maxRetryTimeMs: 10000 },
      producer: {
        acks: -1,
        retries: 10,
        idempotent: true,
        maxInFlightRequests: 1,
        lingerMs: 20,
        batchSize: 65536,
        compression: 'gzip',
        transactionTimeoutMs: 30000,
        partitioner,
      },
      consumer: {
        sessionTimeoutMs: 30000,
        heartbeatIntervalMs: 5000,
        rebalanceTimeoutMs: 90000,
        maxBytesPerPartition: 2097152,
        maxBytes: 10485760,
        minBytes: 1024,
        maxWaitTimeMs: 200,
        autoOffsetReset: 'latest',
        isolationLevel: 'read_committed',
      },
      deserializationExceptionHandler: { deadLetterTopic: 'payments-dlq' },
      processingExceptionHandler: handler,
      productionExceptionHandler: 'log-and-continue',
      logger,
      taskTimeoutMs: 60000,
      maxTaskIdleMs: 250,
      metadataMaxAgeMs: 60000,
      numStandbyReplicas: 1,
      numStreamThreads: 3,
      metricsRecordingLevel: 'DEBUG',
      metricsSampleWindowMs: 10000,
      metricsNumSamples: 3,
      uncaughtExceptionHandler: replaceThread,
      stateRestoreListener: restoreListener,
    };

    const resolved = resolveConfig(config);
    // The logger is the user's, wrapped so that it never writes the SASL password (docs/security.md).
    expect({ ...resolved, logger: undefined }).toEqual({ ...config, logger: undefined });
    expect(resolved.uncaughtExceptionHandler).toBe(replaceThread);
    expect(resolved.stateRestoreListener).toBe(restoreListener);
    expect(resolved.producer.partitioner).toBe(partitioner);
    expect(resolved.ssl).toEqual(ssl);
    expect(resolved.processingExceptionHandler).toBe(handler);
  });
});
