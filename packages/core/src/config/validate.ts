import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedRetrySetting } from './client-settings.js';
import { checkConsistency } from './consistency-rules.js';
import type { ResolvedConsumerConfig } from './consumer-config.js';
import { CLIENT_DEFAULTS, defaultsFor } from './defaults.js';
import { formatValue } from './format-value.js';
import { checkGuarantee, checkIdempotence } from './guarantee-rules.js';
import { IssueList } from './issue-list.js';
import { createConsoleLogger, LOG_LEVELS } from './logger.js';
import type { Acks, ResolvedProducerConfig } from './producer-config.js';
import { readBrokers } from './read-brokers.js';
import { readExceptionHandler, readLogger, readSerde } from './read-handlers.js';
import { readUncaughtExceptionHandler } from './uncaught-exception-handler.js';
import { readStateRestoreListener } from './state-restore-listener.js';
import { readSasl, readSsl } from './read-security.js';
import { isPlainObject, readBoolean, readChoice, readGroup, readInteger, readText } from './read-value.js';
import type { RuleInput } from './rule-input.js';
import type { ProcessingGuarantee, ResolvedProcessingGuarantee, ResolvedStreamsConfig, StreamsConfig } from './streams-config.js';
import { checkUnknownKeys } from './unknown-keys.js';

const GUARANTEES: readonly ProcessingGuarantee[] = ['at_most_once', 'at_least_once', 'exactly_once', 'exactly_once_v2'];
const ACKS: readonly Acks[] = [0, 1, -1, 'all'];
// Kafka Streams' rule for application.id; the length keeps `<applicationId>-...` topic names legal.
const APPLICATION_ID = /^[a-zA-Z0-9._-]{1,249}$/;
const MAX_REPLICATION_FACTOR = 32_767;

/**
 * Checks a {@link StreamsConfig} and fills in every default, as the `StreamsApp` constructor does
 * before anything connects. Defaults depend on `processingGuarantee` (see `GUARANTEE_DEFAULTS`);
 * `acks: 'all'` becomes `-1` and `'exactly_once_v2'` becomes `'exactly_once'`.
 *
 * Every problem is reported at once in one {@link ConfigError}: missing required settings, wrong
 * types and ranges, unknown keys (with the closest known name), and settings that contradict the
 * processing guarantee or each other.
 *
 * @param config - The user's configuration.
 * @returns The resolved configuration, frozen.
 * @throws ConfigError naming each wrong setting, its value, what is allowed and the fix.
 *
 * @example
 * ```ts
 * const resolved = resolveConfig({ applicationId: 'orders', brokers: 'localhost:9092', processingGuarantee: 'exactly_once' });
 * resolved.producer.acks;     // -1
 * resolved.commitIntervalMs;  // 100
 * ```
 */
export function resolveConfig(config: StreamsConfig): ResolvedStreamsConfig {
  const issues = new IssueList();
  const user: Readonly<Record<string, unknown>> = isPlainObject(config) ? config : {};
  if (!isPlainObject(config)) {
    issues.add('config', `The config = ${formatValue(config)} is not an object. Fix: pass { applicationId, brokers, ... }.`);
  }
  checkUnknownKeys(issues, '', user);

  const applicationId = readApplicationId(issues, user['applicationId']);
  const brokers = readBrokers(issues, user['brokers']);
  const written = readChoice(issues, 'processingGuarantee', user['processingGuarantee'], GUARANTEES, 'at_least_once');
  const guarantee: ResolvedProcessingGuarantee = written === 'exactly_once_v2' ? 'exactly_once' : written;
  const defaults = defaultsFor(guarantee);
  const logLevel = readChoice(issues, 'logLevel', user['logLevel'], LOG_LEVELS, CLIENT_DEFAULTS.logLevel);

  const retryGroup = readGroup(issues, 'retry', user['retry']);
  const producerGroup = readGroup(issues, 'producer', user['producer']);
  const consumerGroup = readGroup(issues, 'consumer', user['consumer']);
  checkUnknownKeys(issues, 'retry', retryGroup);
  checkUnknownKeys(issues, 'producer', producerGroup);
  checkUnknownKeys(issues, 'consumer', consumerGroup);

  const resolved: ResolvedStreamsConfig = {
    applicationId,
    brokers: Object.freeze(brokers),
    processingGuarantee: guarantee,
    commitIntervalMs: readInteger(issues, 'commitIntervalMs', user['commitIntervalMs'], { min: 0 }, defaults.commitIntervalMs),
    stateDir: readText(issues, 'stateDir', user['stateDir'], join(tmpdir(), 'rivulet', applicationId)),
    replicationFactor: readReplicationFactor(issues, user['replicationFactor']),
    clientId: readText(issues, 'clientId', user['clientId'], applicationId),
    ssl: readSsl(issues, user['ssl']),
    sasl: readSasl(issues, user['sasl']),
    connectionTimeoutMs: readInteger(issues, 'connectionTimeoutMs', user['connectionTimeoutMs'], { min: 1 }, CLIENT_DEFAULTS.connectionTimeoutMs),
    requestTimeoutMs: readInteger(issues, 'requestTimeoutMs', user['requestTimeoutMs'], { min: 1 }, CLIENT_DEFAULTS.requestTimeoutMs),
    logLevel,
    retry: Object.freeze(readRetry(issues, retryGroup)),
    producer: Object.freeze(readProducer(issues, producerGroup, defaults.producer)),
    consumer: Object.freeze(readConsumer(issues, consumerGroup, defaults.consumer)),
    deserializationExceptionHandler: readExceptionHandler(issues, 'deserializationExceptionHandler', user['deserializationExceptionHandler']),
    processingExceptionHandler: readExceptionHandler(issues, 'processingExceptionHandler', user['processingExceptionHandler']),
    productionExceptionHandler: readExceptionHandler(issues, 'productionExceptionHandler', user['productionExceptionHandler']),
    logger: readLogger(issues, user['logger']) ?? createConsoleLogger(logLevel),
    defaultKeySerde: readSerde(issues, 'defaultKeySerde', user['defaultKeySerde']),
    defaultValueSerde: readSerde(issues, 'defaultValueSerde', user['defaultValueSerde']),
    taskTimeoutMs: readInteger(issues, 'taskTimeoutMs', user['taskTimeoutMs'], { min: 0 }, CLIENT_DEFAULTS.taskTimeoutMs),
    numStandbyReplicas: readInteger(issues, 'numStandbyReplicas', user['numStandbyReplicas'], { min: 0, max: 10 }, CLIENT_DEFAULTS.numStandbyReplicas),
    maxTaskIdleMs: readInteger(issues, 'maxTaskIdleMs', user['maxTaskIdleMs'], { min: -1 }, CLIENT_DEFAULTS.maxTaskIdleMs),
    uncaughtExceptionHandler: readUncaughtExceptionHandler(issues, user['uncaughtExceptionHandler']),
    stateRestoreListener: readStateRestoreListener(issues, user['stateRestoreListener']),
  };

  const input: RuleInput = { ...resolved, written, guarantee, isSet: (path) => valueAt(user, path) !== undefined };
  // Contradictions with an unknown guarantee would be guesses: report the guarantee alone.
  if (!issues.has('processingGuarantee')) checkGuarantee(issues, input);
  checkIdempotence(issues, input);
  checkConsistency(issues, input);

  issues.throwIfAny();
  return Object.freeze(resolved);
}

function readApplicationId(issues: IssueList, value: unknown): string {
  const why = 'it becomes the consumer group id and prefixes the transactional ids and internal topic names';
  if (value === undefined) {
    issues.add('applicationId', `applicationId is required: ${why}. Fix: set applicationId to a name such as 'word-count'.`);
    return '';
  }
  if (typeof value === 'string' && APPLICATION_ID.test(value)) return value;

  const cleaned = typeof value === 'string' ? value.trim().replace(/[^a-zA-Z0-9._-]+/g, '-').slice(0, 249) : '';
  const example = cleaned === '' || cleaned === '-' ? 'word-count' : cleaned;
  issues.add(
    'applicationId',
    `applicationId = ${formatValue(value)} is not allowed: it must be 1 to 249 ASCII letters, digits, '.', '_' or '-', as ${why}. ` +
      `Fix: set applicationId to a name such as '${example}'.`,
  );
  return typeof value === 'string' ? value : '';
}

function readReplicationFactor(issues: IssueList, value: unknown): number {
  if (value === undefined) return CLIENT_DEFAULTS.replicationFactor;
  if (typeof value === 'number' && Number.isInteger(value) && (value === -1 || (value >= 1 && value <= MAX_REPLICATION_FACTOR))) return value;
  issues.add(
    'replicationFactor',
    `replicationFactor = ${formatValue(value)} is not allowed: it must be -1 (the broker's default.replication.factor) or an integer ` +
      `from 1 to ${MAX_REPLICATION_FACTOR}. Fix: set replicationFactor to the number of replicas of each internal topic ` +
      `(3 is usual in production), or remove it to use the broker's default.`,
  );
  return CLIENT_DEFAULTS.replicationFactor;
}

function readRetry(issues: IssueList, group: Readonly<Record<string, unknown>>): ResolvedRetrySetting {
  const defaults = CLIENT_DEFAULTS.retry;
  return {
    retries: readInteger(issues, 'retry.retries', group['retries'], { min: 0, max: Number.MAX_SAFE_INTEGER }, defaults.retries),
    initialRetryTimeMs: readInteger(issues, 'retry.initialRetryTimeMs', group['initialRetryTimeMs'], { min: 1 }, defaults.initialRetryTimeMs),
    maxRetryTimeMs: readInteger(issues, 'retry.maxRetryTimeMs', group['maxRetryTimeMs'], { min: 1 }, defaults.maxRetryTimeMs),
  };
}

function readProducer(issues: IssueList, group: Readonly<Record<string, unknown>>, defaults: ResolvedProducerConfig): ResolvedProducerConfig {
  // 'all' is what users write and kafkajs's -1 what the runtime sends; messages show 'all'.
  const acks = readChoice(issues, 'producer.acks', group['acks'], ACKS, defaults.acks === -1 ? 'all' : defaults.acks);
  return {
    acks: acks === 'all' ? -1 : acks,
    retries: readInteger(issues, 'producer.retries', group['retries'], { min: 0, max: Number.MAX_SAFE_INTEGER }, defaults.retries),
    idempotent: readBoolean(issues, 'producer.idempotent', group['idempotent'], defaults.idempotent),
    maxInFlightRequests: readInteger(issues, 'producer.maxInFlightRequests', group['maxInFlightRequests'], { min: 1 }, defaults.maxInFlightRequests),
    lingerMs: readInteger(issues, 'producer.lingerMs', group['lingerMs'], { min: 0 }, defaults.lingerMs),
    batchSize: readInteger(issues, 'producer.batchSize', group['batchSize'], { min: 1 }, defaults.batchSize),
    compression: readChoice(issues, 'producer.compression', group['compression'], ['none', 'gzip', 'snappy', 'lz4', 'zstd'], defaults.compression),
    transactionTimeoutMs: readInteger(issues, 'producer.transactionTimeoutMs', group['transactionTimeoutMs'], { min: 1 }, defaults.transactionTimeoutMs),
    partitioner: readPartitioner(issues, group['partitioner']),
  };
}

function readPartitioner(issues: IssueList, value: unknown): ResolvedProducerConfig['partitioner'] {
  if (value === undefined) return null;
  if (typeof value === 'function') return value as ResolvedProducerConfig['partitioner'];
  issues.add(
    'producer.partitioner',
    `producer.partitioner = ${formatValue(value)} is not allowed: it must be a function ({ topic, key, value, partitionCount }) => partition. ` +
      `Fix: pass such a function, or remove producer.partitioner to use Kafka's default (murmur2 of the key).`,
  );
  return null;
}

function readConsumer(issues: IssueList, group: Readonly<Record<string, unknown>>, defaults: ResolvedConsumerConfig): ResolvedConsumerConfig {
  const integer = (key: keyof ResolvedConsumerConfig, min: number): number =>
    readInteger(issues, `consumer.${key}`, group[key], { min }, defaults[key] as number);
  return {
    sessionTimeoutMs: integer('sessionTimeoutMs', 1),
    heartbeatIntervalMs: integer('heartbeatIntervalMs', 1),
    rebalanceTimeoutMs: integer('rebalanceTimeoutMs', 1),
    maxBytesPerPartition: integer('maxBytesPerPartition', 1),
    maxBytes: integer('maxBytes', 1),
    minBytes: integer('minBytes', 0),
    maxWaitTimeMs: integer('maxWaitTimeMs', 0),
    autoOffsetReset: readChoice(issues, 'consumer.autoOffsetReset', group['autoOffsetReset'], ['earliest', 'latest'], defaults.autoOffsetReset),
    isolationLevel: readChoice(issues, 'consumer.isolationLevel', group['isolationLevel'], ['read_committed', 'read_uncommitted'], defaults.isolationLevel),
  };
}

/** The value at a dotted path of the user's config, or `undefined`. */
function valueAt(config: Readonly<Record<string, unknown>>, path: string): unknown {
  let current: unknown = config;
  for (const key of path.split('.')) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}
