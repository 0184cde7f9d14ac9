/**
 * The Kafka client port: everything the runtime needs from a Kafka client, and nothing more. The
 * kafkajs adapter implements it today; a client with KIP-447 support (consumer-group fencing of
 * transactional offset commits) can replace it later without touching the DSL or the tasks.
 */
import type { Headers } from '@rivulet/serde';

/** A topic and partition. */
export interface TopicPartition {
  /** The topic name. */
  readonly topic: string;
  /** The partition number, from 0. */
  readonly partition: number;
}

/** An offset to commit or seek to: the offset of the next record to read. */
export interface TopicPartitionOffset extends TopicPartition {
  /** The offset as a decimal string (Kafka offsets are 64-bit). */
  readonly offset: string;
}

/** A record as fetched: bytes, before deserialization. */
export interface FetchedRecord {
  /** The key bytes, or null. */
  readonly key: Buffer | null;
  /** The value bytes, or null (a tombstone). */
  readonly value: Buffer | null;
  /** The record's offset as a decimal string. */
  readonly offset: string;
  /** The record's timestamp, epoch milliseconds. */
  readonly timestamp: number;
  /** The record's headers. */
  readonly headers: Headers;
}

/** Records of one partition from one fetch, in offset order. */
export interface FetchedBatch {
  /** The topic the records came from. */
  readonly topic: string;
  /** The partition the records came from. */
  readonly partition: number;
  /** The records, in offset order. */
  readonly records: readonly FetchedRecord[];
  /** The partition's high watermark at fetch time (the offset after its last fully replicated record). */
  readonly highWatermark: string;
}

/** A record to produce: already serialized and partitioned. */
export interface OutgoingRecord {
  /** The topic to write to. */
  readonly topic: string;
  /** The partition to write to, already chosen. */
  readonly partition: number;
  /** The serialized key, or null. */
  readonly key: Buffer | null;
  /** The serialized value, or null (a tombstone). */
  readonly value: Buffer | null;
  /** The record's timestamp, epoch milliseconds. */
  readonly timestamp: number;
  /** The record's headers, if any. */
  readonly headers: Headers | undefined;
}

/**
 * What a send wrote: per partition (`topic:partition`), the offset of the last record the send
 * wrote there, as the broker acknowledged it. Empty when the broker does not say (acks=0).
 */
export type WrittenOffsets = ReadonlyMap<string, string>;

/** What the consumer loop hands the runtime with each batch. */
export interface BatchControl {
  /** Sends a heartbeat if one is due; throws a rebalance error when the group is rebalancing. */
  heartbeat(): Promise<void>;
  /** True once the consumer stops or a seek made this batch obsolete. */
  isStale(): boolean;
}

/** Events of the consumer's group membership. */
export interface ConsumerGroupEvents {
  /** The member joined (or re-joined) and holds this assignment. Not awaited by the client. */
  onGroupJoin(
    assignment: TopicPartition[],
    info: {
      memberId: string;
      isLeader: boolean;
      durationMs: number;
      /** The user data the leader's assignor gave this member with its assignment, if any. */
      userData?: Buffer;
    },
  ): void;
  /** The group started a rebalance. Not awaited by the client. */
  onRebalancing(): void;
  /** The consumer crashed; `restart` says whether the client restarts it itself. */
  onCrash(error: Error, restart: boolean): void;
  /**
   * A fetched batch was done with, including batches that held only transaction markers or aborted
   * records (which never reach the batch handler): `lastOffset` is the last offset it covered.
   */
  onBatchEnd?(topic: string, partition: number, lastOffset: string): void;
  /** A heartbeat succeeded: the member is still in its group's generation. */
  onHeartbeat?(): void;
}

/** The group consumer: subscribes, runs a loop of batches, commits and seeks. */
export interface ConsumerPort {
  /** Connects to the cluster. */
  connect(): Promise<void>;
  /** Subscribes the group member to these topics; call before `run`. */
  subscribe(topics: readonly string[]): Promise<void>;
  /** Starts the fetch loop: `onBatch` gets each batch with its control, `events` the group's membership changes. */
  run(onBatch: (batch: FetchedBatch, control: BatchControl) => Promise<void>, events: ConsumerGroupEvents): Promise<void>;
  /** Commits offsets for the current generation (outside a transaction). */
  commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Moves the partition's fetch position to this offset. */
  seek(offset: TopicPartitionOffset): void;
  /** Stops fetching from these partitions until resumed. */
  pause(partitions: readonly TopicPartition[]): void;
  /** Fetches again from paused partitions. */
  resume(partitions: readonly TopicPartition[]): void;
  /** Leaves the group and closes the connection. */
  disconnect(): Promise<void>;
}

/** An open transaction of a transactional producer. */
export interface TransactionPort {
  /**
   * Sends these records within the transaction, in requests of at most `maxRequestBytes` (default
   * 1,000,000) so that no partition's batch passes its topic's `max.message.bytes`. Resolves with
   * the offsets the records were written at.
   */
  send(records: readonly OutgoingRecord[], maxRequestBytes?: number): Promise<WrittenOffsets>;
  /** Adds the group's offsets to the transaction: they commit or abort with it. */
  sendOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** Commits the transaction: its records and offsets become visible to read_committed readers. */
  commit(): Promise<void>;
  /** Aborts the transaction: its records and offsets are discarded. */
  abort(): Promise<void>;
}

/** A producer: plain (idempotent or not), or transactional when made with a transactional id. */
export interface ProducerPort {
  /** Connects; for a transactional producer this initializes it, which fences older producers with its id. */
  connect(): Promise<void>;
  /**
   * Sends these records (outside any transaction) and resolves once acknowledged, in requests of at
   * most `maxRequestBytes` (default 1,000,000) so that no partition's batch passes its topic's
   * `max.message.bytes`. Resolves with the offsets the records were written at.
   */
  send(records: readonly OutgoingRecord[], maxRequestBytes?: number): Promise<WrittenOffsets>;
  /** Begins a transaction; only for a producer made with a transactional id. */
  beginTransaction(): Promise<TransactionPort>;
  /** Closes the producer. */
  disconnect(): Promise<void>;
}

/** A topic to create. */
export interface NewTopic {
  /** The topic name. */
  readonly topic: string;
  /** Number of partitions. */
  readonly numPartitions: number;
  /** -1: the broker's default. */
  readonly replicationFactor: number;
  /** Topic configs, e.g. `cleanup.policy: compact`. */
  readonly configs?: Readonly<Record<string, string>>;
}

/** The admin operations the runtime uses. */
export interface AdminPort {
  /** Connects to the cluster. */
  connect(): Promise<void>;
  /** Creates topics that do not exist yet; existing ones are left as they are. */
  createTopics(topics: readonly NewTopic[]): Promise<void>;
  /** Names of the topics that exist. */
  listTopics(): Promise<string[]>;
  /**
   * Of topics that {@link AdminPort.listTopics} does not show, those the brokers refuse to describe
   * (TOPIC_AUTHORIZATION_FAILED): they may exist, hidden by a missing ACL. Optional: an admin
   * without it (the in-memory one) has no authorizer.
   */
  refusedTopics?(topics: readonly string[]): Promise<string[]>;
  /** Partition counts of existing topics; missing topics are absent from the map. */
  partitionCounts(topics: readonly string[]): Promise<Map<string, number>>;
  /**
   * The group's committed offsets of these partitions (only these: with a partition held by an
   * unfinished transaction, the read of the others need not wait); a partition without one is
   * absent from the map. Keys: `topic:partition`.
   */
  committedOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<Map<string, string>>;
  /** Earliest and end offsets (high watermark) per partition of a topic. */
  offsetRange(topic: string): Promise<
    Map<
      number,
      {
        /** The earliest offset still in the log. */
        low: string;
        /** The end offset: one past the last record. */
        high: string;
      }
    >
  >;
  /**
   * The largest record batch each existing topic accepts: its `max.message.bytes` (the broker's
   * `message.max.bytes` unless the topic overrides it). Missing topics are absent from the map.
   */
  topicMaxMessageBytes(topics: readonly string[]): Promise<Map<string, number>>;
  /** Closes the admin client. */
  disconnect(): Promise<void>;
}

/** A group assignor, as the port sees it: metadata in, one assignment per member out. */
export interface GroupAssignor {
  /** The assignor's protocol name, as sent to the group coordinator. */
  readonly name: string;
  /** The metadata this member sends when joining (its subscribed topics and user data). */
  memberUserData(): Buffer;
  /**
   * The member id the assignor wrote into the user data it gave a member, if it did: how the kafkajs
   * adapter finds a member's user data again, which kafkajs does not hand on with the assignment.
   */
  memberIdOf?(userData: Buffer): string | undefined;
  /** Run on the group leader: assigns partitions, with user data, to each member. */
  assign(
    members: readonly { memberId: string; userData: Buffer }[],
    partitionCounts: ReadonlyMap<string, number>,
  ): Map<string, { partitions: TopicPartition[]; userData: Buffer }>;
}

/** Options of the consumer the runtime creates. */
export interface ConsumerOptions {
  groupId: string;
  readCommitted: boolean;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  maxBytesPerPartition: number;
  maxBytes: number;
  minBytes: number;
  maxWaitTimeMs: number;
  fromBeginning: boolean;
  assignor?: GroupAssignor;
}

/** Options of a producer the runtime creates. */
export interface ProducerOptions {
  transactionalId?: string;
  idempotent: boolean;
  acks: 0 | 1 | -1;
  retries: number;
  maxInFlightRequests: number;
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  transactionTimeoutMs: number;
}

/** Makes clients for one app. */
export interface KafkaClientPort {
  /** Makes a group consumer. */
  consumer(options: ConsumerOptions): ConsumerPort;
  /** Makes a producer, transactional when `options.transactionalId` is set. */
  producer(options: ProducerOptions): ProducerPort;
  /** Makes an admin client. */
  admin(): AdminPort;
}

/** Tells whether an error means this producer was fenced by a newer one with the same transactional id. */
export function isFencedError(error: unknown): boolean {
  // kafkajs may wrap the protocol error (retries exhausted): look at the causes too.
  for (let e = error as { type?: string; message?: string; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 4; depth++) {
    // Not TRANSACTIONAL_ID_AUTHORIZATION_FAILED: a missing ACL, fatal (errors/authorization-error.ts).
    if (e.type === 'INVALID_PRODUCER_EPOCH' || e.type === 'PRODUCER_FENCED') return true;
    // "an old epoch": a newer producer with the same transactional id, or the broker expired the
    // transaction (which also bumps the epoch). Either way this producer can no longer write;
    // the task is closed, and reopened with a new producer if the group still assigns it here.
    if (/fenced|old epoch/i.test(e.message ?? '')) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}

/** Tells whether an error means the consumer group is rebalancing. */
export function isRebalanceError(error: unknown): boolean {
  const e = error as { type?: string } | undefined;
  return (
    e?.type === 'REBALANCE_IN_PROGRESS' ||
    e?.type === 'NOT_COORDINATOR_FOR_GROUP' ||
    e?.type === 'ILLEGAL_GENERATION' ||
    // Evicted (a session that timed out): the client re-joins as a new member.
    e?.type === 'UNKNOWN_MEMBER_ID'
  );
}
