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
