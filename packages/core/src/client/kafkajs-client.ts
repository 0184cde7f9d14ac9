/**
 * The kafkajs adapter of the Kafka client port. kafkajs speaks the pre-KIP-447 transactional offset
 * commit, so exactly-once uses one transactional producer per task (see the runtime).
 */
// First: kafkajs must load its consumer with the fixed read_committed filter (see the module).
import { abortedFilterFixInstalled } from './kafkajs-aborted-filter.js';
import kafkajs, {
  AssignerProtocol,
  CompressionTypes,
  Kafka,
  logLevel as KafkaLogLevel,
  type Admin,
  type Consumer,
  type KafkaConfig,
  type Message,
  type PartitionAssigner,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import type {
  AdminPort,
  ConsumerOptions,
  ConsumerPort,
  FetchedBatch,
  GroupAssignor,
  KafkaClientPort,
  NewTopic,
  OutgoingRecord,
  ProducerOptions,
  ProducerPort,
  TopicPartition,
  TopicPartitionOffset,
  TransactionPort,
} from './kafka-port.js';

// kafkajs is CommonJS, and Node's detection of its named exports (cjs-module-lexer) gives up partway
// through its module.exports literal, before `CompressionCodecs`: a named import of it fails to link
// under plain Node (vitest's interop does not mind). Read it from the module object instead.
const { CompressionCodecs } = kafkajs;

/** Where kafkajs's log lines go. */
export interface ClientLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Connection settings of the kafkajs client. */
export interface KafkajsClientOptions {
  brokers: string[];
  clientId: string;
  ssl?: KafkaConfig['ssl'];
  sasl?: KafkaConfig['sasl'];
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retry?: { retries?: number; initialRetryTimeMs?: number; maxRetryTimeMs?: number };
  logLevel: 'nothing' | 'error' | 'warn' | 'info' | 'debug';
  logger: ClientLogger;
}

const LOG_LEVELS = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
} as const;

/** The kafkajs implementation of {@link KafkaClientPort}. */
export class KafkajsClient implements KafkaClientPort {
  /** The underlying kafkajs client, for uses the port does not cover. */
  readonly kafka: Kafka;

  constructor(options: KafkajsClientOptions) {
    const { logger } = options;
    if (!abortedFilterFixInstalled) {
      logger.warn(
        'kafkajs was loaded before @rivulet/core, so its read_committed filter could not be fixed: ' +
          'with several transactional writers on a partition, aborted records may be read. Import @rivulet/core before kafkajs.',
      );
    }
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
      ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
      ...(options.connectionTimeoutMs !== undefined ? { connectionTimeout: options.connectionTimeoutMs } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeout: options.requestTimeoutMs } : {}),
      retry: {
        retries: options.retry?.retries ?? 8,
        initialRetryTime: options.retry?.initialRetryTimeMs ?? 300,
        maxRetryTime: options.retry?.maxRetryTimeMs ?? 30_000,
      },
      logLevel: LOG_LEVELS[options.logLevel],
      logCreator:
        () =>
        ({ level, log }) => {
          const { message, ...extra } = log;
          const line = `[kafkajs] ${message}`;
          // kafkajs logs every error response of a connection at ERROR, even those its retrier or the
          // group protocol handles (a rebalance, a coordinator still loading): those are debug noise;
          // failures that matter surface as errors of the calls that made them.
          if (message.startsWith('Response ')) logger.debug(line, extra);
          else if (level <= KafkaLogLevel.ERROR) logger.error(line, extra);
          else if (level === KafkaLogLevel.WARN) logger.warn(line, extra);
          else if (level === KafkaLogLevel.INFO) logger.info(line, extra);
          else logger.debug(line, extra);
        },
    });
  }

  /** Makes a kafkajs group consumer with these options. */
  consumer(options: ConsumerOptions): ConsumerPort {
    return new KafkajsConsumer(this.kafka, options);
  }

  /** Makes a kafkajs producer; transactional when `options.transactionalId` is set. */
  producer(options: ProducerOptions): ProducerPort {
    return new KafkajsProducer(this.kafka, options);
  }

  /** Makes a kafkajs admin client. */
  admin(): AdminPort {
    return new KafkajsAdmin(this.kafka.admin());
  }
}

/** One shape for every message; kafkajs treats `headers: undefined` as no headers. */
function toMessage(r: OutgoingRecord): Message {
  return { key: r.key, value: r.value, partition: r.partition, timestamp: String(r.timestamp), headers: r.headers };
}

/** Groups `records[from, to)` by topic, keeping their order: kafkajs groups by partition itself. */
function toTopicMessages(records: readonly OutgoingRecord[], from: number, to: number): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (let i = from; i < to; i++) {
    const r = records[i]!;
    let list = byTopic.get(r.topic);
    if (list === undefined) {
      list = [];
      byTopic.set(r.topic, list);
    }
    list.push(toMessage(r));
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * Records per produce request. kafkajs groups a request's messages per partition by copying the
 * partition's list for every message (producer/groupMessagesPerPartition.js), O(n²) in a
 * partition's share of the request: about 4 µs a record at 1,000 records, 12 at 8,000 and 150 at
 * 64,000. The record collector hands over everything buffered while its previous send was in flight
 * (tens of thousands of records under load), so a send goes out as requests of at most this many.
 */
export const MAX_RECORDS_PER_REQUEST = 1000;

/**
 * Estimated bytes per produce request, Kafka's `max.request.size` default. It also keeps each
 * partition's record batch under the broker's `message.max.bytes` (1 MiB by default): one request
 * of everything the collector buffered (up to 8 MiB) failed with MESSAGE_TOO_LARGE. A single record
 * above it still goes alone, and the broker decides.
 */
export const MAX_BYTES_PER_REQUEST = 1_000_000;

/** Record overhead beyond key and value bytes in a v2 record batch (length, attributes, deltas, header count), rounded up. */
const RECORD_OVERHEAD_BYTES = 32;

function headerBytes(headers: OutgoingRecord['headers']): number {
  let bytes = 0;
  for (const name in headers) {
    const value = headers[name];
    bytes += name.length + RECORD_OVERHEAD_BYTES;
    for (const v of Array.isArray(value) ? value : [value]) bytes += v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;
  }
  return bytes;
}

/**
 * Sends records as requests of at most {@link MAX_RECORDS_PER_REQUEST} records and
 * {@link MAX_BYTES_PER_REQUEST} bytes, one after the other, so their order is kept. The send
 * resolves when every request is acknowledged and rejects at the first that fails, as one request
 * would (a request that fails may have written some partitions already, in either case).
 */
async function sendInRequests(records: readonly OutgoingRecord[], send: (topicMessages: TopicMessages[]) => Promise<unknown>): Promise<void> {
  let from = 0;
  while (from < records.length) {
    let to = from;
    let bytes = 0;
    while (to < records.length && to - from < MAX_RECORDS_PER_REQUEST) {
      const r = records[to]!;
      const size = (r.key?.length ?? 0) + (r.value?.length ?? 0) + RECORD_OVERHEAD_BYTES + (r.headers === undefined ? 0 : headerBytes(r.headers));
      if (to > from && bytes + size > MAX_BYTES_PER_REQUEST) break;
      bytes += size;
      to++;
    }
    await send(toTopicMessages(records, from, to));
    from = to;
  }
}

const COMPRESSION = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
} as const;

/**
 * kafkajs ships the gzip codec only; snappy, lz4 and zstd work once a codec package is registered in
 * kafkajs's `CompressionCodecs`. Throws a ConfigError-style message naming the setting otherwise.
 */
export function assertCompressionAvailable(compression: keyof typeof COMPRESSION): void {
  if (compression === 'none' || compression === 'gzip') return;
  let available = true;
  try {
    // kafkajs's placeholders for codecs it lacks are factories that throw "not implemented".
    CompressionCodecs[COMPRESSION[compression]]();
  } catch {
    available = false;
  }
  if (!available) {
    throw new Error(
      `producer.compression = '${compression}' needs a ${compression} codec registered with kafkajs ` +
        `(CompressionCodecs[CompressionTypes.${compression === 'lz4' ? 'LZ4' : compression === 'zstd' ? 'ZSTD' : 'Snappy'}] = ...). ` +
        "Fix: register one (e.g. from the kafkajs-snappy / kafkajs-lz4 packages), or use 'gzip' or 'none'.",
    );
  }
}

/** Every record carries an explicit partition (the record collector chose it), so kafkajs's partitioner only echoes it. */
const explicitPartition = () => (args: { message: Message }) => args.message.partition ?? 0;

class KafkajsProducer implements ProducerPort {
  private readonly producer: Producer;
  private readonly acks: number;
  private readonly compression: CompressionTypes;
  private readonly transactional: boolean;

  constructor(kafka: Kafka, options: ProducerOptions) {
    assertCompressionAvailable(options.compression);
    this.transactional = options.transactionalId !== undefined;
    this.acks = options.acks;
    this.compression = COMPRESSION[options.compression];
    this.producer = kafka.producer({
      createPartitioner: explicitPartition,
      idempotent: options.idempotent,
      maxInFlightRequests: options.maxInFlightRequests,
      allowAutoTopicCreation: false,
      ...(options.transactionalId !== undefined
        ? { transactionalId: options.transactionalId, transactionTimeout: options.transactionTimeoutMs }
        : {}),
      // kafkajs merges the client's retry settings (5 retries) into every producer; an idempotent
      // producer needs its own, unlimited by default (limiting them may break its sequence numbers).
      retry: { retries: options.retries },
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    // Fix (found by test/zombie.int.test.ts and the exactly_once crash test): kafkajs's connect()
    // sends only the idempotent InitProducerId, without the transactional id, which fences nothing.
    // The transactional InitProducerId, which fences older producers with this id and completes or
    // aborts their open transaction, goes out with the first transaction(). The port promises it on
    // connect, and the runtime reads a gained task's committed offsets right after connect: without
    // this, the previous owner could still commit after they were read, and its last records would
    // be processed twice. An empty transaction, aborted, forces it (kafkajs sends no EndTxn for it).
    if (this.transactional) {
      const tx = await this.producer.transaction();
      await tx.abort();
    }
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    await sendInRequests(records, (topicMessages) => this.producer.sendBatch({ topicMessages, acks: this.acks, compression: this.compression }));
  }

  async beginTransaction(): Promise<TransactionPort> {
    const tx = await this.producer.transaction();
    const compression = this.compression;
    return {
      async send(records) {
        await sendInRequests(records, (topicMessages) => tx.sendBatch({ topicMessages, acks: -1, compression }));
      },
      async sendOffsets(groupId, offsets) {
        await tx.sendOffsets({ consumerGroupId: groupId, topics: groupOffsets(offsets) });
      },
      commit: () => tx.commit(),
      abort: () => tx.abort(),
    };
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

function groupOffsets(offsets: readonly TopicPartitionOffset[]) {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push({ partition: o.partition, offset: o.offset });
    byTopic.set(o.topic, list);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

function assignmentToList(assignment: Record<string, number[]>): TopicPartition[] {
  return Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
}

/** Adapts a port assignor to kafkajs's PartitionAssigner. */
function kafkajsAssigner(assignor: GroupAssignor): PartitionAssigner {
  return ({ cluster }) => ({
    name: assignor.name,
    version: 1,
    protocol({ topics }) {
      return {
        name: assignor.name,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: assignor.memberUserData() }),
      };
    },
    async assign({ members, topics }) {
      const counts = new Map<string, number>();
      for (const topic of topics) counts.set(topic, cluster.findTopicPartitionMetadata(topic).length);
      const decoded = members.map((m) => ({
        memberId: m.memberId,
        userData: AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData ?? Buffer.alloc(0),
      }));
      const result = assignor.assign(decoded, counts);
      return members.map((m) => {
        const a = result.get(m.memberId) ?? { partitions: [], userData: Buffer.alloc(0) };
        const assignment: Record<string, number[]> = {};
        for (const tp of a.partitions) (assignment[tp.topic] ??= []).push(tp.partition);
        return {
          memberId: m.memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 1, assignment, userData: a.userData }),
        };
      });
    },
  });
}

class KafkajsConsumer implements ConsumerPort {
  private readonly consumer: Consumer;
  private readonly fromBeginning: boolean;

  constructor(kafka: Kafka, options: ConsumerOptions) {
    this.fromBeginning = options.fromBeginning;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      readUncommitted: !options.readCommitted,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      maxBytesPerPartition: options.maxBytesPerPartition,
      maxBytes: options.maxBytes,
      minBytes: options.minBytes,
      maxWaitTimeInMs: options.maxWaitTimeMs,
      allowAutoTopicCreation: false,
      ...(options.assignor ? { partitionAssigners: [kafkajsAssigner(options.assignor)] } : {}),
    });
  }

  connect(): Promise<void> {
    return this.consumer.connect();
  }

  subscribe(topics: readonly string[]): Promise<void> {
    return this.consumer.subscribe({ topics: [...topics], fromBeginning: this.fromBeginning });
  }

  async run(onBatch: Parameters<ConsumerPort['run']>[0], events: Parameters<ConsumerPort['run']>[1]): Promise<void> {
    const { GROUP_JOIN, REBALANCING, CRASH, END_BATCH_PROCESS } = this.consumer.events;
    const onBatchEnd = events.onBatchEnd;
    if (onBatchEnd !== undefined) {
      this.consumer.on(END_BATCH_PROCESS, ({ payload }) => onBatchEnd(payload.topic, payload.partition, payload.lastOffset));
    }
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      events.onGroupJoin(assignmentToList(payload.memberAssignment), {
        memberId: payload.memberId,
        isLeader: payload.isLeader,
        durationMs: payload.duration,
      });
    });
    this.consumer.on(REBALANCING, () => events.onRebalancing());
    this.consumer.on(CRASH, ({ payload }) => events.onCrash(payload.error, payload.restart));
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, heartbeat, isStale, resolveOffset }) => {
        const records = batch.messages.map((m) => ({
          key: m.key,
          value: m.value,
          offset: m.offset,
          timestamp: Number(m.timestamp),
          headers: (m.headers ?? {}) as FetchedBatch['records'][number]['headers'],
        }));
        await onBatch({ topic: batch.topic, partition: batch.partition, records, highWatermark: batch.highWatermark }, { heartbeat, isStale });
        // The fetch position moves past the whole batch, control records and aborted records included.
        if (!isStale()) resolveOffset(batch.lastOffset());
      },
    });
  }

  async commitOffsets(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    await this.consumer.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })));
  }

  seek(offset: TopicPartitionOffset): void {
    this.consumer.seek({ topic: offset.topic, partition: offset.partition, offset: offset.offset });
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.consumer.pause(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.consumer.resume(partitions.map((p) => ({ topic: p.topic, partitions: [p.partition] })));
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }
}

class KafkajsAdmin implements AdminPort {
  constructor(private readonly admin: Admin) {}

  connect(): Promise<void> {
    return this.admin.connect();
  }

  async createTopics(topics: readonly NewTopic[]): Promise<void> {
    if (topics.length === 0) return;
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    try {
      // kafkajs's own waitForLeaders gives up at once when a busy broker answers "does not host
      // this topic-partition" for a topic it is still creating: wait below with retries instead.
      await this.admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.numPartitions,
          replicationFactor: t.replicationFactor,
          configEntries: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (err) {
      // Another instance of the app created them first: that is fine.
      const e = err as { type?: string; errors?: { type?: string }[] };
      const all = e.errors ?? [e];
      if (!all.every((x) => x.type === 'TOPIC_ALREADY_EXISTS')) throw err;
    }
    await this.waitForLeaders(missing.map((t) => t.topic), 60_000);
  }

  /** Polls metadata until every partition of the topics has a leader, or fails naming them. */
  private async waitForLeaders(topics: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        const meta = await this.admin.fetchTopicMetadata({ topics });
        if (meta.topics.length === topics.length && meta.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) {
        throw new Error(`topics ${topics.join(', ')} have no leader for every partition after ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  async partitionCounts(topics: readonly string[]): Promise<Map<string, number>> {
    const existing = new Set(await this.admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    const counts = new Map<string, number>();
    if (present.length === 0) return counts;
    const meta = await this.admin.fetchTopicMetadata({ topics: present });
    for (const t of meta.topics) counts.set(t.name, t.partitions.length);
    return counts;
  }

  async committedOffsets(groupId: string, topics: readonly string[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (topics.length === 0) return result;
    const fetched = await this.admin.fetchOffsets({ groupId, topics: [...topics] });
    for (const t of fetched) {
      for (const p of t.partitions) if (p.offset !== '-1') result.set(`${t.topic}:${p.partition}`, p.offset);
    }
    return result;
  }

  async offsetRange(topic: string): Promise<Map<number, { low: string; high: string }>> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
  }

  disconnect(): Promise<void> {
    return this.admin.disconnect();
  }
}
