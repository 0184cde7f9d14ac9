import type { ConnectionOptions } from 'node:tls';
import type { Partitioner } from '../client/partitioner.js';

// The settings of the Kafka clients a StreamsConfig holds: connection (TLS, SASL, retries), producer and consumer.
// Each setting's Kafka name, default and rules are in settings.ts.

/**
 * TLS to the brokers: `true` for TLS with Node's defaults (the system's CA store), or Node's TLS
 * options (`ca`, `cert`, `key`, `servername`, `rejectUnauthorized`...) as for `tls.connect`.
 * Kafka's `security.protocol=SSL` and `ssl.*` properties.
 */
export type SslSetting = boolean | ConnectionOptions;

/**
 * SASL with a user name and password: `PLAIN` or `SCRAM-SHA-256` / `SCRAM-SHA-512`. Kafka's
 * `sasl.mechanism` and the credentials of its `sasl.jaas.config`.
 */
export interface SaslPasswordSetting {
  /** The mechanism, in lower case as kafkajs names it. */
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  /** The user name. */
  username: string;
  /** The password. */
  password: string;
}

/** SASL `OAUTHBEARER`: the provider is called for a token whenever the client authenticates. */
export interface SaslOAuthBearerSetting {
  /** The mechanism. */
  mechanism: 'oauthbearer';
  /** Returns the bearer token to send. */
  oauthBearerProvider: () => Promise<{
    /** The token. */
    value: string;
  }>;
}

/** SASL `AWS` (IAM) with static credentials, for Amazon MSK. */
export interface SaslAwsSetting {
  /** The mechanism. */
  mechanism: 'aws';
  /** The identity to authorize as, usually the role or user id. */
  authorizationIdentity: string;
  /** The AWS access key id. */
  accessKeyId: string;
  /** The AWS secret access key. */
  secretAccessKey: string;
  /** The session token of temporary credentials, if any. */
  sessionToken?: string;
}

/** SASL authentication to the brokers: one of the mechanisms kafkajs supports. */
export type SaslSetting = SaslPasswordSetting | SaslOAuthBearerSetting | SaslAwsSetting;

/**
 * How the Kafka client retries a failed request to a broker (connecting, fetching metadata,
 * committing): exponential backoff from `initialRetryTimeMs` up to `maxRetryTimeMs`, at most
 * `retries` times. The producer's own retries are `producer.retries`.
 */
export interface RetrySetting {
  /** How many times a failed request is retried. Default 5 (kafkajs's). */
  retries?: number;
  /** The first backoff, in ms, before it grows. Default 300 (kafkajs's). Kafka's `retry.backoff.ms`. */
  initialRetryTimeMs?: number;
  /** The longest backoff, in ms. Default 30000 (kafkajs's). Kafka's `retry.backoff.max.ms`. */
  maxRetryTimeMs?: number;
}

/** {@link RetrySetting} with every field filled. */
export interface ResolvedRetrySetting {
  /** See {@link RetrySetting.retries}. */
  readonly retries: number;
  /** See {@link RetrySetting.initialRetryTimeMs}. */
  readonly initialRetryTimeMs: number;
  /** See {@link RetrySetting.maxRetryTimeMs}. */
  readonly maxRetryTimeMs: number;
}

/**
 * How many replicas must have a record before the broker acknowledges it: `0` (none, fire and
 * forget), `1` (the partition leader) or `'all'` / `-1` (every in-sync replica). Kafka's `acks`.
 */
export type Acks = 0 | 1 | -1 | 'all';

/**
 * How record batches are compressed on the wire. kafkajs ships only gzip: `'snappy'`, `'lz4'`
 * and `'zstd'` need their codec registered in kafkajs's `CompressionCodecs` (for example from
 * `kafkajs-snappy`) before the app starts.
 */
export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/**
 * The producer settings of a {@link StreamsConfig}. Leave the delivery settings (`acks`,
 * `retries`, `idempotent`, `maxInFlightRequests`) unset: `processingGuarantee` chooses them, and a
 * value that contradicts it is rejected. Defaults below are given per guarantee as
 * at_most_once / at_least_once / exactly_once.
 */
export interface StreamsProducerConfig {
  /**
   * Replicas that must have a record before it counts as written: `0`, `1` or `'all'` (`-1`).
   * Default `1` / `'all'` / `'all'`; at_least_once and exactly_once require `'all'`.
   * Kafka's `acks`.
   */
  acks?: Acks;
  /**
   * How many times a failed send is retried. Default `0` / unlimited / unlimited
   * (`Number.MAX_SAFE_INTEGER`, what kafkajs gives an idempotent producer: a limited idempotent
   * producer can reuse the sequence number of a batch whose outcome it never learned, and kafkajs
   * warns about it). at_most_once requires `0` (a retry can write twice); the others require
   * more than `0`. Kafka's `retries`.
   */
  retries?: number;
  /**
   * The idempotent producer: the broker drops the duplicates that retries would write.
   * Default `false` / `true` / `true`; exactly_once requires it, at_most_once forbids it (it
   * needs retries). Kafka's `enable.idempotence`.
   */
  idempotent?: boolean;
  /**
   * Requests a producer connection may have waiting for an answer. Default `5` / `1` / `1`.
   * Without idempotence, more than one reorders records when a request is retried after the
   * next one succeeded; exactly_once requires `1`, as kafkajs's transactional producer does.
   * kafkajs applies it to every request on the producer's connections.
   * Kafka's `max.in.flight.requests.per.connection`.
   */
  maxInFlightRequests?: number;
  /**
   * How long, in ms, Rivulet's record collector waits for more records before sending a
   * partition's batch (kafkajs does no batching itself). Default `5`. Kafka's `linger.ms`.
   */
  lingerMs?: number;
  /**
   * The size, in bytes, at which a partition's batch is sent without waiting for `lingerMs`.
   * Default `16384`. Kafka's `batch.size`.
   */
  batchSize?: number;
  /** Compression of record batches. Default `'none'`. Kafka's `compression.type`. */
  compression?: CompressionType;
  /**
   * exactly_once only: how long, in ms, a transaction may stay open before the broker aborts it.
   * A transaction spans a commit interval, so it must be longer than `commitIntervalMs`, and at
   * most the broker's `transaction.max.timeout.ms` (15 minutes by default). Default `60000`.
   * Kafka's `transaction.timeout.ms`.
   */
  transactionTimeoutMs?: number;
  /**
   * Chooses the partition of each record sent without an explicit partition. Default: Kafka's
   * own choice, murmur2 of the key as the Java client computes it (so keys land where a Java
   * producer or Kafka Streams puts them), round robin for records without a key. Sources that are
   * joined must use the same partitioner. Kafka's `partitioner.class`.
   */
  partitioner?: Partitioner;
}

/** The producer settings the runtime uses: {@link StreamsProducerConfig} with every field filled. */
export interface ResolvedProducerConfig {
  /** `0`, `1` or `-1`; `'all'` is normalized to `-1`, as kafkajs expects it. */
  readonly acks: 0 | 1 | -1;
  /** See {@link StreamsProducerConfig.retries}. */
  readonly retries: number;
  /** See {@link StreamsProducerConfig.idempotent}. */
  readonly idempotent: boolean;
  /** See {@link StreamsProducerConfig.maxInFlightRequests}. */
  readonly maxInFlightRequests: number;
  /** See {@link StreamsProducerConfig.lingerMs}. */
  readonly lingerMs: number;
  /** See {@link StreamsProducerConfig.batchSize}. */
  readonly batchSize: number;
  /** See {@link StreamsProducerConfig.compression}. */
  readonly compression: CompressionType;
  /** See {@link StreamsProducerConfig.transactionTimeoutMs}. */
  readonly transactionTimeoutMs: number;
  /**
   * The user's partitioner, or `null` for the default: create one `defaultPartitioner()` (from
   * `client/partitioner.ts`) per producer, as it keeps round-robin counters.
   */
  readonly partitioner: Partitioner | null;
}

/** Where a consumer starts in a partition its group has no committed offset for. Kafka's `auto.offset.reset`. */
export type AutoOffsetReset = 'earliest' | 'latest';

/**
 * Which records a consumer reads: only those of committed transactions (and non-transactional
 * ones), or also those of open and aborted transactions. Kafka's `isolation.level`.
 */
export type IsolationLevel = 'read_committed' | 'read_uncommitted';

/**
 * The consumer settings of a {@link StreamsConfig}. The group id is the `applicationId` and
 * auto-commit is always off: Rivulet commits offsets itself, as `processingGuarantee` says.
 */
export interface StreamsConsumerConfig {
  /**
   * How long, in ms, the group waits for a heartbeat before it evicts a member and rebalances.
   * Must be within the broker's `group.min.session.timeout.ms` and `group.max.session.timeout.ms`
   * (6 s and 30 min by default). Default `45000`. Kafka's `session.timeout.ms`.
   */
  sessionTimeoutMs?: number;
  /**
   * How often, in ms, the consumer heartbeats; less than `sessionTimeoutMs`, typically a third of
   * it at most. kafkajs heartbeats between batches, and Rivulet also during long batches.
   * Default `3000`. Kafka's `heartbeat.interval.ms`.
   */
  heartbeatIntervalMs?: number;
  /**
   * How long, in ms, the group waits for every member to rejoin during a rebalance; a member that
   * is still finishing its batch and committing must rejoin within it or lose its partitions.
   * Default `60000`. Kafka's `max.poll.interval.ms` (the Java client's rebalance timeout).
   */
  rebalanceTimeoutMs?: number;
  /**
   * The most bytes one fetch returns per partition (a larger first batch is still returned).
   * Default `1048576` (1 MiB). Kafka's `max.partition.fetch.bytes`.
   */
  maxBytesPerPartition?: number;
  /** The most bytes one fetch returns in all. Default `52428800` (50 MiB). Kafka's `fetch.max.bytes`. */
  maxBytes?: number;
  /** The fewest bytes the broker waits for before it answers a fetch. Default `1`. Kafka's `fetch.min.bytes`. */
  minBytes?: number;
  /**
   * How long, in ms, the broker may hold a fetch while fewer than `minBytes` are available.
   * Default `500`. Kafka's `fetch.max.wait.ms`.
   */
  maxWaitTimeMs?: number;
  /**
   * Where to start in a partition without a committed offset. Default `'earliest'`, as in Kafka
   * Streams. Kafka's `auto.offset.reset`.
   */
  autoOffsetReset?: AutoOffsetReset;
  /**
   * Default `'read_committed'` for every guarantee. exactly_once requires it (otherwise records
   * of aborted transactions would be processed); at_most_once and at_least_once also accept
   * `'read_uncommitted'`. Kafka's `isolation.level`.
   */
  isolationLevel?: IsolationLevel;
}

/** The consumer settings the runtime uses: {@link StreamsConsumerConfig} with every field filled. */
export interface ResolvedConsumerConfig {
  /** See {@link StreamsConsumerConfig.sessionTimeoutMs}. */
  readonly sessionTimeoutMs: number;
  /** See {@link StreamsConsumerConfig.heartbeatIntervalMs}. */
  readonly heartbeatIntervalMs: number;
  /** See {@link StreamsConsumerConfig.rebalanceTimeoutMs}. */
  readonly rebalanceTimeoutMs: number;
  /** See {@link StreamsConsumerConfig.maxBytesPerPartition}. */
  readonly maxBytesPerPartition: number;
  /** See {@link StreamsConsumerConfig.maxBytes}. */
  readonly maxBytes: number;
  /** See {@link StreamsConsumerConfig.minBytes}. */
  readonly minBytes: number;
  /** See {@link StreamsConsumerConfig.maxWaitTimeMs}. */
  readonly maxWaitTimeMs: number;
  /** See {@link StreamsConsumerConfig.autoOffsetReset}. */
  readonly autoOffsetReset: AutoOffsetReset;
  /** See {@link StreamsConsumerConfig.isolationLevel}. */
  readonly isolationLevel: IsolationLevel;
}
