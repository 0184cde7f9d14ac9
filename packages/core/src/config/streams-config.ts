import type { Serde } from '@rivulet/serde';
import type {
  ResolvedConsumerConfig,
  ResolvedProducerConfig,
  ResolvedRetrySetting,
  RetrySetting,
  SaslSetting,
  SslSetting,
  StreamsConsumerConfig,
  StreamsProducerConfig,
} from './client-config.js';
import type { ExceptionHandlerSetting } from './exception-handler-setting.js';
import type { UncaughtExceptionHandler } from './uncaught-exception-handler.js';
import type { StateRestoreListener } from './state-restore-listener.js';
import type { LogLevel, Logger } from './logger.js';
import type { PinoLike } from './pino-logger.js';
import type { MetricsRecordingLevel } from '../metrics/metric.js';
import type { TraceContextSetting, TracedRecord } from '../processor/trace-context.js';

/** {@link StreamsConfig.traceContext} as the runtime reads it: `propagate` filled in. */
export interface ResolvedTraceContext {
  readonly propagate: boolean;
  readonly around?: (record: TracedRecord, process: () => void) => void;
}

/**
 * The processing guarantee of an app, as in Kafka Streams:
 *
 * - `'at_most_once'`: offsets are committed when a batch is taken, before it is processed; after
 *   a crash records may be lost, none repeated.
 * - `'at_least_once'` (the default): offsets are committed after the outputs are acknowledged;
 *   none lost, some may repeat.
 * - `'exactly_once'`: outputs, state changes and offsets are committed in one Kafka transaction
 *   per task; none lost, none repeated, for read_committed readers.
 * - `'exactly_once_v2'`: an alias of `'exactly_once'`, for Kafka Streams users. (kafkajs has no
 *   KIP-447 support, so Rivulet runs one transactional producer per task either way.)
 */
export type ProcessingGuarantee = 'at_most_once' | 'at_least_once' | 'exactly_once' | 'exactly_once_v2';

/** A {@link ProcessingGuarantee} with its alias resolved: `'exactly_once_v2'` becomes `'exactly_once'`. */
export type ResolvedProcessingGuarantee = 'at_most_once' | 'at_least_once' | 'exactly_once';

/**
 * The configuration of a Rivulet app, given to the `StreamsApp` constructor, which checks it with
 * {@link resolveConfig}. Only `applicationId` and `brokers` are required; `processingGuarantee`
 * chooses the delivery settings, and a setting that contradicts it is rejected with a
 * {@link ConfigError} that names it and the fix. Each setting names the Kafka Streams or Kafka
 * client property it corresponds to; `SETTINGS` (config/settings.ts) holds each one's Kafka name,
 * type, default and rules, and {@link KAFKA_PROPERTY_NAMES} has the names.
 *
 * @example
 * ```ts
 * const config: StreamsConfig = {
 *   applicationId: 'word-count',
 *   brokers: ['kafka-1:9092', 'kafka-2:9092'],
 *   processingGuarantee: 'exactly_once',
 *   producer: { lingerMs: 20, compression: 'gzip' },
 * };
 * ```
 */
export interface StreamsConfig {
  /**
   * The app's name, shared by all its instances: ASCII letters, digits, `.`, `_` and `-`. It is
   * the consumer group id, the prefix of the transactional ids (`<applicationId>-<taskId>`) and
   * of the internal topics (`<applicationId>-<store>-changelog`). Changing it starts the app
   * afresh. Required. Kafka Streams' `application.id`.
   */
  applicationId: string;
  /**
   * Brokers to bootstrap from, each `host:port`: an array or a comma-separated string such as
   * `'kafka-1:9092,kafka-2:9092'`. Required. Kafka's `bootstrap.servers`.
   */
  brokers: readonly string[] | string;
  /**
   * See {@link ProcessingGuarantee}. Default `'at_least_once'`. Kafka Streams'
   * `processing.guarantee`.
   */
  processingGuarantee?: ProcessingGuarantee;
  /**
   * How often, in ms, each task commits (for exactly_once: commits its transaction; a commit still
   * in flight when the next falls due is not waited for, the next starts once it ended, so under
   * load the interval is a minimum). Shorter means
   * fresher output for read_committed readers and less to redo after a crash; longer means more
   * throughput. Default `1000` / `30000` / `100` for at_most_once / at_least_once / exactly_once.
   * Kafka Streams' `commit.interval.ms`.
   */
  commitIntervalMs?: number;
  /**
   * The folder of the app's persistent state stores and checkpoints. Default
   * `<os.tmpdir()>/rivulet/<applicationId>`; set a lasting path in production, as a temp folder
   * may be wiped and state then restored from the changelogs. One running instance at a time: it
   * holds `<stateDir>/.lock` while it runs, and a second instance on the same folder fails at
   * `start()` with a `StateDirectoryLockedError`. Kafka Streams' `state.dir`.
   */
  stateDir?: string;
  /**
   * The replication factor of the internal topics Rivulet creates (changelogs, repartition
   * topics): `-1` for the broker's `default.replication.factor`, or `1` and up. Default `-1`.
   * Kafka Streams' `replication.factor`.
   */
  replicationFactor?: number;
  /**
   * The client id the brokers see in their logs and quotas. Default the `applicationId`.
   * Kafka's `client.id`.
   */
  clientId?: string;
  /** TLS to the brokers; see {@link SslSetting}. Default off. Kafka's `security.protocol` and `ssl.*`. */
  ssl?: SslSetting;
  /** SASL authentication; see {@link SaslSetting}. Default none. Kafka's `sasl.mechanism` and `sasl.jaas.config`. */
  sasl?: SaslSetting;
  /**
   * How long, in ms, to wait for a connection to a broker. Default `1000` (kafkajs's).
   * Kafka's `socket.connection.setup.timeout.ms`.
   */
  connectionTimeoutMs?: number;
  /** How long, in ms, to wait for a broker's answer. Default `30000`. Kafka's `request.timeout.ms`. */
  requestTimeoutMs?: number;
  /**
   * How much the default console logger and the Kafka client log; see {@link LogLevel}.
   * A custom `logger` receives every level and filters by its own settings. Default `'warn'`.
   */
  logLevel?: LogLevel;
  /** How the Kafka client retries failed requests to the brokers; see {@link RetrySetting}. */
  retry?: RetrySetting;
  /** Producer settings; see {@link StreamsProducerConfig}. */
  producer?: StreamsProducerConfig;
  /** Consumer settings; see {@link StreamsConsumerConfig}. */
  consumer?: StreamsConsumerConfig;
  /**
   * What to do with a record whose key or value cannot be deserialized; see
   * {@link ExceptionHandlerSetting}. Default `'fail'`. Kafka Streams'
   * `default.deserialization.exception.handler`.
   */
  deserializationExceptionHandler?: ExceptionHandlerSetting;
  /**
   * What to do when the topology throws while processing a record; see
   * {@link ExceptionHandlerSetting}. Default `'fail'`. Kafka Streams' `processing.exception.handler`.
   */
  processingExceptionHandler?: ExceptionHandlerSetting;
  /**
   * What to do when an output record cannot be serialized or sent; see
   * {@link ExceptionHandlerSetting}. Default `'fail'`. Kafka Streams'
   * `default.production.exception.handler`.
   */
  productionExceptionHandler?: ExceptionHandlerSetting;
  /**
   * Where Rivulet logs; see {@link Logger}. A pino logger (`pino()`, or one like it) is taken as
   * it is: its `(fields, message)` calls get Rivulet's fields. Default pino at `logLevel` on stderr:
   * one JSON object per line with `app` (the applicationId) and the call's fields (`taskId`,
   * `topic`, `partition`, ...), or pretty lines in a terminal when pino-pretty is installed.
   * `createConsoleLogger(level)` gives the plain console lines of earlier versions.
   */
  logger?: Logger | PinoLike;
  /**
   * How much the Kafka client (kafkajs) itself logs, through `logger`; see {@link LogLevel}. Default
   * `logLevel`, except that `logLevel: 'debug'` leaves the client at `'info'`: its debug lines
   * (every request and response, thousands for a few records) come only when this is `'debug'` too.
   */
  clientLogLevel?: LogLevel;
  /**
   * The key serde of every source, sink, repartition topic and store that names none. Default
   * none: each must then name its own, and the app fails at construction naming the ones that
   * don't. Kafka Streams' `default.key.serde`.
   */
  defaultKeySerde?: Serde<unknown>;
  /**
   * The value serde of every source, sink, repartition topic and store that names none. Default
   * none, as for `defaultKeySerde`. Kafka Streams' `default.value.serde`.
   */
  defaultValueSerde?: Serde<unknown>;
  /**
   * How long, in ms, a task may keep failing with retriable errors (a broker down or moving, a
   * request timing out, the schema registry unreachable) before the failure is fatal. Until then
   * the task is retried with exponential backoff and jitter, from `retry.initialRetryTimeMs` up to
   * `retry.maxRetryTimeMs` (at most 5 s). `0` makes the first retriable failure fatal. Default
   * `300000` (5 minutes). Kafka Streams' `task.timeout.ms`.
   */
  taskTimeoutMs?: number;
  /**
   * How many stream threads (processing loops) this instance runs, each on its own Node worker
   * thread with its own consumer and producer in the app's group, as Kafka Streams' StreamThreads:
   * `1` or more. More than `1` needs the module form, `StreamsApp.fromModule(moduleUrl, config)`,
   * because each thread builds its own topology from the module: functions cannot be sent to another
   * thread (see docs/operating.md#stream-threads). The plain `new StreamsApp(topology, config)` runs
   * one loop and refuses more. Default `1`. Kafka Streams' `num.stream.threads`.
   */
  numStreamThreads?: number;
  /**
   * How many standby copies of each task's stores the group keeps on other instances (0 to 10).
   * A standby follows the task's changelogs, so when the task moves to its instance (its owner
   * failed or left) only the tail of the changelog is restored; the assignor prefers such an
   * instance. Needs that many more instances than 1 to take effect. Default `0`. Kafka Streams'
   * `num.standby.replicas`.
   */
  numStandbyReplicas?: number;
  /**
   * Where this instance answers interactive queries for the other instances, `host:port` (the host
   * they reach it at, the port of its query service, such as an HTTP server the app runs). Every
   * instance's is shared through the group's assignment, so any instance can tell which one holds a
   * key: `app.queryMetadataForKey(store, key, keySerde)` and `app.allMetadataForStore(store)` (see
   * docs/operating.md#interactive-queries-across-instances). Rivulet runs no server itself. Default
   * none: the instance's tasks are then in no instance's metadata. Kafka Streams'
   * `application.server`.
   */
  applicationServer?: string;
  /**
   * How long, in ms, a task with several input partitions (a join, a merge) waits for a partition
   * that has no buffered records before it processes the others without it. Records are taken in
   * timestamp order across a task's partitions; `0` waits only while the consumer knows the empty
   * partition has more records on the broker (its fetch lag), `-1` never waits, and more than `0`
   * also waits that long when no more records are known. A wait for records the broker has but that
   * do not arrive ends after `requestTimeoutMs` (or this, if longer): see docs/concepts.md, "Time
   * across a task's partitions". Default `0`. Kafka Streams' `max.task.idle.ms`.
   */
  maxTaskIdleMs?: number;
  /**
   * How often, in ms, an app with pattern sources lists the topics, to find topics created (or
   * deleted) since that its patterns match. A change makes the member commit, close its tasks and
   * re-subscribe, so the group rebalances and the tasks cover the new topics' partitions. An app
   * without pattern sources never lists. Default `300000` (5 minutes). Kafka's
   * `metadata.max.age.ms`.
   */
  metadataMaxAgeMs?: number;
  /**
   * Which metrics `app.metrics()` and the Prometheus endpoint keep; see
   * {@link MetricsRecordingLevel}. `'INFO'`: client, thread, task, consumer and producer metrics,
   * recorded per batch; `'DEBUG'` adds per-processor-node and per-state-store metrics, recorded per
   * record and per store call. Default `'INFO'`. Kafka Streams' `metrics.recording.level`.
   */
  metricsRecordingLevel?: MetricsRecordingLevel;
  /**
   * The length, in ms, of one sample of the windowed metrics (rates, averages, maxima). Default
   * `30000`. Kafka's `metrics.sample.window.ms`.
   */
  metricsSampleWindowMs?: number;
  /**
   * How many samples the windowed metrics keep: a rate or an average covers the last
   * `metricsNumSamples` windows of `metricsSampleWindowMs`. Default `2`. Kafka's
   * `metrics.num.samples`.
   */
  metricsNumSamples?: number;
  /**
   * W3C trace context through the topology (opt-in): each input record's `traceparent` and
   * `tracestate` headers go to the records written while it is processed, and `around` wraps each
   * record's processing (an OpenTelemetry span); see {@link TraceContextSetting} and
   * docs/operating.md#trace-context. Default none.
   */
  traceContext?: TraceContextSetting;
  /**
   * Decides what happens after a fatal error; see {@link UncaughtExceptionHandler}. Default: shut
   * this instance down (`'SHUTDOWN_CLIENT'`), state ERROR. Kafka Streams'
   * `setUncaughtExceptionHandler`.
   */
  uncaughtExceptionHandler?: UncaughtExceptionHandler;
  /**
   * Hears the progress of state restoration (start, each batch, end) per store and changelog
   * partition; see {@link StateRestoreListener}. Kafka Streams' `setGlobalStateRestoreListener`.
   */
  stateRestoreListener?: StateRestoreListener;
}

/**
 * The configuration the runtime consumes, as {@link resolveConfig} returns it: checked, every field
 * filled with the default of the guarantee where the user left it unset, brokers split into a list,
 * `acks` normalized to `0 | 1 | -1` and `'exactly_once_v2'` to `'exactly_once'`. Frozen.
 */
export interface ResolvedStreamsConfig {
  /** See {@link StreamsConfig.applicationId}. */
  readonly applicationId: string;
  /** The brokers as `host:port` strings, trimmed. */
  readonly brokers: readonly string[];
  /** The guarantee, with `'exactly_once_v2'` normalized to `'exactly_once'`. */
  readonly processingGuarantee: ResolvedProcessingGuarantee;
  /** See {@link StreamsConfig.commitIntervalMs}. */
  readonly commitIntervalMs: number;
  /** See {@link StreamsConfig.stateDir}. */
  readonly stateDir: string;
  /** See {@link StreamsConfig.replicationFactor}; `-1` means the broker's default. */
  readonly replicationFactor: number;
  /** See {@link StreamsConfig.clientId}. */
  readonly clientId: string;
  /** See {@link StreamsConfig.ssl}; `false` when unset. */
  readonly ssl: SslSetting;
  /** See {@link StreamsConfig.sasl}; `null` when unset. */
  readonly sasl: SaslSetting | null;
  /** See {@link StreamsConfig.connectionTimeoutMs}. */
  readonly connectionTimeoutMs: number;
  /** See {@link StreamsConfig.requestTimeoutMs}. */
  readonly requestTimeoutMs: number;
  /** See {@link StreamsConfig.logLevel}; give it to the Kafka client too. */
  readonly logLevel: LogLevel;
  /** See {@link StreamsConfig.clientLogLevel}. */
  readonly clientLogLevel: LogLevel;
  /** See {@link StreamsConfig.retry}. */
  readonly retry: ResolvedRetrySetting;
  /** See {@link StreamsConfig.producer}. */
  readonly producer: ResolvedProducerConfig;
  /** See {@link StreamsConfig.consumer}. */
  readonly consumer: ResolvedConsumerConfig;
  /** See {@link StreamsConfig.deserializationExceptionHandler}. */
  readonly deserializationExceptionHandler: ExceptionHandlerSetting;
  /** See {@link StreamsConfig.processingExceptionHandler}. */
  readonly processingExceptionHandler: ExceptionHandlerSetting;
  /** See {@link StreamsConfig.productionExceptionHandler}. */
  readonly productionExceptionHandler: ExceptionHandlerSetting;
  /**
   * The user's logger, or the default one at `logLevel`; when the config holds secrets (a SASL
   * password, a TLS key), wrapped so that it never writes them (docs/security.md).
   */
  readonly logger: Logger;
  /** See {@link StreamsConfig.defaultKeySerde}; `undefined` when unset. */
  readonly defaultKeySerde: Serde<unknown> | undefined;
  /** See {@link StreamsConfig.defaultValueSerde}; `undefined` when unset. */
  readonly defaultValueSerde: Serde<unknown> | undefined;
  /** See {@link StreamsConfig.taskTimeoutMs}. */
  readonly taskTimeoutMs: number;
  /** See {@link StreamsConfig.numStreamThreads}. */
  readonly numStreamThreads: number;
  /** See {@link StreamsConfig.numStandbyReplicas}. */
  readonly numStandbyReplicas: number;
  /** See {@link StreamsConfig.applicationServer}; `undefined` when unset. */
  readonly applicationServer: string | undefined;
  /** See {@link StreamsConfig.maxTaskIdleMs}. */
  readonly maxTaskIdleMs: number;
  /** See {@link StreamsConfig.metadataMaxAgeMs}. */
  readonly metadataMaxAgeMs: number;
  /** See {@link StreamsConfig.metricsRecordingLevel}. */
  readonly metricsRecordingLevel: MetricsRecordingLevel;
  /** See {@link StreamsConfig.metricsSampleWindowMs}. */
  readonly metricsSampleWindowMs: number;
  /** See {@link StreamsConfig.metricsNumSamples}. */
  readonly metricsNumSamples: number;
  /** See {@link StreamsConfig.traceContext}; `undefined` when unset. */
  readonly traceContext: ResolvedTraceContext | undefined;
  /** See {@link StreamsConfig.uncaughtExceptionHandler}; the default answers `'SHUTDOWN_CLIENT'`. */
  readonly uncaughtExceptionHandler: UncaughtExceptionHandler;
  /** See {@link StreamsConfig.stateRestoreListener}; `undefined` when unset. */
  readonly stateRestoreListener: StateRestoreListener | undefined;
}
