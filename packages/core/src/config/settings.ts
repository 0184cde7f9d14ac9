import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedConsumerConfig, ResolvedProducerConfig, RetrySetting, StreamsConsumerConfig, StreamsProducerConfig } from './client-config.js';
import { LOG_LEVELS } from './logger.js';
import { createPinoLogger } from './pino-logger.js';
import type { LogLevel } from './logger.js';
import * as read from './readers.js';
import { applicationServer } from './application-server.js';
import type { Reader } from './readers.js';
import type { ProcessingGuarantee, ResolvedProcessingGuarantee, ResolvedStreamsConfig, StreamsConfig } from './streams-config.js';
import { shutdownClient } from './uncaught-exception-handler.js';
import { METRICS_RECORDING_LEVELS } from '../metrics/metric.js';

/** The top-level settings that hold nested settings rather than a value. */
export type NestedOption = 'retry' | 'producer' | 'consumer';

/**
 * The dotted path of every leaf setting of a `StreamsConfig`, such as `'commitIntervalMs'` or
 * `'producer.acks'`: the names error messages and {@link KAFKA_PROPERTY_NAMES} use.
 */
export type OptionPath =
  | Exclude<keyof StreamsConfig, NestedOption>
  | `retry.${keyof RetrySetting}`
  | `producer.${keyof StreamsProducerConfig}`
  | `consumer.${keyof StreamsConsumerConfig}`;

/** The resolved type of the setting at a path: `ValueAt<'producer.acks'>` is `0 | 1 | -1`. */
type ValueAt<P extends OptionPath> = P extends `${infer G extends NestedOption}.${infer K}`
  ? ResolvedStreamsConfig[G][K & keyof ResolvedStreamsConfig[G]]
  : ResolvedStreamsConfig[P & keyof ResolvedStreamsConfig];

/** What a default may depend on: the settings read first. */
export interface DefaultContext {
  readonly applicationId: string;
  readonly guarantee: ResolvedProcessingGuarantee;
  readonly logLevel: LogLevel;
}

/**
 * What a processing guarantee demands of a setting: one value (`is`), or a bound (`min`, `max`),
 * with why and the fix, for the message "`<setting> = <value>` contradicts processingGuarantee
 * '<guarantee>', <why>. Fix: <fix>."
 */
export type Requirement<T> = ({ readonly is: T } | { readonly min: number } | { readonly max: number }) & {
  /** Why the guarantee needs it, starting "which needs ...". */
  readonly why: string;
  /** What to do instead. */
  readonly fix: string;
};

/** One row of {@link SETTINGS}: everything Rivulet knows about one setting. */
export type Setting<T> = {
  /** The Kafka Streams or Kafka client property it corresponds to; `null` where Kafka has none. */
  readonly kafka: string | null;
  /** Older Kafka names of the same property, for "did you mean" hints. */
  readonly kafkaAliases?: readonly string[];
  /** What it does: the docs' text, the same as the TSDoc of the config type's field. */
  readonly doc: string;
  /** Its type, and how a value is checked. */
  readonly read: Reader<T>;
  /** For a required setting: the message when it is missing. */
  readonly required?: string;
  /** Read before the others: the other defaults depend on it (or it is required). */
  readonly early?: true;
  /** What each processing guarantee demands of it. */
  readonly requires?: Partial<Record<ResolvedProcessingGuarantee, Requirement<T>>>;
  /** The default as the docs show it, where the value itself would not say it. */
  readonly shownDefault?: string;
} & ({ readonly default: T } | { readonly perGuarantee: Readonly<Record<ResolvedProcessingGuarantee, T>> } | { readonly derive: (context: DefaultContext) => T });

/** The resolved processing guarantees, in the order of the docs' tables. */
export const GUARANTEES: readonly ResolvedProcessingGuarantee[] = ['at_most_once', 'at_least_once', 'exactly_once'];

const WRITTEN_GUARANTEES: readonly ProcessingGuarantee[] = ['at_most_once', 'at_least_once', 'exactly_once', 'exactly_once_v2'];

/** `processingGuarantee`, with the alias `'exactly_once_v2'` resolved to `'exactly_once'`. */
const guarantee: Reader<ResolvedProcessingGuarantee> = {
  type: read.choice(WRITTEN_GUARANTEES).type,
  read(issues, path, value, defaultValue) {
    const written = read.choice(WRITTEN_GUARANTEES).read(issues, path, value, defaultValue);
    return written === 'exactly_once_v2' ? 'exactly_once' : written;
  },
};

const UNLIMITED = Number.MAX_SAFE_INTEGER;

/**
 * Every setting of a `StreamsConfig`, in the order of the config types: its Kafka name, its type,
 * its default (per processing guarantee where the guarantee chooses it), its docs and what each
 * guarantee demands of it. `resolveConfig` reads a config with it, `docs/configuration.md` is
 * generated from it, and each message about a setting is made from its row.
 *
 * The defaults per guarantee are the rows of the table in docs/architecture.md#processing-guarantees
 * that are settings. Why the numbers:
 * - at_most_once never retries, as a retry can write a record twice; acks 1 and any number of
 *   requests in flight, since order and loss are not promised.
 * - at_least_once and exactly_once use the idempotent producer with acks all. kafkajs gives an
 *   idempotent producer unlimited retries (`retry.retries = Number.MAX_SAFE_INTEGER`,
 *   kafkajs/src/producer/index.js) and warns when they are limited: a send that gives up rolls
 *   its sequence numbers back (src/producer/sendMessages.js) though the batch may have landed, and
 *   the next batch then reuses them and is dropped by the broker as a duplicate.
 * - One request in flight: kafkajs's Transactions guide (docs/Transactions.md) requires
 *   `maxInFlightRequests: 1` with `idempotent: true` to guarantee exactly-once. kafkajs 2.2.4
 *   already serializes an idempotent producer's Produce requests per broker with a lock
 *   (`eosManager.acquireBrokerLock` in src/producer/sendMessages.js), but `maxInFlightRequests`
 *   also bounds the producer's other requests (AddPartitionsToTxn, EndTxn), and 1 keeps
 *   at_least_once in order even if the user turns idempotence off.
 * The defaults of each guarantee never contradict it, so a contradiction is always a value the
 * user set.
 */
export const SETTINGS: { readonly [P in OptionPath]: Setting<ValueAt<P>> } = {
  applicationId: {
    kafka: 'application.id', read: read.applicationId, early: true, default: '',
    doc: "The app's name, shared by all its instances: ASCII letters, digits, `.`, `_` and `-`. It is the consumer group id, the prefix of the transactional ids (`<applicationId>-<taskId>`) and of the internal topics (`<applicationId>-<store>-changelog`). Changing it starts the app afresh. Required. Kafka Streams' `application.id`.",
    required: `applicationId is required: ${read.APPLICATION_ID_WHY}. Fix: set applicationId to a name such as 'word-count'.`,
  },
  brokers: {
    kafka: 'bootstrap.servers', read: read.brokers, early: true, default: Object.freeze([]),
    doc: "Brokers to bootstrap from, each `host:port`: an array or a comma-separated string such as `'kafka-1:9092,kafka-2:9092'`. Required. Kafka's `bootstrap.servers`.",
    required: `brokers is required: the Kafka brokers to bootstrap from. Fix: set brokers, ${read.BROKERS_EXAMPLE}.`,
  },
  processingGuarantee: {
    kafka: 'processing.guarantee', read: guarantee, early: true, default: 'at_least_once',
    doc: "See `ProcessingGuarantee`. Default `'at_least_once'`. Kafka Streams' `processing.guarantee`.",
  },
  commitIntervalMs: {
    kafka: 'commit.interval.ms', kafkaAliases: ['auto.commit.interval.ms'], read: read.integer(0), perGuarantee: { at_most_once: 1000, at_least_once: 30_000, exactly_once: 100 },
    doc: "How often, in ms, each task commits (for exactly_once: commits its transaction; a commit still in flight when the next falls due is not waited for, the next starts once it ended, so under load the interval is a minimum). Shorter means fresher output for read_committed readers and less to redo after a crash; longer means more throughput. Default `1000` / `30000` / `100` for at_most_once / at_least_once / exactly_once. Kafka Streams' `commit.interval.ms`.",
  },
  stateDir: {
    kafka: 'state.dir', read: read.text, derive: ({ applicationId }) => join(tmpdir(), 'rivulet', applicationId), shownDefault: '`<os.tmpdir()>/rivulet/<applicationId>`',
    doc: "The folder of the app's persistent state stores and checkpoints. Default `<os.tmpdir()>/rivulet/<applicationId>`; set a lasting path in production, as a temp folder may be wiped and state then restored from the changelogs. One running instance at a time: it holds `<stateDir>/.lock` while it runs, and a second instance on the same folder fails at `start()` with a `StateDirectoryLockedError`. Kafka Streams' `state.dir`.",
  },
  replicationFactor: {
    kafka: 'replication.factor', read: read.replicationFactor, default: -1, shownDefault: "`-1` (the broker's `default.replication.factor`)",
    doc: "The replication factor of the internal topics Rivulet creates (changelogs, repartition topics): `-1` for the broker's `default.replication.factor`, or `1` and up. Default `-1`. Kafka Streams' `replication.factor`.",
  },
  clientId: {
    kafka: 'client.id', read: read.text, derive: ({ applicationId }) => applicationId, shownDefault: 'the `applicationId`',
    doc: "The client id the brokers see in their logs and quotas. Default the `applicationId`. Kafka's `client.id`.",
  },
  ssl: {
    kafka: 'security.protocol', read: read.ssl, default: false,
    doc: "TLS to the brokers; see `SslSetting`. Default off. Kafka's `security.protocol` and `ssl.*`.",
  },
  sasl: {
    kafka: 'sasl.mechanism', read: read.sasl, default: null,
    doc: "SASL authentication; see `SaslSetting`. Default none. Kafka's `sasl.mechanism` and `sasl.jaas.config`.",
  },
  connectionTimeoutMs: {
    kafka: 'socket.connection.setup.timeout.ms', read: read.integer(1), default: 1_000,
    doc: "How long, in ms, to wait for a connection to a broker. Default `1000` (kafkajs's). Kafka's `socket.connection.setup.timeout.ms`.",
  },
  requestTimeoutMs: {
    kafka: 'request.timeout.ms', read: read.integer(1), default: 30_000,
    doc: "How long, in ms, to wait for a broker's answer. Default `30000`. Kafka's `request.timeout.ms`.",
  },
  logLevel: {
    kafka: null, read: read.choice(LOG_LEVELS), early: true, default: 'warn',
    doc: "How much the default console logger and the Kafka client log; see `LogLevel`. A custom `logger` receives every level and filters by its own settings. Default `'warn'`.",
  },
  clientLogLevel: {
    kafka: null, read: read.choice(LOG_LEVELS), derive: ({ logLevel }) => (logLevel === 'debug' ? 'info' : logLevel), shownDefault: "`logLevel`, but `'info'` when that is `'debug'`",
    doc: "How much the Kafka client (kafkajs) itself logs, through `logger`; see `LogLevel`. Default `logLevel`, except that `logLevel: 'debug'` leaves the client at `'info'`: its debug lines (every request and response, thousands for a few records) come only when this is `'debug'` too.",
  },
  'retry.retries': {
    kafka: null, read: read.integer(0, UNLIMITED), default: 5,
    doc: "How many times a failed request is retried. Default 5 (kafkajs's).",
  },
  'retry.initialRetryTimeMs': {
    kafka: 'retry.backoff.ms', read: read.integer(1), default: 300,
    doc: "The first backoff, in ms, before it grows. Default 300 (kafkajs's). Kafka's `retry.backoff.ms`.",
  },
  'retry.maxRetryTimeMs': {
    kafka: 'retry.backoff.max.ms', read: read.integer(1), default: 30_000,
    doc: "The longest backoff, in ms. Default 30000 (kafkajs's). Kafka's `retry.backoff.max.ms`.",
  },
  // The guarantee's rules are checked in the order of these rows: acks, idempotence, retries, in-flight requests.
  'producer.acks': {
    kafka: 'acks', kafkaAliases: ['request.required.acks'], read: read.acks, perGuarantee: { at_most_once: 1, at_least_once: -1, exactly_once: -1 },
    doc: "Replicas that must have a record before it counts as written: `0`, `1` or `'all'` (`-1`). Default `1` / `'all'` / `'all'`; at_least_once and exactly_once require `'all'`. Kafka's `acks`.",
    requires: {
      at_least_once: {
        is: -1,
        why:
          "which needs acks 'all': with acks 1 a record is lost if the leader fails before a follower copies it (with acks 0 nothing is even acknowledged), " +
          'while its input offset is committed as processed',
        fix: "remove producer.acks or set it to 'all'",
      },
      exactly_once: { is: -1, why: "which needs acks 'all' so committed transactions are on every in-sync replica", fix: "remove producer.acks or set it to 'all'" },
    },
  },
  'producer.idempotent': {
    kafka: 'enable.idempotence', read: read.boolean, perGuarantee: { at_most_once: false, at_least_once: true, exactly_once: true },
    doc: "The idempotent producer: the broker drops the duplicates that retries would write. Default `false` / `true` / `true`; exactly_once requires it, at_most_once forbids it (it needs retries). Kafka's `enable.idempotence`.",
    requires: {
      at_most_once: {
        is: false,
        why:
          "which never retries: the idempotent producer exists to make retries safe and needs retries > 0 and acks 'all' " +
          '(kafkajs refuses an idempotent producer without retries)',
        fix: "remove producer.idempotent or set it to false, or choose processingGuarantee 'at_least_once' for an idempotent producer",
      },
      exactly_once: {
        is: true,
        why: 'which runs on the idempotent producer: its producer id and sequence numbers are what fence a zombie task and drop duplicate retries',
        fix: 'remove producer.idempotent or set it to true',
      },
    },
  },
  'producer.retries': {
    kafka: 'retries', read: read.integer(0, UNLIMITED), perGuarantee: { at_most_once: 0, at_least_once: UNLIMITED, exactly_once: UNLIMITED },
    doc: "How many times a failed send is retried. Default `0` / unlimited / unlimited (`Number.MAX_SAFE_INTEGER`, what kafkajs gives an idempotent producer: a limited idempotent producer can reuse the sequence number of a batch whose outcome it never learned, and kafkajs warns about it). at_most_once requires `0` (a retry can write twice); the others require more than `0`. Kafka's `retries`.",
    requires: {
      at_most_once: {
        is: 0,
        why:
          'which never retries: a retried send can write a record twice (the first attempt may have landed and only its answer been lost), ' +
          'and at_most_once promises that no record is repeated',
        fix: 'remove producer.retries or set it to 0',
      },
      at_least_once: {
        min: 1,
        why: 'which needs retries > 0: the first transient broker error (a leader election, a timeout) would fail the send instead of retrying it',
        fix: 'remove producer.retries or set it above 0',
      },
      exactly_once: {
        min: 1,
        why: 'which needs retries > 0: a transient broker error (a leader election, a timeout) would abort the transaction, and the idempotent producer requires retries',
        fix: 'remove producer.retries (unlimited by default) or set it above 0',
      },
    },
  },
  'producer.maxInFlightRequests': {
    kafka: 'max.in.flight.requests.per.connection', read: read.integer(1), perGuarantee: { at_most_once: 5, at_least_once: 1, exactly_once: 1 },
    doc: "Requests a producer connection may have waiting for an answer. Default `5` / `1` / `1`. Without idempotence, more than one reorders records when a request is retried after the next one succeeded; exactly_once requires `1`, as kafkajs's transactional producer does. kafkajs applies it to every request on the producer's connections. Kafka's `max.in.flight.requests.per.connection`.",
    requires: {
      exactly_once: {
        max: 1,
        why: "which needs one request in flight: kafkajs's transactional producer guarantees exactly-once only with maxInFlightRequests 1 (kafkajs docs, Transactions)",
        fix: 'remove producer.maxInFlightRequests or set it to 1',
      },
    },
  },
  'producer.lingerMs': {
    kafka: 'linger.ms', read: read.integer(0), default: 5,
    doc: "How long, in ms, Rivulet's record collector waits for more records before sending a partition's batch (kafkajs does no batching itself). Default `5`. Kafka's `linger.ms`.",
  },
  'producer.batchSize': {
    kafka: 'batch.size', read: read.integer(1), default: 16_384,
    doc: "The size, in bytes, at which a partition's batch is sent without waiting for `lingerMs`. Default `16384`. Kafka's `batch.size`.",
  },
  'producer.compression': {
    kafka: 'compression.type', read: read.choice(['none', 'gzip', 'snappy', 'lz4', 'zstd']), default: 'none',
    doc: "Compression of record batches. Default `'none'`. Kafka's `compression.type`.",
  },
  'producer.transactionTimeoutMs': {
    kafka: 'transaction.timeout.ms', read: read.integer(1), default: 60_000,
    doc: "exactly_once only: how long, in ms, a transaction may stay open before the broker aborts it. A transaction spans a commit interval, so it must be longer than `commitIntervalMs`, and at most the broker's `transaction.max.timeout.ms` (15 minutes by default). Default `60000`. Kafka's `transaction.timeout.ms`.",
  },
  'producer.partitioner': {
    kafka: 'partitioner.class', read: read.partitioner, default: null, shownDefault: 'murmur2 of the key',
    doc: "Chooses the partition of each record sent without an explicit partition. Default: Kafka's own choice, murmur2 of the key as the Java client computes it (so keys land where a Java producer or Kafka Streams puts them), round robin for records without a key. Sources that are joined must use the same partitioner. Kafka's `partitioner.class`.",
  },
  'consumer.sessionTimeoutMs': {
    kafka: 'session.timeout.ms', read: read.integer(1), default: 45_000,
    doc: "How long, in ms, the group waits for a heartbeat before it evicts a member and rebalances. Must be within the broker's `group.min.session.timeout.ms` and `group.max.session.timeout.ms` (6 s and 30 min by default). Default `45000`. Kafka's `session.timeout.ms`.",
  },
  'consumer.heartbeatIntervalMs': {
    kafka: 'heartbeat.interval.ms', read: read.integer(1), default: 3_000,
    doc: "How often, in ms, the consumer heartbeats; less than `sessionTimeoutMs`, typically a third of it at most. kafkajs heartbeats between batches, and Rivulet also during long batches. Default `3000`. Kafka's `heartbeat.interval.ms`.",
  },
  'consumer.rebalanceTimeoutMs': {
    kafka: 'max.poll.interval.ms', read: read.integer(1), default: 60_000,
    doc: "How long, in ms, the group waits for every member to rejoin during a rebalance; a member that is still finishing its batch and committing must rejoin within it or lose its partitions. Default `60000`. Kafka's `max.poll.interval.ms` (the Java client's rebalance timeout).",
  },
  'consumer.maxBytesPerPartition': {
    kafka: 'max.partition.fetch.bytes', read: read.integer(1), default: 1_048_576,
    doc: "The most bytes one fetch returns per partition (a larger first batch is still returned). Default `1048576` (1 MiB). Kafka's `max.partition.fetch.bytes`.",
  },
  'consumer.maxBytes': {
    kafka: 'fetch.max.bytes', read: read.integer(1), default: 52_428_800,
    doc: "The most bytes one fetch returns in all. Default `52428800` (50 MiB). Kafka's `fetch.max.bytes`.",
  },
  'consumer.minBytes': {
    kafka: 'fetch.min.bytes', read: read.integer(0), default: 1,
    doc: "The fewest bytes the broker waits for before it answers a fetch. Default `1`. Kafka's `fetch.min.bytes`.",
  },
  'consumer.maxWaitTimeMs': {
    kafka: 'fetch.max.wait.ms', read: read.integer(0), default: 500,
    doc: "How long, in ms, the broker may hold a fetch while fewer than `minBytes` are available. Default `500`. Kafka's `fetch.max.wait.ms`.",
  },
  'consumer.autoOffsetReset': {
    kafka: 'auto.offset.reset', read: read.choice(['earliest', 'latest']), default: 'earliest',
    doc: "Where to start in a partition without a committed offset. Default `'earliest'`, as in Kafka Streams. Kafka's `auto.offset.reset`.",
  },
  'consumer.isolationLevel': {
    kafka: 'isolation.level', read: read.choice(['read_committed', 'read_uncommitted']), perGuarantee: { at_most_once: 'read_committed', at_least_once: 'read_committed', exactly_once: 'read_committed' },
    doc: "Default `'read_committed'` for every guarantee. exactly_once requires it (otherwise records of aborted transactions would be processed); at_most_once and at_least_once also accept `'read_uncommitted'`. Kafka's `isolation.level`.",
    requires: {
      exactly_once: {
        is: 'read_committed',
        why: "which needs 'read_committed': otherwise records of aborted transactions, in the input and in the app's own repartition topics and changelogs, would be processed",
        fix: "remove consumer.isolationLevel or set it to 'read_committed'",
      },
    },
  },
  deserializationExceptionHandler: {
    kafka: 'default.deserialization.exception.handler', read: read.exceptionHandler, default: 'fail',
    doc: "What to do with a record whose key or value cannot be deserialized; see `ExceptionHandlerSetting`. Default `'fail'`. Kafka Streams' `default.deserialization.exception.handler`.",
  },
  processingExceptionHandler: {
    kafka: 'processing.exception.handler', read: read.exceptionHandler, default: 'fail',
    doc: "What to do when the topology throws while processing a record; see `ExceptionHandlerSetting`. Default `'fail'`. Kafka Streams' `processing.exception.handler`.",
  },
  productionExceptionHandler: {
    kafka: 'default.production.exception.handler', read: read.exceptionHandler, default: 'fail',
    doc: "What to do when an output record cannot be serialized or sent; see `ExceptionHandlerSetting`. Default `'fail'`. Kafka Streams' `default.production.exception.handler`.",
  },
  logger: {
    kafka: null, read: read.logger, derive: ({ logLevel, applicationId }) => createPinoLogger(logLevel, { base: { app: applicationId } }), shownDefault: 'pino on stderr, at `logLevel`',
    doc: "Where Rivulet logs; see `Logger`. A pino logger (`pino()`, or one like it) is taken as it is: its `(fields, message)` calls get Rivulet's fields. Default pino at `logLevel` on stderr: one JSON object per line with `app` (the applicationId) and the call's fields (`taskId`, `topic`, `partition`, ...), or pretty lines in a terminal when pino-pretty is installed. `createConsoleLogger(level)` gives the plain console lines of earlier versions.",
  },
  defaultKeySerde: {
    kafka: 'default.key.serde', read: read.serde, default: undefined,
    doc: "The key serde of every source, sink, repartition topic and store that names none. Default none: each must then name its own, and the app fails at construction naming the ones that don't. Kafka Streams' `default.key.serde`.",
  },
  defaultValueSerde: {
    kafka: 'default.value.serde', read: read.serde, default: undefined,
    doc: "The value serde of every source, sink, repartition topic and store that names none. Default none, as for `defaultKeySerde`. Kafka Streams' `default.value.serde`.",
  },
  taskTimeoutMs: {
    kafka: 'task.timeout.ms', read: read.integer(0), default: 300_000,
    doc: "How long, in ms, a task may keep failing with retriable errors (a broker down or moving, a request timing out, the schema registry unreachable) before the failure is fatal. Until then the task is retried with exponential backoff and jitter, from `retry.initialRetryTimeMs` up to `retry.maxRetryTimeMs` (at most 5 s). `0` makes the first retriable failure fatal. Default `300000` (5 minutes). Kafka Streams' `task.timeout.ms`.",
  },
  numStreamThreads: {
    kafka: 'num.stream.threads', read: read.integer(1), default: 1,
    doc: "How many stream threads (processing loops) this instance runs, each on its own Node worker thread with its own consumer and producer in the app's group, as Kafka Streams' StreamThreads: `1` or more. More than `1` needs the module form, `StreamsApp.fromModule(moduleUrl, config)`, because each thread builds its own topology from the module: functions cannot be sent to another thread (see docs/operating.md#stream-threads). The plain `new StreamsApp(topology, config)` runs one loop and refuses more. Default `1`. Kafka Streams' `num.stream.threads`.",
  },
  numStandbyReplicas: {
    kafka: 'num.standby.replicas', read: read.integer(0, 10), default: 0,
    doc: "How many standby copies of each task's stores the group keeps on other instances (0 to 10). A standby follows the task's changelogs, so when the task moves to its instance (its owner failed or left) only the tail of the changelog is restored; the assignor prefers such an instance. Needs that many more instances than 1 to take effect. Default `0`. Kafka Streams' `num.standby.replicas`.",
  },
  applicationServer: {
    kafka: 'application.server', read: applicationServer, default: undefined,
    doc: "Where this instance answers interactive queries for the other instances, `host:port` (the host they reach it at, the port of its query service, such as an HTTP server the app runs). Every instance's is shared through the group's assignment, so any instance can tell which one holds a key: `app.queryMetadataForKey(store, key, keySerde)` and `app.allMetadataForStore(store)` (see docs/operating.md#interactive-queries-across-instances). Rivulet runs no server itself. Default none: the instance's tasks are then in no instance's metadata. Kafka Streams' `application.server`.",
  },
  maxTaskIdleMs: {
    kafka: 'max.task.idle.ms', read: read.integer(-1), default: 0,
    doc: "How long, in ms, a task with several input partitions (a join, a merge) waits for a partition that has no buffered records before it processes the others without it. Records are taken in timestamp order across a task's partitions; `0` waits only while the consumer knows the empty partition has more records on the broker (its fetch lag), `-1` never waits, and more than `0` also waits that long when no more records are known. A wait for records the broker has but that do not arrive ends after `requestTimeoutMs` (or this, if longer): see docs/concepts.md, \"Time across a task's partitions\". Default `0`. Kafka Streams' `max.task.idle.ms`.",
  },
  metadataMaxAgeMs: {
    kafka: 'metadata.max.age.ms', read: read.integer(1), default: 300_000,
    doc: "How often, in ms, an app with pattern sources lists the topics, to find topics created (or deleted) since that its patterns match. A change makes the member commit, close its tasks and re-subscribe, so the group rebalances and the tasks cover the new topics' partitions. An app without pattern sources never lists. Default `300000` (5 minutes). Kafka's `metadata.max.age.ms`.",
  },
  metricsRecordingLevel: {
    kafka: 'metrics.recording.level', read: read.choice(METRICS_RECORDING_LEVELS), default: 'INFO',
    doc: "Which metrics `app.metrics()` and the Prometheus endpoint keep; see `MetricsRecordingLevel`. `'INFO'`: client, thread, task, consumer and producer metrics, recorded per batch; `'DEBUG'` adds per-processor-node and per-state-store metrics, recorded per record and per store call. Default `'INFO'`. Kafka Streams' `metrics.recording.level`.",
  },
  metricsSampleWindowMs: {
    kafka: 'metrics.sample.window.ms', read: read.integer(1), default: 30_000,
    doc: "The length, in ms, of one sample of the windowed metrics (rates, averages, maxima). Default `30000`. Kafka's `metrics.sample.window.ms`.",
  },
  metricsNumSamples: {
    kafka: 'metrics.num.samples', read: read.integer(1, 100), default: 2,
    doc: "How many samples the windowed metrics keep: a rate or an average covers the last `metricsNumSamples` windows of `metricsSampleWindowMs`. Default `2`. Kafka's `metrics.num.samples`.",
  },
  traceContext: {
    kafka: null, read: read.traceContext, default: undefined,
    doc: "W3C trace context through the topology (opt-in): each input record's `traceparent` and `tracestate` headers go to the records written while it is processed, and `around` wraps each record's processing (an OpenTelemetry span); see `TraceContextSetting` and docs/operating.md#trace-context. Default none.",
  },
  uncaughtExceptionHandler: {
    kafka: null, read: read.uncaughtExceptionHandler, default: shutdownClient, shownDefault: "`'SHUTDOWN_CLIENT'`",
    doc: "Decides what happens after a fatal error; see `UncaughtExceptionHandler`. Default: shut this instance down (`'SHUTDOWN_CLIENT'`), state ERROR. Kafka Streams' `setUncaughtExceptionHandler`.",
  },
  stateRestoreListener: {
    kafka: null, read: read.stateRestoreListener, default: undefined,
    doc: "Hears the progress of state restoration (start, each batch, end) per store and changelog partition; see `StateRestoreListener`. Kafka Streams' `setGlobalStateRestoreListener`.",
  },
};

/** Every setting's path, in the order of {@link SETTINGS}. */
export const OPTION_PATHS = Object.keys(SETTINGS) as readonly OptionPath[];

/** The row of a setting, typed loosely for code that walks the table. */
export function settingAt(path: OptionPath): Setting<unknown> {
  return SETTINGS[path] as Setting<unknown>;
}

/** A setting's default for a guarantee and the settings read before it. */
export function defaultOf<T>(setting: Setting<T>, context: DefaultContext): T {
  if ('perGuarantee' in setting) return setting.perGuarantee[context.guarantee];
  if ('derive' in setting) return setting.derive(context);
  return setting.default;
}

/** Whether a value meets a requirement. */
export function meets<T>(requirement: Requirement<T>, value: T): boolean {
  if ('is' in requirement) return value === requirement.is;
  if ('min' in requirement) return (value as number) >= requirement.min;
  return (value as number) <= requirement.max;
}

/**
 * The allowed settings per level, keyed by the level's path (`''` for the top level), in table
 * order; a name allowed at several levels is suggested in this order of levels.
 */
export const OPTIONS_BY_LEVEL: Readonly<Record<'' | NestedOption, readonly string[]>> = (() => {
  const levels: Record<'' | NestedOption, string[]> = { '': [], producer: [], consumer: [], retry: [] };
  for (const path of OPTION_PATHS) {
    const [first, key] = path.split('.') as [string, string | undefined];
    if (key !== undefined) levels[first as NestedOption].push(key);
    if (!levels[''].includes(first)) levels[''].push(first);
  }
  return levels;
})();

/**
 * Each Rivulet setting and the Kafka Streams or Kafka client property it corresponds to, for the
 * docs and for "did you mean" hints when a user writes a Kafka property name. `null` where Kafka
 * has no equivalent (it configures logging through log4j, and its clients retry requests until a
 * timeout rather than a count).
 *
 * @example
 * ```ts
 * KAFKA_PROPERTY_NAMES['commitIntervalMs']; // 'commit.interval.ms'
 * KAFKA_PROPERTY_NAMES['consumer.rebalanceTimeoutMs']; // 'max.poll.interval.ms'
 * ```
 */
export const KAFKA_PROPERTY_NAMES = Object.fromEntries(OPTION_PATHS.map((path) => [path, SETTINGS[path].kafka])) as Readonly<
  Record<OptionPath, string | null>
>;

/**
 * The Kafka properties Rivulet sets itself rather than expose, and what decides them. A Kafka
 * Streams user looking for one of these finds here why it is not a setting.
 */
export const KAFKA_PROPERTIES_SET_BY_RIVULET: Readonly<Record<string, string>> = {
  'group.id': 'the applicationId',
  'enable.auto.commit': 'always false: Rivulet commits offsets as processingGuarantee says (at_most_once: before processing)',
  'auto.commit.interval.ms': 'commitIntervalMs',
  'transactional.id': '<applicationId>-<taskId>, one transactional producer per task under exactly_once',
  'request.required.acks': 'producer.acks (the old name of acks)',
  'key.serializer': 'the key serde of each sink',
  'value.serializer': 'the value serde of each sink',
  'key.deserializer': 'the key serde of each source',
  'value.deserializer': 'the value serde of each source',
};

/**
 * The Rivulet setting for a Kafka property name, for hints like "did you mean
 * producer.idempotent?" when a user writes `enable.idempotence`.
 *
 * @param property - A Kafka property name, for example `'enable.idempotence'`.
 * @returns The Rivulet option path, or `undefined` if no setting corresponds to it.
 *
 * @example
 * ```ts
 * optionForKafkaProperty('commit.interval.ms'); // 'commitIntervalMs'
 * ```
 */
export function optionForKafkaProperty(property: string): OptionPath | undefined {
  return (
    OPTION_PATHS.find((path) => SETTINGS[path].kafka === property) ??
    OPTION_PATHS.find((path) => SETTINGS[path].kafkaAliases?.includes(property) === true)
  );
}

/** The settings `processingGuarantee` chooses: the rows of {@link SETTINGS} with a default per guarantee. */
export interface GuaranteeDefaults {
  /** The default commit interval, in ms. */
  readonly commitIntervalMs: number;
  /** The producer's delivery settings. */
  readonly producer: Pick<ResolvedProducerConfig, 'acks' | 'retries' | 'idempotent' | 'maxInFlightRequests'>;
  /** Which records the consumers read. */
  readonly consumer: Pick<ResolvedConsumerConfig, 'isolationLevel'>;
}

/**
 * The producer, consumer and commit-interval defaults of one guarantee, every field filled.
 *
 * @example
 * ```ts
 * defaultsFor('exactly_once').producer.maxInFlightRequests; // 1
 * ```
 */
export function defaultsFor(guarantee: ResolvedProcessingGuarantee): {
  commitIntervalMs: number;
  producer: ResolvedProducerConfig;
  consumer: ResolvedConsumerConfig;
} {
  const context: DefaultContext = { applicationId: '', guarantee, logLevel: 'warn' };
  const group = (level: NestedOption): Record<string, unknown> =>
    Object.fromEntries(
      OPTION_PATHS.filter((path) => path.startsWith(`${level}.`)).map((path) => [path.slice(level.length + 1), defaultOf(settingAt(path), context)]),
    );
  return {
    commitIntervalMs: defaultOf(SETTINGS.commitIntervalMs, context),
    producer: group('producer') as unknown as ResolvedProducerConfig,
    consumer: group('consumer') as unknown as ResolvedConsumerConfig,
  };
}

/**
 * The defaults per processing guarantee: the rows of {@link SETTINGS} whose default the
 * guarantee chooses (docs/architecture.md#processing-guarantees). A user value that contradicts
 * its guarantee is rejected by `resolveConfig`.
 */
export const GUARANTEE_DEFAULTS: Readonly<Record<ResolvedProcessingGuarantee, GuaranteeDefaults>> = Object.fromEntries(
  GUARANTEES.map((g) => {
    const full = defaultsFor(g);
    const chosen = (level: 'producer' | 'consumer'): Record<string, unknown> =>
      Object.fromEntries(Object.entries(full[level]).filter(([key]) => 'perGuarantee' in settingAt(`${level}.${key}` as OptionPath)));
    return [g, { commitIntervalMs: full.commitIntervalMs, producer: chosen('producer'), consumer: chosen('consumer') }];
  }),
) as unknown as Readonly<Record<ResolvedProcessingGuarantee, GuaranteeDefaults>>;
