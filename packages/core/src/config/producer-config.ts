import type { Partitioner } from '../client/partitioner.js';

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
