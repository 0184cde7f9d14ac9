/**
 * The kafkajs adapter of the Kafka client port. kafkajs speaks the pre-KIP-447 transactional offset
 * commit, so exactly-once uses one transactional producer per task (see the runtime).
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import kafkajs, {
  AssignerProtocol,
  CompressionTypes,
  Kafka,
  logLevel as KafkaLogLevel,
  type Admin,
  type Consumer,
  type ConsumerRunConfig,
  type ISocketFactory,
  type KafkaConfig,
  type Message,
  type PartitionAssigner,
  type Producer,
  type RecordMetadata,
  type TopicMessages,
} from 'kafkajs';
import { authorizationType, principalOf, toAuthorizationError, type AuthorizationContext } from '../../../errors/authorization-error.js';
import { kafkajsLogCreator } from './kafkajs-log.js';
import { missingKafkajsPatches } from './kafkajs-patches.js';
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
  WrittenOffsets,
} from '../kafka-port.js';
import { recordBytes } from '../record-size.js';

// kafkajs is CommonJS, and Node's detection of its named exports (cjs-module-lexer) gives up partway
// through its module.exports literal, before `CompressionCodecs`: a named import of it fails to link
// under plain Node (vitest's interop does not mind). Read it from the module object instead.
const { CompressionCodecs, ConfigResourceTypes } = kafkajs;

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
  /** Its configuration: each group consumer gets a kafkajs client of its own, with its own sockets. */
  private readonly kafkaConfig: KafkaConfig;
  /** Who the brokers see (`User:<name>` with SASL PLAIN or SCRAM), named in authorization errors. */
  private readonly principal: string;

  constructor(options: KafkajsClientOptions) {
    const { logger } = options;
    const missing = missingKafkajsPatches();
    if (missing.length > 0) {
      logger.warn(
        `kafkajs is not patched as Rivulet needs (${missing.join('; ')}). ` +
          "Apply Rivulet's patches/kafkajs+2.2.4.patch with patch-package when installing.",
      );
    }
    this.kafkaConfig = {
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
      // Each line at the level it means for the app (retried protocol errors are debug, connection
      // trouble a warning), and a repeated warning or error once per 10 s with a count.
      logCreator: kafkajsLogCreator(logger),
    };
    this.kafka = new Kafka(this.kafkaConfig);
    this.principal = principalOf(options.sasl as { mechanism?: string; username?: string } | undefined, options.ssl);
  }

  /** Makes a kafkajs group consumer with these options. */
  consumer(options: ConsumerOptions): ConsumerPort {
    const sockets = new SocketTracker();
    return new KafkajsConsumer(new Kafka({ ...this.kafkaConfig, socketFactory: sockets.factory }), options, sockets, this.principal);
  }

  /** Makes a kafkajs producer; transactional when `options.transactionalId` is set. */
  producer(options: ProducerOptions): ProducerPort {
    return new KafkajsProducer(this.kafka, options, this.principal);
  }

  /** Makes a kafkajs admin client. */
  admin(): AdminPort {
    // The probe for refused topics must not retry: a topic that does not exist is answered
    // UNKNOWN_TOPIC_OR_PARTITION, which kafkajs retries for tens of seconds.
    return new KafkajsAdmin(this.kafka.admin(), () => new Kafka({ ...this.kafkaConfig, retry: { retries: 0 } }).admin(), this.principal);
  }
}

/**
 * The record itself is the kafkajs message: it has `key`, `value`, `partition` and `headers`
 * (kafkajs treats `headers: undefined` as none), and its timestamp is a number, which Rivulet's
 * patched produce encoder takes as it is (patches/kafkajs+2.2.4.patch; kafkajs's type says string).
 * No copy per record.
 */
function toMessage(r: OutgoingRecord): Message {
  return r as unknown as Message;
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
 * Records per produce request. kafkajs 2.2.4 grouped a request's messages per partition in O(n²)
 * (about 4 µs a record at 1,000 records, 150 at 64,000), which is why this was 1,000; Rivulet's
 * kafkajs patch made it linear (patches/kafkajs+2.2.4.patch). The bytes limit below is what bounds
 * a request now (about 8,000 records of 100 bytes): fewer requests, fewer round trips per send.
 */
export const MAX_RECORDS_PER_REQUEST = 10_000;

/**
 * Estimated bytes per produce request, Kafka's `max.request.size` default. It also keeps each
 * partition's record batch under the broker's `message.max.bytes` (1 MiB by default): one request
 * of everything the collector buffered (up to 8 MiB) failed with MESSAGE_TOO_LARGE. A single record
 * above it still goes alone, and the broker decides.
 */
export const MAX_BYTES_PER_REQUEST = 1_000_000;

/**
 * Sends records as requests of at most {@link MAX_RECORDS_PER_REQUEST} records and
 * {@link MAX_BYTES_PER_REQUEST} bytes, one after the other, so their order is kept. The send
 * resolves when every request is acknowledged and rejects at the first that fails, as one request
 * would (a request that fails may have written some partitions already, in either case).
 */
async function sendInRequests(
  records: readonly OutgoingRecord[],
  send: (topicMessages: TopicMessages[]) => Promise<readonly RecordMetadata[] | void>,
  maxRequestBytes = MAX_BYTES_PER_REQUEST,
): Promise<WrittenOffsets> {
  const limit = Math.min(maxRequestBytes, MAX_BYTES_PER_REQUEST);
  const written = new Map<string, string>();
  let from = 0;
  while (from < records.length) {
    let to = from;
    let bytes = 0;
    while (to < records.length && to - from < MAX_RECORDS_PER_REQUEST) {
      const r = records[to]!;
      const size = recordBytes(r.key, r.value, r.headers);
      if (to > from && bytes + size > limit) break;
      bytes += size;
      to++;
    }
    const metadata = await send(toTopicMessages(records, from, to));
    if (metadata !== undefined && metadata.length > 0) noteWritten(written, records, from, to, metadata);
    from = to;
  }
  return written;
}

/**
 * The last offset a request wrote per partition: the broker answers each partition's base offset,
 * and the request's records of that partition follow it. acks=0 answers none (-1): nothing noted.
 */
function noteWritten(written: Map<string, string>, records: readonly OutgoingRecord[], from: number, to: number, metadata: readonly RecordMetadata[]): void {
  // Counted per topic, then per partition: no string made per record.
  const counts = new Map<string, number[]>();
  let topic: string | undefined;
  let perPartition: number[] = [];
  for (let i = from; i < to; i++) {
    const r = records[i]!;
    if (r.topic !== topic) {
      topic = r.topic;
      let known = counts.get(topic);
      if (known === undefined) counts.set(topic, (known = []));
      perPartition = known;
    }
    perPartition[r.partition] = (perPartition[r.partition] ?? 0) + 1;
  }
  for (const m of metadata) {
    const base = m.baseOffset;
    if (base === undefined || !/^\d+$/.test(base)) continue;
    const count = counts.get(m.topicName)?.[m.partition];
    if (count !== undefined) written.set(`${m.topicName}:${m.partition}`, (BigInt(base) + BigInt(count) - 1n).toString());
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
  /** What a refusal of its transactional id or of a send is about. */
  private readonly refusal: { transactionalId: AuthorizationContext; write: (topics: readonly string[]) => AuthorizationContext };

  constructor(kafka: Kafka, options: ProducerOptions, principal: string) {
    assertCompressionAvailable(options.compression);
    this.transactional = options.transactionalId !== undefined;
    this.refusal = {
      transactionalId: { principal, operation: 'WRITE', resourceKind: 'transactional id', resourceNames: options.transactionalId !== undefined ? [options.transactionalId] : [] },
      write: (topics) => ({ principal, operation: 'WRITE', resourceKind: 'topic', resourceNames: [...new Set(topics)] }),
    };
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
    this.trackOperations();
  }

  /** Set by disconnect(). */
  private disconnectRequested = false;

  /**
   * Wraps the kafkajs producer's sends and transaction calls so that one still running at
   * disconnect() is followed by another disconnect when it settles. kafkajs's send retrier
   * reconnects the cluster when a request failed because the producer was disconnected under it
   * (producer/sendMessages.js), so a send in flight at close (a dirty close after a fatal error
   * discards the buffer but not the send) reopened broker sockets after disconnect() and kept the
   * process alive (issue 11).
   */
  private trackOperations(): void {
    const track = <T>(op: Promise<T>): Promise<T> => {
      const settled = (): void => {
        if (this.disconnectRequested) void this.producer.disconnect().catch(() => undefined);
      };
      op.then(settled, settled);
      return op;
    };
    const producer = this.producer;
    const { sendBatch, transaction } = producer;
    producer.sendBatch = (batch) => track(sendBatch(batch));
    producer.transaction = async () => {
      const tx = await track(transaction());
      const { sendBatch: txSendBatch, sendOffsets, commit, abort } = tx;
      tx.sendBatch = (batch) => track(txSendBatch(batch));
      tx.sendOffsets = (offsets) => track(sendOffsets(offsets));
      tx.commit = () => track(commit());
      tx.abort = () => track(abort());
      return tx;
    };
  }

  async connect(): Promise<void> {
    try {
      await this.connectAndFence();
    } catch (err) {
      throw toAuthorizationError(err, this.refusal.transactionalId);
    }
  }

  private async connectAndFence(): Promise<void> {
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

  send(records: readonly OutgoingRecord[], maxRequestBytes?: number): Promise<WrittenOffsets> {
    return sendInRequests(
      records,
      (topicMessages) => this.producer.sendBatch({ topicMessages, acks: this.acks, compression: this.compression }),
      maxRequestBytes,
    ).catch((err: unknown) => {
      throw this.refused(err, records);
    });
  }

  /** A refused send or transaction call, said as the ACL it lacks; other errors as they are. */
  private refused(err: unknown, records: readonly OutgoingRecord[]): unknown {
    const type = authorizationType(err);
    if (type === undefined) return err;
    return toAuthorizationError(err, type === 'TOPIC_AUTHORIZATION_FAILED' ? this.refusal.write(records.map((r) => r.topic)) : this.refusal.transactionalId);
  }

  async beginTransaction(): Promise<TransactionPort> {
    const tx = await this.producer.transaction().catch((err: unknown) => {
      throw this.refused(err, []);
    });
    const refused = (err: unknown, records: readonly OutgoingRecord[]): unknown => this.refused(err, records);
    const compression = this.compression;
    // Sends of this transaction not yet acknowledged. The runtime flushes before it commits; this
    // makes sure of it, as an EndTxn sent beside an AddPartitionsToTxn or Produce of the same
    // transaction is answered CONCURRENT_TRANSACTIONS (or commits without those records).
    const sending = new Set<Promise<void>>();
    const settled = async (): Promise<void> => {
      while (sending.size > 0) await Promise.allSettled([...sending]);
    };
    return {
      async send(records, maxRequestBytes) {
        const sent = sendInRequests(records, (topicMessages) => tx.sendBatch({ topicMessages, acks: -1, compression }), maxRequestBytes).catch((err: unknown) => {
          throw refused(err, records);
        });
        const tracked = sent.then(
          () => undefined,
          () => undefined,
        );
        sending.add(tracked);
        try {
          return await sent;
        } finally {
          sending.delete(tracked);
        }
      },
      // Beside the sends: kafkajs (patched) adds the offsets and the sends' partitions to the
      // transaction one request at a time, so neither meets CONCURRENT_TRANSACTIONS from the other.
      async sendOffsets(groupId, offsets) {
        const topics = groupOffsets(offsets);
        await retryConcurrentTransactions(() => tx.sendOffsets({ consumerGroupId: groupId, topics }));
      },
      async commit() {
        await settled();
        await tx.commit();
      },
      // Not after the sends: an abort must not wait behind a send retrying against a broker that is
      // down; kafkajs ends such a send at its next retry, as the transaction is no longer open.
      abort: () => tx.abort(),
    };
  }

  disconnect(): Promise<void> {
    this.disconnectRequested = true;
    return this.producer.disconnect();
  }
}

/** Backoffs of {@link retryConcurrentTransactions}: about 2.5 s in all; Java's producer retries it from 20 ms. */
const CONCURRENT_TRANSACTIONS_BACKOFF_MS = [20, 40, 80, 160, 320, 500, 500, 500, 500];

/**
 * Retries a call that the transaction coordinator answered CONCURRENT_TRANSACTIONS. It says the
 * previous transaction of this transactional id is still completing: EndTxn returns once the commit
 * (or abort) is decided, and the coordinator writes its markers to the partitions afterwards, for
 * some ms; until they are written it refuses to add partitions or offsets to the next transaction.
 * kafkajs retries AddPartitionsToTxn (as a failed send, after ~300 ms) but not the AddOffsetsToTxn
 * of `sendOffsets`: a transaction that only commits offsets, begun right after the previous one
 * ended, would fail. kafkajs records nothing in the transaction before that request succeeds, so the
 * call can be made again.
 */
async function retryConcurrentTransactions<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const backoff = CONCURRENT_TRANSACTIONS_BACKOFF_MS[attempt];
      if ((err as { type?: string }).type !== 'CONCURRENT_TRANSACTIONS' || backoff === undefined) throw err;
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
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

/**
 * The user data each member got with its assignment, by member id, until its GROUP_JOIN reads it.
 * kafkajs decodes the assignment (MemberAssignment.decode, consumer/consumerGroup.js) and keeps only
 * the partitions; the port's assignors that write the member id into the user data (memberIdOf) get
 * it back through this wrapper of the decoder, installed once.
 */
const assignedUserData = new Map<string, Buffer>();
const userDataReaders = new Set<(userData: Buffer) => string | undefined>();
let decodeWrapped = false;

function captureAssignedUserData(assignor: GroupAssignor): void {
  const memberIdOf = assignor.memberIdOf;
  if (memberIdOf === undefined) return;
  userDataReaders.add((userData) => memberIdOf.call(assignor, userData));
  if (decodeWrapped) return;
  decodeWrapped = true;
  const protocol = AssignerProtocol.MemberAssignment as { decode(buffer: Buffer): { userData?: Buffer } | null };
  const decode = protocol.decode.bind(protocol);
  protocol.decode = (buffer: Buffer) => {
    const decoded = decode(buffer);
    const userData = decoded?.userData;
    if (userData !== undefined && userData.length > 0) {
      for (const read of userDataReaders) {
        const memberId = read(userData);
        if (memberId === undefined) continue;
        // Bounded: an entry nobody reads (a consumer that stopped) goes with the oldest.
        if (assignedUserData.size >= 1_000) assignedUserData.delete(assignedUserData.keys().next().value!);
        assignedUserData.set(memberId, userData);
        break;
      }
    }
    return decoded;
  };
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

/** kafkajs's keep-alive delay on broker sockets. */
const KEEP_ALIVE_DELAY_MS = 60_000;

/**
 * Makes broker sockets as kafkajs's default factory does, and remembers the ones still open, so
 * that a client's last disconnect can end what kafkajs left behind. Found by the wiped-broker
 * test: kafkajs handles a consumer crash by leaving the group on a connection it opens then, and a
 * LeaveGroup the broker does not answer keeps that connection (and a 10 ms timer loop of its
 * request queue) alive for the request timeout, after the consumer was disconnected: the process
 * of an app in ERROR did not exit.
 */
class SocketTracker {
  private readonly open = new Set<Socket>();

  readonly factory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl ? tlsConnect({ host, port, ...(!isIP(host) ? { servername: host } : {}), ...(ssl as ConnectionOptions) }, onConnect) : netConnect({ host, port }, onConnect);
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  };

  /** Ends every socket still open; kafkajs sees a connection error and fails what was pending on it. */
  destroyAll(reason: string): number {
    let n = 0;
    for (const socket of this.open) {
      // One kafkajs ended itself is closing already.
      if (socket.writableEnded || socket.destroyed) continue;
      socket.destroy(new Error(reason));
      n++;
    }
    this.open.clear();
    return n;
  }
}

/** kafkajs's delay before restarting a crashed consumer when the error gives none (its `initialRetryTime`). */
const RESTART_DELAY_MS = 300;

class KafkajsConsumer implements ConsumerPort {
  private readonly consumer: Consumer;
  private readonly fromBeginning: boolean;
  private runConfig: ConsumerRunConfig | undefined;
  /** Set by disconnect(): from then on the consumer never starts again. */
  private disconnectRequested = false;
  /** kafkajs asked whether to restart after the crash it is about to report. */
  private restartPlanned = false;
  private restartTimer: NodeJS.Timeout | undefined;
  /** A kafkajs run() in flight (the first or a restart): it resolves once the member has joined. */
  private starting: Promise<void> | undefined;

  /** What a refusal of its group or topics is about. */
  private readonly refusal: AuthorizationContext;

  constructor(
    kafka: Kafka,
    options: ConsumerOptions,
    private readonly sockets: SocketTracker,
    principal: string,
  ) {
    this.fromBeginning = options.fromBeginning;
    this.refusal = { principal, operation: 'READ', resourceKind: 'group', resourceNames: [options.groupId] };
    this.consumer = kafka.consumer({
      // Restarts after a crash are done here, not by kafkajs (see restart()). kafkajs decides to
      // restart after its own disconnect, then sets a timer whose start() reconnects: a disconnect()
      // of ours in between (the app closing, or failing) was undone, and the process held a broker
      // socket after close (issue 11). kafkajs calls this only for a retriable crash. `retries: 5` is
      // kafkajs's default for consumers, which an explicit `retry` would otherwise replace.
      retry: {
        retries: 5,
        restartOnFailure: async () => {
          this.restartPlanned = !this.disconnectRequested;
          return false;
        },
      },
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
    if (options.assignor !== undefined) captureAssignedUserData(options.assignor);
  }

  connect(): Promise<void> {
    return this.consumer.connect();
  }

  /** The topics subscribed to: a refused fetch names them (the broker's answer does not). */
  private topics: readonly string[] = [];

  subscribe(topics: readonly string[]): Promise<void> {
    this.topics = [...topics];
    return this.consumer.subscribe({ topics: [...topics], fromBeginning: this.fromBeginning });
  }

  async run(onBatch: Parameters<ConsumerPort['run']>[0], events: Parameters<ConsumerPort['run']>[1]): Promise<void> {
    const { GROUP_JOIN, REBALANCING, CRASH, END_BATCH_PROCESS, HEARTBEAT } = this.consumer.events;
    const onHeartbeat = events.onHeartbeat;
    if (onHeartbeat !== undefined) this.consumer.on(HEARTBEAT, () => onHeartbeat());
    const onBatchEnd = events.onBatchEnd;
    if (onBatchEnd !== undefined) {
      this.consumer.on(END_BATCH_PROCESS, ({ payload }) => onBatchEnd(payload.topic, payload.partition, payload.lastOffset));
    }
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      const userData = assignedUserData.get(payload.memberId);
      assignedUserData.delete(payload.memberId);
      events.onGroupJoin(assignmentToList(payload.memberAssignment), {
        ...(userData !== undefined ? { userData } : {}),
        memberId: payload.memberId,
        isLeader: payload.isLeader,
        durationMs: payload.duration,
      });
    });
    this.consumer.on(REBALANCING, () => events.onRebalancing());
    this.consumer.on(CRASH, ({ payload }) => {
      const restart = this.restartPlanned && !this.disconnectRequested;
      this.restartPlanned = false;
      // Scheduled before the app hears of the crash: a disconnect() it makes on hearing clears it.
      if (restart) this.scheduleRestart((payload.error as { retryTime?: number }).retryTime || RESTART_DELAY_MS);
      // A refusal (its group, or a topic it fetches) is said as the ACL it lacks.
      const error = authorizationType(payload.error) === 'TOPIC_AUTHORIZATION_FAILED'
        ? toAuthorizationError(payload.error, { ...this.refusal, resourceKind: 'topic', resourceNames: this.topics })
        : toAuthorizationError(payload.error, this.refusal);
      events.onCrash(error as Error, restart);
    });
    this.runConfig = {
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
    };
    await this.start();
  }

  /** Runs the kafkajs consumer (again, after a crash); kafkajs reports a crash of it through CRASH. */
  private start(): Promise<void> {
    const run = this.consumer.run(this.runConfig);
    const tracked = run.finally(() => {
      if (this.starting === tracked) this.starting = undefined;
    });
    this.starting = tracked;
    return run;
  }

  private scheduleRestart(delayMs: number): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.disconnectRequested) this.start().catch(() => undefined);
    }, delayMs);
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

  async disconnect(): Promise<void> {
    this.disconnectRequested = true;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    // A run() still joining cannot be stopped: kafkajs's stop() skips a runner that is not running
    // yet and forgets it, and the join then reconnects and fetches after the disconnect. Once it has
    // joined (or crashed), stop() reaches it.
    await this.starting?.catch(() => undefined);
    try {
      await this.consumer.disconnect();
    } finally {
      // What kafkajs's own crash handling opened and still waits on (see SocketTracker).
      this.sockets.destroyAll('the consumer was disconnected');
    }
  }
}

class KafkajsAdmin implements AdminPort {
  constructor(
    private readonly admin: Admin,
    private readonly probeAdmin: () => Admin,
    private readonly principal: string,
  ) {}

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
      const e = err as { type?: string; topic?: string; errors?: { type?: string; topic?: string }[] };
      const all = e.errors ?? [e];
      if (!all.every((x) => x.type === 'TOPIC_ALREADY_EXISTS')) {
        // kafkajs names each refused topic (KafkaJSCreateTopicError.topic), not the ACL: say it.
        const refused = all.filter((x) => x.type === 'TOPIC_AUTHORIZATION_FAILED').map((x) => x.topic ?? '');
        const names = refused.every((t) => t !== '') ? refused : missing.map((t) => t.topic);
        throw toAuthorizationError(err, { principal: this.principal, operation: 'CREATE', resourceKind: 'topic', resourceNames: names });
      }
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

  async refusedTopics(topics: readonly string[]): Promise<string[]> {
    if (topics.length === 0) return [];
    const probe = this.probeAdmin();
    await probe.connect();
    try {
      const refused: string[] = [];
      for (const topic of topics) {
        // One topic per request: the broker answers each, kafkajs throws the first error only.
        await probe.fetchTopicMetadata({ topics: [topic] }).catch((err: unknown) => {
          if (authorizationType(err) === 'TOPIC_AUTHORIZATION_FAILED') refused.push(topic);
        });
      }
      return refused;
    } finally {
      await probe.disconnect();
    }
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

  async committedOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    if (partitions.length === 0) return result;
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    // requireStable (Rivulet's kafkajs patch, OffsetFetch v7): a partition with a transactional
    // offset commit still being completed is waited for, not answered with the offset before it.
    // Topics as { topic, partitions } (the same patch): only these partitions are asked for.
    type StableFetch = (request: { groupId: string; topics: { topic: string; partitions: number[] }[]; requireStable: boolean }) => ReturnType<Admin['fetchOffsets']>;
    const fetchOffsets = this.admin.fetchOffsets as unknown as StableFetch;
    const fetched = await fetchOffsets({ groupId, topics: [...byTopic].map(([topic, ps]) => ({ topic, partitions: ps })), requireStable: true });
    for (const t of fetched) {
      for (const p of t.partitions) if (p.offset !== '-1') result.set(`${t.topic}:${p.partition}`, p.offset);
    }
    return result;
  }

  async topicMaxMessageBytes(topics: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    const existing = new Set(await this.admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length === 0) return result;
    const described = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })),
    });
    for (const resource of described.resources) {
      const entry = resource.configEntries.find((e) => e.configName === 'max.message.bytes');
      const bytes = Number(entry?.configValue);
      if (resource.errorCode === 0 && Number.isFinite(bytes) && bytes > 0) result.set(resource.resourceName, bytes);
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
