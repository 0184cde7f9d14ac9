import { BehaviorSubject, Observable, Subject, filter, firstValueFrom } from 'rxjs';
import type { AdminPort, BatchControl, ConsumerPort, FetchedBatch, KafkaClientPort, ProducerPort, TopicPartition } from '../client/internals/kafka-port.js';
import { isRebalanceError } from '../client/internals/kafka-port.js';
import type { StreamsConfig, ResolvedStreamsConfig } from '../config/streams-config.js';
import { resolveConfig } from '../config/validate.js';
import { printAppRedacted } from '../config/redaction.js';
import type { ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { ReadOnlySessionStore } from '../state/session-store.js';
import type { StateStore } from '../state/state-store.js';
import { InvalidStateStoreError } from '../state/invalid-state-store-error.js';
import { UnknownStateStoreError } from '../state/unknown-state-store-error.js';
import { storeNameOf, type ExplicitKeyType, type ExplicitStoreName, type KeyValueView, type NamedStore, type SessionStoreType, type StoreNames, type StoreType, type StoreTypes, type VersionedStoreType, type WindowStoreType } from '../state/store-types.js';
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js';
import type { DroppedRecordReason } from '../processor/dropped-record.js';
import type { ReadOnlyWindowStore } from '../state/window-store.js';
import { cleanUpStateDirectory, lockStateDirectory, type StateDirectoryLock } from '../state/internals/state-directory/state-directory.js';
import { checkDefaultSerdes } from '../topology/check-default-serdes.js';
import { TopologyError } from '../errors/topology-error.js';
import type { Topology } from '../topology/topology.js';
import { ConfigError } from '../config/config-error.js';
import { assertCompressionAvailable } from '../client/internals/kafkajs/kafkajs-client.js';
import { consumerSettings, createKafkajsClient, producerOptions } from './internals/client-options.js';
import { createInternalTopics } from './internals/internal-topics.js';
import { PatternTopicWatch } from './internals/pattern-topic-watch.js';
import type { PatternSourceChange } from '../topology/topology.js';
import {
  assertStoreKind,
  compositeKeyValueStore,
  compositeSessionStore,
  compositeTimestampedWindowStore,
  compositeWindowStore,
  type QueryableStoreKind,
} from './internals/stores/composite-store.js';
import { compositeVersionedKeyValueStore } from './internals/stores/composite-versioned-store.js';
import type { ReadOnlyVersionedKeyValueStore } from '../state/versioned-key-value-store.js';
import { ProcessingError } from '../errors/processing-error.js';
import { StreamsError, TaskTimeoutError } from '../errors/streams-error.js';
import type { UncaughtExceptionResponse } from '../config/uncaught-exception-handler.js';
import { TaskRetries, bounded } from './internals/tasks/task-retries.js';
import { classifyError } from '../errors/error-classification.js';
import { TaskAssignor } from './internals/assignment/task-assignor.js';
import { keyQueryMetadata, metadataForStore, serializeQueryKey, StreamsMetadataState, type MetadataSnapshot } from './internals/metadata/streams-metadata-state.js';
import { KeyQueryMetadata, type KeyQueryOptions, type StreamsMetadata } from './streams-metadata.js';
import type { Serde } from '@rivulet/serde';
import { TaskManager, type LoopSensors } from './internals/tasks/task-manager.js';
import { GlobalStateUpdater } from './internals/global/global-state-updater.js';
import { sumDropped } from './internals/processing/dropped-records.js';
import { MetricsRegistry, type Latency } from '../metrics/internals/metrics-registry.js';
import { ConsumerSensors, ProducerSensors, ThreadSensors } from '../metrics/internals/streams-sensors.js';
import { RIVULET_VERSION } from '../metrics/internals/version.js';
import type { Metric } from '../metrics/metric.js';
import { assertSingleThread } from './threads/thread-config.js';
import { StreamThreadsApp, type StreamThreadsOptions } from './threads/stream-threads-app.js';

/**
 * The life of an app: CREATED -> REBALANCING -> RUNNING (and back to REBALANCING on every group
 * change, and while the consumer restarts after a crash) -> PENDING_SHUTDOWN -> NOT_RUNNING; after a
 * fatal failure that the uncaught-exception handler does not replace, PENDING_ERROR -> ERROR.
 */
export type StreamsAppState = 'CREATED' | 'REBALANCING' | 'RUNNING' | 'PENDING_SHUTDOWN' | 'NOT_RUNNING' | 'PENDING_ERROR' | 'ERROR';

/** One completed rebalance of this member. */
export interface RebalanceEvent {
  /** From the group's rebalance notice (or the start) to the gained tasks being restored and ready. */
  readonly durationMs: number;
  /** Ids of the tasks this member gained, e.g. `0_3`. */
  readonly gained: readonly string[];
  /** Ids of the tasks this member lost. */
  readonly lost: readonly string[];
  /** Ids of all the tasks this member runs after the rebalance. */
  readonly tasks: readonly string[];
}

/** Counters of one task this instance runs. */
export interface TaskMetrics {
  /** The task's id, `<subtopology>_<partition>`. */
  readonly taskId: string;
  /** Records processed since this instance opened the task. */
  readonly recordsProcessed: number;
  /**
   * Records the task dropped since this instance opened it (Kafka Streams' task-level
   * `dropped-records-total`): see {@link DroppedRecordReason} and docs/failures.md#dropped-records.
   */
  readonly droppedRecords: number;
  /** The same per reason; a reason with none is absent. */
  readonly droppedRecordsByReason: Readonly<Partial<Record<DroppedRecordReason, number>>>;
}

/** Counters of a running app. */
export interface StreamsMetrics {
  /** The app's state now. */
  readonly state: StreamsAppState;
  /** Ids of the tasks this instance runs now. */
  readonly tasks: readonly string[];
  /** Records processed by this instance since it started, across all its tasks. */
  readonly recordsProcessed: number;
  /**
   * Records dropped by this instance since it started, across all its tasks: Kafka Streams'
   * `dropped-records-total` summed over tasks. A dropped record went no further through the
   * topology by design: a null key or value an operator cannot use, a record too late for its
   * window or older than a join window's retention, an invalid timestamp, or a record an exception
   * handler skipped or dead-lettered. Each reason is also logged at WARN, per task, at most once per
   * 10 s. See docs/failures.md#dropped-records.
   */
  readonly droppedRecords: number;
  /** {@link StreamsMetrics.droppedRecords} per reason; a reason with none is absent. */
  readonly droppedRecordsByReason: Readonly<Partial<Record<DroppedRecordReason, number>>>;
  /** Commits made by this instance since it started (each covers all its tasks). */
  readonly commits: number;
  /** Rebalances this instance completed. */
  readonly rebalances: number;
  /** Total time spent in those rebalances, in ms. */
  readonly rebalanceTimeMsTotal: number;
  /** Per task this instance runs now. */
  readonly taskMetrics: readonly TaskMetrics[];
  /** Ids of the tasks whose stores are being restored now (they process once restored). */
  readonly restoringTasks: readonly string[];
  /** Changelog records applied to restoring stores since the app started. */
  readonly recordsRestored: number;
  /** Ids of the standby tasks this instance keeps (`numStandbyReplicas`). */
  readonly standbyTasks: readonly string[];
  /**
   * Every metric, by Kafka Streams' names, groups and tags, at the app's `metricsRecordingLevel`
   * (see docs/operating.md): the thread's process-rate, each task's dropped-records-total, each
   * partition's records-lag, and so on. {@link findMetrics} picks some out.
   */
  readonly all: readonly Metric[];
  /**
   * Times a task with several input partitions stopped waiting for an empty one and went on
   * without it (Kafka Streams' enforced-processing count); see `maxTaskIdleMs`.
   */
  readonly enforcedProcessing: number;
}

/** What {@link StreamsApp.health} says. */
export interface HealthStatus {
  /** Alive: a liveness probe passes (HTTP 200 on /health/live). */
  readonly live: boolean;
  /** Ready for traffic: a readiness probe passes (HTTP 200 on /health/ready). */
  readonly ready: boolean;
  /** The app's state now. */
  readonly state: StreamsAppState;
  /** Why it is not live or not ready; empty when it is both. */
  readonly reasons: readonly string[];
}

/** Options of an interactive query ({@link StreamsApp.store} and the others). */
export interface StoreQueryOptions {
  /**
   * Read the stores of tasks still restoring from their changelogs, as restored so far. Without it
   * such a query throws an {@link InvalidStateStoreError} until the task is restored. Kafka Streams'
   * `StoreQueryParameters.enableStaleStores()`.
   */
  readonly staleReads?: boolean;
}

/** The retry key of starting (the admin connection, internal topics, the loop's clients). */
const START = 'start';

/** How long each step of closing may take (commit, leave the group, close tasks, disconnect). */
const CLOSE_STEP_MS = 30_000;

/** Records processed between two commit-interval checks and heartbeats: Kafka's `max.poll.records` default. */
const MAX_RECORDS_PER_SLICE = 500;

/**
 * Runs a topology as consume-transform-produce loops with the configured processing guarantee.
 * Config is validated at construction; `start()` creates internal topics, joins the consumer group
 * (group id = applicationId) and processes until `close()`.
 *
 * @example
 * const app = new StreamsApp(topology, { applicationId: 'word-count', brokers: ['127.0.0.1:9092'], processingGuarantee: 'exactly_once' });
 * app.state$.subscribe((s) => console.log('state', s));
 * await app.start();
 *
 * @typeParam S - The types of the topology's named stores (see `Topology`), inferred from the
 * topology: they type {@link StreamsApp.store} and the other store accessors. Left out in a type
 * (`app: StreamsApp`), any app: a typed app is assignable to it.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the default accepts an app of any stores (a typed app narrows the accessors' parameters)
export class StreamsApp<S extends StoreTypes = any> {
  /** The configuration in use: the options given, validated, with every default filled in. */
  readonly config: ResolvedStreamsConfig;
  private readonly stateSubject = new BehaviorSubject<StreamsAppState>('CREATED');
  private readonly rebalanceSubject = new Subject<RebalanceEvent>();
  private readonly errorSubject = new Subject<StreamsError>();
  /** The app's state as it changes. */
  readonly state$: Observable<StreamsAppState> = this.stateSubject.asObservable();
  /** Each completed rebalance: tasks gained and lost, and how long it took. */
  readonly rebalances$: Observable<RebalanceEvent> = this.rebalanceSubject.asObservable();
  /**
   * Every error the app handled or stopped for, as a {@link StreamsError}: its `category`
   * (retriable, task-migrated, fatal), its `action` (skipped, dead-lettered, retrying, rejoining,
   * restarted, fatal), the task and the input record's coordinates where known, and the original
   * error as `cause`. A record that failed under the 'fail' handler comes as its ProcessingError.
   */
  readonly errors$: Observable<StreamsError> = this.errorSubject.asObservable();

  private client: KafkaClientPort | undefined;
  private admin: AdminPort | undefined;
  private consumer: ConsumerPort | undefined;
  private sharedProducer: ProducerPort | undefined;
  private manager: TaskManager | undefined;
  /** Loads and updates the global stores (Topology.addGlobalStore); undefined without any. */
  private global: GlobalStateUpdater | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private assignmentDone: Promise<void> = Promise.resolve();
  private rebalanceStartedAt: number | undefined;
  /** A rebalance whose tasks are still restoring: it ends when they are. */
  private pendingRebalance: { started: number; gained: string[]; lost: string[] } | undefined;
  private rebalances = 0;
  private rebalanceTimeMs = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The periodic topic check of pattern sources (metadataMaxAgeMs); undefined without them. */
  private patternWatch: PatternTopicWatch | undefined;
  private stopping = false;
  private closing: Promise<void> | undefined;
  private fatalError: Error | undefined;
  /** The lock on `stateDir`, held from the start of start() until the app has closed. */
  private stateDirLock: StateDirectoryLock | undefined;
  private cleaningUp: Promise<void> | undefined;
  /** Bumped by each build of the processing loop; events of an older build are ignored. */
  private generation = 0;
  private replacing: Promise<void> | undefined;
  private threadReplacements = 0;
  /** Since when the group consumer has been crashed and restarting without re-joining. */
  private consumerDownSince: number | undefined;
  private lastConsumerError: Error | undefined;
  private lastConsumerCrashAt = 0;
  private consumerCrashes = 0;
  private topicName: (name: string) => string = (name) => name;
  private partitionCounts = new Map<string, number>();
  /** Which instance holds what, from the last assignment (interactive queries across instances). */
  private readonly metadataState = new StreamsMetadataState(() => this.topology, () => this.topicName, () => this.partitionCounts, () => this.config.applicationServer);
  /** Every metric of the app (Kafka Streams' names): read by metrics() and the Prometheus endpoint. */
  private readonly registry: MetricsRegistry;
  private readonly sensors: LoopSensors;
  private readonly rebalanceLatency: Latency;
  private lastRebalanceAt: number | undefined;
  /** When the last batch was handed back to the consumer: the time until the next is time blocked waiting for records. */
  private lastBatchEndedAt: number | undefined;
  /** When the loop last moved (see noteProgress). */
  private lastProgressAt = Date.now();

  /**
   * An app of `numStreamThreads` stream threads (Kafka Streams' `num.stream.threads`), each a Node
   * worker thread with its own consumer and producer in the app's group. A topology holds functions,
   * which cannot be sent to another thread, so each thread builds its own from `module`: a module
   * whose default export (or `options.exportName`) is a factory `(thread) => Topology` or
   * `(thread) => ({ topology, config })`, `config` giving the thread's function-valued settings
   * (serdes, handler functions, a partitioner...). The returned app runs, closes and is queried as
   * a `StreamsApp` (`runApp(app)` takes it); see docs/operating.md#stream-threads.
   *
   * @typeParam S - The store types of the module's topology, to type the app's store queries
   * (`StoreTypesOf<ReturnType<typeof buildTopology>>`); left out, they are given at each query.
   * @param module - The module's URL (`new URL('./topology.js', import.meta.url)`), file URL or path.
   * @param config - The app's config; settings that hold functions must come from the module instead.
   * @param options - `data` for every thread's factory, the factory's export name, the query timeout.
   * @throws ConfigError for an invalid config, naming any setting that must come from the module.
   *
   * @example
   * ```ts
   * // topology.ts
   * export default defineStreamThread((thread) => ({ topology: buildTopology(), config: { defaultKeySerde: serdes.string() } }));
   * // main.ts
   * const app = StreamsApp.fromModule(new URL('./topology.js', import.meta.url), {
   *   applicationId: 'word-count', brokers: ['127.0.0.1:9092'], numStreamThreads: 2,
   * });
   * await runApp(app);
   * ```
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped unless given, as StreamsApp's
  static fromModule<S extends StoreTypes = any>(module: URL | string, config: StreamsConfig, options?: StreamThreadsOptions): StreamThreadsApp<S> {
    return new StreamThreadsApp<S>(module, config, options);
  }

  /**
   * Validates `config` (a {@link ConfigError} names each wrong setting) and prepares the app;
   * nothing connects before `start()`. One stream thread: `numStreamThreads` above 1 needs
   * {@link StreamsApp.fromModule}.
   */
  constructor(topology: Topology<S>, config: StreamsConfig);
  /**
   * With a Kafka client other than kafkajs: the runtime's unit tests pass the in-memory Kafka of
   * `client/internals/fake/`.
   *
   * @internal
   */
  constructor(topology: Topology<S>, config: StreamsConfig, clientFactory: (config: ResolvedStreamsConfig) => KafkaClientPort);
  constructor(
    /** The topology the app runs. */
    readonly topology: Topology<S>,
    config: StreamsConfig,
    private readonly clientFactory: (config: ResolvedStreamsConfig) => KafkaClientPort = createKafkajsClient,
  ) {
    this.config = resolveConfig(config);
    assertSingleThread(this.config);
    if (clientFactory === createKafkajsClient) {
      try {
        assertCompressionAvailable(this.config.producer.compression);
      } catch (err) {
        // A bad setting, as every other: runApp exits 2 for it.
        throw new ConfigError([{ setting: 'producer.compression', message: (err as Error).message }]);
      }
    }
    if (topology.nodeDefs().length === 0) throw new TopologyError('the topology has no nodes: add a source first');
    checkDefaultSerdes(topology, { key: this.config.defaultKeySerde, value: this.config.defaultValueSerde });
    const { metricsRecordingLevel, metricsSampleWindowMs, metricsNumSamples, clientId, applicationId } = this.config;
    this.registry = new MetricsRegistry(metricsRecordingLevel, { windowMs: metricsSampleWindowMs, samples: metricsNumSamples });
    const thread = new ThreadSensors(this.registry, clientId);
    this.sensors = { thread, consumer: new ConsumerSensors(this.registry, clientId), producer: new ProducerSensors(this.registry, clientId) };
    const client = { 'client-id': clientId };
    const info = (name: string, type: 'gauge' | 'counter', description: string) => ({ name, group: 'stream-metrics' as const, tags: client, level: 'INFO' as const, type, description });
    this.registry.add(info('state', 'gauge', "The app's state (CREATED, REBALANCING, RUNNING, ...)."), () => this.state);
    this.registry.add(info('alive-stream-threads', 'gauge', 'The number of processing loops running (Rivulet runs one).'), () => (this.manager !== undefined && !this.stopping ? 1 : 0));
    this.registry.add(info('failed-stream-threads', 'counter', 'The number of processing loops that failed with a fatal error.'), () => (this.fatalError !== undefined ? 1 : 0));
    this.registry.add(info('version', 'gauge', "Rivulet's version."), () => RIVULET_VERSION);
    this.registry.add(info('application-id', 'gauge', 'The applicationId.'), () => applicationId);
    const coordinator = { 'client-id': `${thread.threadId}-consumer` };
    this.registry.add(
      { name: 'rebalance-total', group: 'consumer-coordinator-metrics', tags: coordinator, level: 'INFO', type: 'counter', description: 'The number of rebalances this member completed.' },
      () => this.rebalances,
    );
    this.registry.add(
      { name: 'last-rebalance-seconds-ago', group: 'consumer-coordinator-metrics', tags: coordinator, level: 'INFO', type: 'gauge', description: 'Seconds since the last completed rebalance; NaN before the first.' },
      () => (this.lastRebalanceAt === undefined ? Number.NaN : (Date.now() - this.lastRebalanceAt) / 1000),
    );
    this.rebalanceLatency = this.registry.avgMax('consumer-coordinator-metrics', 'rebalance-latency', coordinator, 'time, in ms, of a rebalance: from its notice to the gained tasks being restored');
  }

  /** The app's state now; `state$` emits each change. */
  get state(): StreamsAppState {
    return this.stateSubject.value;
  }

  /**
   * Starts processing: creates the internal topics, joins the consumer group and restores the first
   * assignment's tasks. Resolves when the app first reaches RUNNING (joined, tasks assigned and
   * restored). Rejects with the fatal error if the app reaches ERROR first: the topics are not usable
   * (a source topic is missing, co-partitioned topics differ in partition count), or the brokers
   * could not be reached within `taskTimeoutMs`. Resolves too if `close()` is called meanwhile.
   */
  async start(): Promise<void> {
    if (this.state !== 'CREATED') throw new Error(`start() was called in state ${this.state}; an app starts once`);
    const { config, topology } = this;
    this.setState('REBALANCING');
    this.rebalanceStartedAt = Date.now();
    this.lastProgressAt = Date.now();
    config.logger.info(`starting ${config.applicationId}: ${config.processingGuarantee}, ${topology.subTopologies().length} sub-topolog${topology.subTopologies().length === 1 ? 'y' : 'ies'}`, {
      applicationId: config.applicationId,
      processingGuarantee: config.processingGuarantee,
      brokers: config.brokers.join(','),
    });
    const started = firstValueFrom(this.stateSubject.pipe(filter((s) => s === 'RUNNING' || s === 'PENDING_ERROR' || s === 'ERROR' || s === 'PENDING_SHUTDOWN')), {
      defaultValue: this.state,
    });
    try {
      // Before anything connects: another instance on this stateDir would open the same task stores
      // and wipe what it finds without a checkpoint, data this instance is writing.
      await this.cleaningUp?.catch(() => undefined);
      const stateDirLock = await lockStateDirectory(config.stateDir, config.applicationId);
      if (this.stopping) {
        // close() came while the lock was being taken: shutdown() did not see it, so release it here.
        await stateDirLock.release();
        return;
      }
      this.stateDirLock = stateDirLock;
      this.client = this.clientFactory(config);
      const admin = this.client.admin();
      this.admin = admin;
      const topicName = (name: string): string =>
        topology.internalTopicDefs().has(name) ? `${config.applicationId}-${name}` : name;
      this.topicName = topicName;
      // A broker that is down at start is retried as a task's failures are, until taskTimeoutMs.
      const retries = new TaskRetries({ taskTimeoutMs: config.taskTimeoutMs, initialMs: config.retry.initialRetryTimeMs, maxMs: config.retry.maxRetryTimeMs });
      await this.retryAtStart(retries, async () => {
        await admin.connect();
        if (topology.hasUnresolvedPatterns()) topology.resolveSourcePatterns(await admin.listTopics(), config.applicationId);
        this.partitionCounts = await createInternalTopics(admin, topology, config, topicName);
      });
      if (topology.globalStores().size > 0) {
        // Kafka Streams' GlobalStreamThread: the global stores are loaded to the end offsets their
        // topics had now before the processing loop starts, so the app is not RUNNING before.
        const global = new GlobalStateUpdater({
          config,
          topology,
          client: this.client,
          admin,
          onFatal: (error) => this.onFatal(error, undefined, true),
          report: (error) => this.errorSubject.next(error),
        });
        this.global = global;
        await global.start();
        // close() came while loading: shutdown() closes the updater; nothing more starts.
        if (this.stopping) return;
      }
      const tick = Math.max(10, Math.min(config.commitIntervalMs, 1000));
      this.timer = setInterval(() => void this.onTick(), tick);
      await this.retryAtStart(retries, () => this.startLoop());
      this.watchPatternTopics(admin);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.onFatal(error, 'SHUTDOWN_CLIENT');
      await this.closing;
      throw error;
    }
    const state = await started;
    if (state === 'PENDING_ERROR' || state === 'ERROR') {
      await this.closing;
      throw this.fatalError ?? new Error('the app stopped in ERROR before it was running');
    }
  }

  /**
   * Runs a step of starting again after a retriable failure (a broker down at start), with the
   * tasks' backoff, until taskTimeoutMs; anything else, or a close meanwhile, ends it.
   */
  private async retryAtStart(retries: TaskRetries, step: () => Promise<void>): Promise<void> {
    for (;;) {
      try {
        await step();
        retries.clear(START);
        return;
      } catch (err) {
        if (this.stopping || classifyError(err) !== 'retriable') throw err;
        const error = err instanceof Error ? err : new Error(String(err));
        let delay: number;
        try {
          delay = retries.failed(START, error);
        } catch (timeout) {
          // Starting is the app's, not a task's: say so.
          const { timeoutMs, attempts } = timeout as TaskTimeoutError;
          throw new TaskTimeoutError(undefined, timeoutMs, attempts, error);
        }
        this.config.logger.warn(`starting failed with a retriable error; trying again in ${delay} ms: ${(err as Error).message}`);
        this.errorSubject.next(new StreamsError(`starting: ${(err as Error).message}`, { category: 'retriable', action: 'retrying', cause: err }));
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (this.stopping) throw err;
      }
    }
  }

  /**
   * The processing loop and its clients: the shared producer (at-most/at-least-once), the group
   * consumer and the task manager. Built at start, and again when the uncaught-exception handler
   * answers REPLACE_THREAD. Each build has its own generation: events of an older one are ignored.
   */
  private async startLoop(): Promise<void> {
    const { config, topology } = this;
    const client = this.client!;
    const admin = this.admin!;
    const topicName = this.topicName;
    const generation = ++this.generation;
    const current = (): boolean => generation === this.generation && !this.stopping;
    if (config.processingGuarantee !== 'exactly_once') {
      const producer = client.producer(producerOptions(config));
      try {
        await producer.connect();
      } catch (err) {
        await bounded(producer.disconnect(), CLOSE_STEP_MS, 'producer disconnect').catch(() => undefined);
        throw err;
      }
      this.sharedProducer = producer;
    }
    const sourceTopics = topology.subTopologies().flatMap((s) => s.sourceTopics.map(topicName));
    const assignor = new TaskAssignor(
      () => topology.subTopologies().map((s) => ({ id: s.id, sourceTopics: s.sourceTopics.map(topicName) })),
      () => this.manager?.ownedTaskIds() ?? [],
      config.numStandbyReplicas,
      () => this.manager?.warmTaskIds() ?? [],
      config.applicationServer,
    );
    const consumer = client.consumer({
      ...consumerSettings(config),
      groupId: config.applicationId,
      readCommitted: config.consumer.isolationLevel === 'read_committed',
      fromBeginning: config.consumer.autoOffsetReset === 'earliest',
      assignor,
    });
    this.consumer = consumer;
    const manager = new TaskManager({
      config,
      topology,
      client,
      admin,
      consumer,
      sharedProducer: this.sharedProducer,
      renewSharedProducer: () => this.renewSharedProducer(),
      topicName,
      partitionCounts: this.partitionCounts,
      onFatal: (error) => this.onFatal(error),
      report: (error) => this.errorSubject.next(error),
      schedule: (work) => {
        void this.locked(async () => {
          if (!this.stopping && manager === this.manager) await work();
        }).catch((err: unknown) => {
          if (!isRebalanceError(err)) this.onFatal(err instanceof Error ? err : new Error(String(err)));
        });
      },
      onRestored: () => this.onRestored(manager),
      sensors: this.sensors,
      ...(this.global !== undefined ? { globalStores: this.global.stores } : {}),
    });
    this.manager = manager;
    // What each output topic accepts, for the pre-send size check (issue 11, problem 3).
    await bounded(manager.limits.load([...this.partitionCounts.keys()]), config.requestTimeoutMs, 'reading topic configs').catch((err: unknown) => {
      config.logger.warn(`could not read the topics' max.message.bytes; assuming the broker default: ${(err as Error).message}`);
    });
    try {
      await consumer.connect();
      await consumer.subscribe(sourceTopics);
    } catch (err) {
      // Retried from scratch: the half-made clients go, or their own retries keep sockets open.
      this.generation++;
      await bounded(consumer.disconnect(), CLOSE_STEP_MS, 'consumer disconnect').catch(() => undefined);
      await bounded(this.sharedProducer?.disconnect() ?? Promise.resolve(), CLOSE_STEP_MS, 'producer disconnect').catch(() => undefined);
      this.sharedProducer = undefined;
      throw err;
    }
    await consumer.run((batch, control) => (current() ? this.onBatch(manager, batch, control) : Promise.resolve()), {
      onGroupJoin: (assignment, info) => {
        if (current()) this.onGroupJoin(manager, assignment, info.memberId, info.userData);
      },
      onRebalancing: () => {
        if (current()) this.onRebalancing(manager);
      },
      onCrash: (error, restart) => {
        if (current()) this.onConsumerCrash(error, restart);
      },
      // Where the consumer got to, transaction markers and aborted records included: a task waiting
      // for records of a partition learns there are none (see PartitionGroup).
      onBatchEnd: (topic, partition, lastOffset) => {
        if (current()) manager.batchEnded(topic, partition, lastOffset);
      },
      onHeartbeat: () => {
        if (current()) manager.onHeartbeat();
        if (current()) this.noteProgress(true);
      },
    });
  }

  /**
   * Stops fetching, finishes the batch in hand, commits (or aborts) and leaves the group. Stores are
   * checkpointed so a restart restores only what changed. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown(true);
    return this.closing;
  }

  /**
   * Deletes this app's local state, as Kafka Streams' `KafkaStreams#cleanUp()`: the task
   * directories in `stateDir` (named `<subtopology>_<partition>`, such as `0_3`), with the
   * persistent stores and checkpoints in them, and the global stores' folder (`global`); the next
   * start restores every store from its changelog (global stores from their topics). After
   * `rivulet reset` (docs/operating.md), call it on every instance before its next start. Nothing
   * else is deleted: other files and folders in `stateDir`, links, and the folder itself stay.
   * Call it before `start()` or once the app has closed (NOT_RUNNING or ERROR); it rejects while
   * the app runs. It takes the `stateDir` lock while it works, so it rejects with a
   * {@link StateDirectoryLockedError} if another instance runs on that directory.
   *
   * @example
   * const app = new StreamsApp(topology, config);
   * await app.cleanUp(); // restore from the changelogs rather than from the local state
   * await app.start();
   */
  async cleanUp(): Promise<void> {
    const state = this.state;
    if (state !== 'CREATED' && state !== 'NOT_RUNNING' && state !== 'ERROR') {
      throw new Error(`cleanUp() was called in state ${state}: it deletes the local state, so call it before start() or once close() has completed`);
    }
    const { stateDir, applicationId, logger } = this.config;
    this.cleaningUp ??= cleanUpStateDirectory(stateDir, applicationId)
      .then((removed) => logger.info(`cleanUp: deleted ${removed.length} task director${removed.length === 1 ? 'y' : 'ies'} in ${stateDir}`))
      .finally(() => (this.cleaningUp = undefined));
    return this.cleaningUp;
  }

  /**
   * The local instances of a key-value store, queryable while the app runs (interactive queries).
   * Reads see the tasks this instance runs now. A read that needs a task still restoring its store
   * throws an {@link InvalidStateStoreError} (retry once the app is RUNNING) unless
   * `{ staleReads: true }` is given. Window and session stores are read with
   * {@link StreamsApp.windowStore} and {@link StreamsApp.sessionStore}.
   *
   * Typed stores: on a topology typed by `builder.build(...stores)` the key and value types come
   * from the topology and a name it does not have is a type error; a {@link NamedStore} (the KTable
   * of `count({ store: 'word-counts' })`, `Materialized.as<K, V>(name)`) can be passed instead of the
   * name. On an untyped topology give the types: `app.store<string, bigint>('word-counts')`. At run
   * time a wrong name throws an {@link UnknownStateStoreError} listing the store names, and a store
   * of another kind an error naming the accessor that reads it.
   *
   * @example
   * const app = new StreamsApp(builder.build(counts), config); // counts = grouped.count({ store: 'word-counts' })
   * app.store('word-counts').get('kafka'); // 3n, typed bigint | undefined
   * app.store(counts).get('kafka'); // the same, by the table
   */
  store<N extends StoreNames<S, 'key-value' | 'versioned'>>(name: N, options?: StoreQueryOptions): KeyValueView<S[N & keyof S]>;
  /** The key-value store a {@link NamedStore} names, typed by it. */
  store<T extends StoreType<unknown, unknown, 'key-value' | 'versioned'>>(store: NamedStore<string, T>, options?: StoreQueryOptions): KeyValueView<T>;
  /** A key-value store typed by the type arguments: `app.store<string, bigint>('word-counts')`. */
  store<K = never, V = unknown>(name: ExplicitStoreName<S, K>, options?: StoreQueryOptions): ReadOnlyKeyValueStore<ExplicitKeyType<K>, V>;
  store(store: string | NamedStore, options?: StoreQueryOptions): ReadOnlyKeyValueStore<unknown, unknown> {
    const name = storeNameOf(store);
    return compositeKeyValueStore(name, this.queryableInstances(name, 'key-value', options));
  }

  /**
   * The local instances of a window store, e.g. a windowed aggregation's, queryable while the app
   * runs. The DSL keeps each aggregate with the timestamp of its newest record: this view shows the
   * aggregates alone ({@link StreamsApp.timestampedWindowStore} shows both). Reads see the tasks this
   * instance runs now. Typed as {@link StreamsApp.store} is: by the topology, by a
   * {@link NamedStore}, or by type arguments.
   *
   * @example
   * // count({ store: 'clicks-per-minute' }) over TimeWindows.ofSizeAndGrace(60_000, 10_000)
   * const clicks = app.windowStore('clicks-per-minute');
   * clicks.fetch('user-1', 120_000); // the count of user-1 in [120 s, 180 s), or undefined
   * for (const { key: start, value } of clicks.fetch('user-1', 0, Date.now())) console.log(start, value);
   */
  windowStore<N extends StoreNames<S, 'window'>>(name: N, options?: StoreQueryOptions): ReadOnlyWindowStore<S[N & keyof S]['key'], S[N & keyof S]['value']>;
  /** The window store a {@link NamedStore} names, typed by it. */
  windowStore<K, V>(store: NamedStore<string, WindowStoreType<K, V>>, options?: StoreQueryOptions): ReadOnlyWindowStore<K, V>;
  /** A window store typed by the type arguments: `app.windowStore<string, bigint>('clicks-per-minute')`. */
  windowStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>, options?: StoreQueryOptions): ReadOnlyWindowStore<ExplicitKeyType<K>, V>;
  windowStore(store: string | NamedStore, options?: StoreQueryOptions): ReadOnlyWindowStore<unknown, unknown> {
    const name = storeNameOf(store);
    return compositeWindowStore(name, this.queryableInstances(name, 'window', options), 'without-timestamps');
  }

  /**
   * The local instances of a versioned key-value store (a versioned table's, or one built with
   * `Stores.versionedKeyValueStoreBuilder`), queryable while the app runs: the latest version of a
   * key, or the version valid at a time within the store's history retention. Typed as
   * {@link StreamsApp.store} is.
   *
   * @example
   * // builder.table('rates', { store: 'rates', versioned: { historyRetentionMs: 3_600_000 } })
   * app.versionedStore('rates').get('EUR', 1_700_000_000_000); // { value, timestamp, validTo }
   */
  versionedStore<N extends StoreNames<S, 'versioned'>>(name: N, options?: StoreQueryOptions): ReadOnlyVersionedKeyValueStore<S[N & keyof S]['key'], S[N & keyof S]['value']>;
  /** The versioned store a {@link NamedStore} names, typed by it. */
  versionedStore<K, V>(store: NamedStore<string, VersionedStoreType<K, V>>, options?: StoreQueryOptions): ReadOnlyVersionedKeyValueStore<K, V>;
  /** A versioned store typed by the type arguments: `app.versionedStore<string, number>('rates')`. */
  versionedStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>, options?: StoreQueryOptions): ReadOnlyVersionedKeyValueStore<ExplicitKeyType<K>, V>;
  versionedStore(store: string | NamedStore, options?: StoreQueryOptions): ReadOnlyVersionedKeyValueStore<unknown, unknown> {
    const name = storeNameOf(store);
    return compositeVersionedKeyValueStore(name, this.queryableInstances(name, 'versioned', options));
  }

  /** A timestamped window store (the DSL's windowed aggregations): each value with the timestamp of the newest record in its window. */
  timestampedWindowStore<N extends StoreNames<S, 'window'>>(name: N, options?: StoreQueryOptions): ReadOnlyWindowStore<S[N & keyof S]['key'], ValueAndTimestamp<S[N & keyof S]['value']>>;
  /** The timestamped window store a {@link NamedStore} names, typed by it. */
  timestampedWindowStore<K, V>(store: NamedStore<string, WindowStoreType<K, V>>, options?: StoreQueryOptions): ReadOnlyWindowStore<K, ValueAndTimestamp<V>>;
  /** A timestamped window store typed by the type arguments. */
  timestampedWindowStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>, options?: StoreQueryOptions): ReadOnlyWindowStore<ExplicitKeyType<K>, ValueAndTimestamp<V>>;
  timestampedWindowStore(store: string | NamedStore, options?: StoreQueryOptions): ReadOnlyWindowStore<unknown, ValueAndTimestamp<unknown>> {
    const name = storeNameOf(store);
    return compositeTimestampedWindowStore(name, this.queryableInstances(name, 'window', options));
  }

  /**
   * The local instances of a session store, e.g. a session-windowed aggregation's, queryable while
   * the app runs. Reads see the tasks this instance runs now. Typed as {@link StreamsApp.store} is.
   *
   * @example
   * for (const { key: session, value } of app.sessionStore('clicks-per-session').fetch('user-1')) {
   *   console.log(session.window.start, session.window.end, value);
   * }
   */
  sessionStore<N extends StoreNames<S, 'session'>>(name: N, options?: StoreQueryOptions): ReadOnlySessionStore<S[N & keyof S]['key'], S[N & keyof S]['value']>;
  /** The session store a {@link NamedStore} names, typed by it. */
  sessionStore<K, V>(store: NamedStore<string, SessionStoreType<K, V>>, options?: StoreQueryOptions): ReadOnlySessionStore<K, V>;
  /** A session store typed by the type arguments: `app.sessionStore<string, bigint>('clicks-per-session')`. */
  sessionStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>, options?: StoreQueryOptions): ReadOnlySessionStore<ExplicitKeyType<K>, V>;
  sessionStore(store: string | NamedStore, options?: StoreQueryOptions): ReadOnlySessionStore<unknown, unknown> {
    const name = storeNameOf(store);
    return compositeSessionStore(name, this.queryableInstances(name, 'session', options));
  }

  /**
   * Which instance holds `key` of the store `storeName` (Kafka Streams' `queryMetadataForKey`): the
   * `applicationServer` of the instance whose task holds it now (`activeHost`), those that keep a
   * standby copy (`standbyHosts`), and its partition. The key is serialized with `keySerde` (the
   * store's input key serde) and placed by Kafka's default partitioner over the store's task
   * count, or by `options.partitioner` when its input was written with another. Every instance
   * learns every instance's host and tasks in each assignment; while the app is not RUNNING
   * (starting, rebalancing, restoring, closing) it answers {@link KeyQueryMetadata.NOT_AVAILABLE}:
   * ask again shortly. The key need not exist: this says where it would be.
   *
   * @throws UnknownStateStoreError if the topology has no store `storeName`; TypeError for a serde that answers with a Promise.
   *
   * @example
   * const where = app.queryMetadataForKey('word-counts', 'kafka', serdes.string());
   * if (where === KeyQueryMetadata.NOT_AVAILABLE) return reply(503);
   * if (`${where.activeHost.host}:${where.activeHost.port}` === app.config.applicationServer) return reply(200, app.store('word-counts').get('kafka'));
   * return forward(where.activeHost); // its HTTP service answers from its own store
   */
  queryMetadataForKey<K>(storeName: string, key: K, keySerde: Serde<K>, options?: KeyQueryOptions): KeyQueryMetadata {
    this.metadataState.assertStore(storeName);
    const snapshot = this.metadataSnapshot();
    if (snapshot === undefined) return KeyQueryMetadata.NOT_AVAILABLE;
    const topic = snapshot.stores[storeName]?.topicWithMostPartitions;
    if (topic === undefined) return keyQueryMetadata(snapshot, storeName, Buffer.alloc(0));
    return keyQueryMetadata(snapshot, storeName, serializeQueryKey(keySerde, key, topic, storeName), options?.partitioner);
  }

  /**
   * The instances that hold the store `storeName`, as its active tasks' or standby tasks' host
   * (Kafka Streams' `streamsMetadataForStore`, `allMetadataForStore` before 3.0); every instance for
   * a global store. Empty while the app is not RUNNING.
   *
   * @throws UnknownStateStoreError if the topology has no store `storeName`.
   *
   * @example
   * for (const m of app.allMetadataForStore('word-counts')) console.log(m.hostInfo, m.topicPartitions);
   */
  allMetadataForStore(storeName: string): StreamsMetadata[] {
    this.metadataState.assertStore(storeName);
    const snapshot = this.metadataSnapshot();
    return snapshot === undefined ? [] : metadataForStore(snapshot, storeName);
  }

  /**
   * Every instance of the app that has an `applicationServer`, with its stores and partitions
   * (Kafka Streams' `metadataForAllStreamsClients`). Empty while the app is not RUNNING.
   *
   * @example
   * app.metadataForAllStreamsClients().map((m) => `${m.hostInfo.host}:${m.hostInfo.port}`); // ['app-1:7070', 'app-2:7070']
   */
  metadataForAllStreamsClients(): StreamsMetadata[] {
    return [...(this.metadataSnapshot()?.hosts ?? [])];
  }

  /**
   * The metadata of the last assignment while the app is RUNNING, else undefined: what the stream
   * threads hand the supervisor.
   *
   * @internal
   */
  metadataSnapshot(): MetadataSnapshot | undefined {
    return this.state === 'RUNNING' ? this.metadataState.snapshot() : undefined;
  }

  /** Checks the store exists and is of the kind asked for; returns its local instances, read at each query. */
  private queryableInstances(name: string, kind: QueryableStoreKind, options: StoreQueryOptions | undefined): () => StateStore[] {
    const globalBuilder = this.topology.globalStores().get(name);
    if (globalBuilder !== undefined) {
      assertStoreKind(name, globalBuilder, kind);
      const stale = options?.staleReads === true;
      // A global store has one instance per app instance, outside of any task.
      return () => {
        const global = this.global;
        const store = global?.stores.get(name);
        if (global === undefined || store === undefined) return [];
        if (global.loading && !stale) {
          throw new InvalidStateStoreError(name, 'the global store is loading from its topic; query again once the app is RUNNING, or pass { staleReads: true } to read it as loaded so far');
        }
        return [store];
      };
    }
    const builder = this.topology.stores().get(name);
    if (builder === undefined) throw new UnknownStateStoreError(name, [...this.topology.stores().keys(), ...this.topology.globalStores().keys()]);
    assertStoreKind(name, builder, kind);
    const staleReads = options?.staleReads === true;
    return () => this.manager?.storeInstances(name, staleReads) ?? [];
  }

  /** The app's counters now: state, tasks, records processed and dropped, commits, rebalances. */
  metrics(): StreamsMetrics {
    const parts = [this.manager?.droppedRecords(), this.global?.droppedRecords()].filter((d) => d !== undefined);
    const dropped = parts.length > 0 ? sumDropped(parts) : undefined;
    return {
      state: this.state,
      tasks: this.manager?.ownedTaskIds() ?? [],
      recordsProcessed: this.manager?.recordsProcessed() ?? 0,
      droppedRecords: dropped?.total ?? 0,
      droppedRecordsByReason: dropped?.byReason ?? {},
      commits: this.manager?.commits ?? 0,
      rebalances: this.rebalances,
      rebalanceTimeMsTotal: this.rebalanceTimeMs,
      taskMetrics: [...(this.manager?.tasks.values() ?? [])].map(({ task }) => ({
        taskId: task.id,
        recordsProcessed: task.processedCount,
        droppedRecords: task.drops.total,
        droppedRecordsByReason: task.drops.byReason(),
      })),
      restoringTasks: this.manager?.restoringTaskIds() ?? [],
      recordsRestored: (this.manager?.recordsRestored ?? 0) + (this.global?.recordsLoaded ?? 0),
      standbyTasks: this.manager?.standbys?.ids() ?? [],
      enforcedProcessing: this.manager?.enforcedProcessing ?? 0,
      all: this.registry.snapshot(),
    };
  }

  /**
   * {@link StreamsApp.metrics} sampled every `intervalMs` (default 1 s) for each subscriber, plus a
   * last sample when the app stops (NOT_RUNNING or ERROR), after which it completes.
   *
   * @example
   * app.metrics$(5_000).subscribe((m) => console.log(`${m.recordsProcessed} records, ${m.commits} commits`));
   */
  metrics$(intervalMs = 1000): Observable<StreamsMetrics> {
    if (!(intervalMs >= 1)) throw new RangeError(`metrics$ needs an interval >= 1 ms, got ${intervalMs}`);
    return new Observable<StreamsMetrics>((subscriber) => {
      const timer = setInterval(() => subscriber.next(this.metrics()), intervalMs);
      timer.unref();
      const life = this.stateSubject.subscribe({
        complete: () => {
          subscriber.next(this.metrics());
          subscriber.complete();
        },
      });
      return () => {
        clearInterval(timer);
        life.unsubscribe();
      };
    });
  }

  /**
   * The loop moved: a batch was handled, or a heartbeat succeeded while nothing waits (no task in
   * retries, the consumer not restarting): idle with nothing to do. What /health/live reads.
   */
  private noteProgress(idle: boolean): void {
    if (idle && (this.consumerDownSince !== undefined || (this.manager?.retryingTaskIds().length ?? 0) > 0)) return;
    this.lastProgressAt = Date.now();
  }

  /**
   * Whether the app is alive and ready, and why not (docs/operating.md#health), for Kubernetes
   * probes (`/health/live`, `/health/ready` of {@link observabilityHandler}):
   * - live: not ERROR nor stopped, and the processing loop handled a batch, or was idle with
   *   nothing to do (a heartbeat, no task waiting for a retry, the consumer not restarting), within
   *   the last `livenessWindowMs` (default 60 s). A loop stuck on one failure stops being live.
   * - ready: RUNNING, no task restoring, none waiting for a retry, the consumer not restarting.
   */
  health(livenessWindowMs = 60_000): HealthStatus {
    const state = this.state;
    const now = Date.now();
    const notLive: string[] = [];
    const notReady: string[] = [];
    if (state === 'ERROR' || state === 'PENDING_ERROR') notLive.push(`the app is in state ${state}${this.fatalError ? `: ${this.fatalError.message}` : ''}`);
    else if (state === 'NOT_RUNNING' || state === 'PENDING_SHUTDOWN') notLive.push(`the app is in state ${state}`);
    else if (state !== 'CREATED' && now - this.lastProgressAt > livenessWindowMs) {
      notLive.push(`the processing loop made no progress for ${now - this.lastProgressAt} ms (more than ${livenessWindowMs})`);
    }
    if (state !== 'RUNNING') notReady.push(`the app is in state ${state}`);
    const restoring = this.manager?.restoringTaskIds() ?? [];
    if (restoring.length > 0) notReady.push(`task(s) ${restoring.join(', ')} restoring`);
    const retrying = this.manager?.retryingTaskIds() ?? [];
    if (retrying.length > 0) notReady.push(`task(s) ${retrying.join(', ')} failed and wait for a retry`);
    if (this.consumerDownSince !== undefined) notReady.push(`the consumer has been restarting for ${now - this.consumerDownSince} ms`);
    return { live: notLive.length === 0, ready: notLive.length === 0 && notReady.length === 0, state, reasons: [...notLive, ...notReady] };
  }

  /**
   * The approximate number of entries of each key-value store of each task this instance runs (the
   * live page's store sizes); `undefined` for window and session stores.
   *
   * @internal
   */
  storeSizes(): { name: string; taskId: string; entries: number | undefined }[] {
    const out: { name: string; taskId: string; entries: number | undefined }[] = [];
    for (const { task, stores } of this.manager?.tasks.values() ?? []) {
      for (const [name, store] of stores) {
        const count = (store as { approximateNumEntries?: () => number }).approximateNumEntries;
        let entries: number | undefined;
        try {
          entries = typeof count === 'function' ? count.call(store) : undefined;
        } catch {
          entries = undefined;
        }
        out.push({ name, taskId: task.id, entries });
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name) || a.taskId.localeCompare(b.taskId, 'en', { numeric: true }));
  }

  /** Serializes everything that touches tasks: batches, commits, punctuators, assignments. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async onBatch(manager: TaskManager, batch: FetchedBatch, control: BatchControl): Promise<void> {
    if (this.stopping) return;
    const { thread } = this.sensors;
    const now = Date.now();
    if (this.lastBatchEndedAt !== undefined) thread.blockedNs += (now - this.lastBatchEndedAt) * 1_000_000;
    thread.poll.record();
    thread.pollRecords.record(batch.records.length);
    try {
      await this.onBatchUnmeasured(manager, batch, control);
    } finally {
      this.lastBatchEndedAt = Date.now();
      this.noteProgress(false);
    }
  }

  private async onBatchUnmeasured(manager: TaskManager, batch: FetchedBatch, control: BatchControl): Promise<void> {
    if (this.consumerDownSince !== undefined) this.consumerUp();
    await this.waitForAssignment(control);
    // A fetched batch can hold thousands of records (up to maxBytesPerPartition): it is processed in
    // slices of at most MAX_RECORDS_PER_SLICE, Kafka's max.poll.records default, and between slices
    // the commit interval is honored and the membership kept alive. Without it, exactly_once under
    // load committed once per fetch instead of every commitIntervalMs.
    const records = batch.records;
    for (let from = 0; from === 0 || from < records.length; from += MAX_RECORDS_PER_SLICE) {
      const slice = records.length <= MAX_RECORDS_PER_SLICE ? batch : { ...batch, records: records.slice(from, from + MAX_RECORDS_PER_SLICE) };
      try {
        await this.locked(async () => {
          if (this.stopping || manager !== this.manager) return;
          await manager.processBatch(slice, control.isStale, () => control.heartbeat());
          // Exactly-once: started, not waited for; processing goes on while the brokers commit.
          if (manager.commitDue(Date.now())) await manager.commitAll({ pipelined: true });
        });
      } catch (err) {
        // A heartbeat inside the batch found the group rebalancing or this member evicted: the client
        // re-joins. The task manager handled retriable and task-migrated failures itself: what
        // reaches here is fatal.
        if (isRebalanceError(err)) throw err;
        this.onFatal(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      if (this.stopping) return;
      await this.heartbeatOrCommit(manager, control);
      // A seek or a reassignment made the rest of this batch stale: the records come again.
      if (control.isStale()) return;
    }
  }

  /**
   * Heartbeats between slices and after a batch. kafkajs has no revoke callback: a heartbeat that
   * reports a rebalance is the last moment this member still owns its partitions, so it commits
   * what it did before re-joining (the error goes on to kafkajs, which re-joins).
   */
  private async heartbeatOrCommit(manager: TaskManager, control: { heartbeat(): Promise<void> }): Promise<void> {
    try {
      await control.heartbeat();
    } catch (err) {
      const type = (err as { type?: string }).type;
      if ((type === 'UNKNOWN_MEMBER_ID' || type === 'ILLEGAL_GENERATION') && !this.stopping) {
        // Evicted (a session that timed out) or a stale generation: the member re-joins and its
        // tasks may have moved. No user handler is involved; errors$ still hears of it. Nothing is
        // committed (this member no longer owns the partitions), and every task is closed dirty
        // before the next assignment is applied (issue 12, problem 1).
        manager.markMembershipLost(`${type} on heartbeat`);
        this.errorSubject.next(
          new StreamsError(`this member left its group's generation (${type}); re-joining`, { category: 'task-migrated', action: 'rejoining', cause: err }),
        );
        throw err;
      }
      if (isRebalanceError(err) && !this.stopping) {
        await this.locked(() => manager.commitAll()).catch((e: unknown) => {
          this.config.logger.info(`commit before rebalance failed: ${(e as Error).message}`);
        });
      }
      throw err;
    }
  }

  /**
   * Waits until the gained tasks are restored. kafkajs heartbeats only from its fetch loop, which is
   * blocked here, so a long restore keeps the membership alive by heartbeating as it waits.
   */
  private async waitForAssignment(control: { heartbeat(): Promise<void> }): Promise<void> {
    let settled = false;
    const pending = this.assignmentDone.finally(() => (settled = true));
    await Promise.race([pending, new Promise((r) => setImmediate(r))]);
    if (settled) return;
    const beat = setInterval(() => void control.heartbeat().catch(() => undefined), this.config.consumer.heartbeatIntervalMs);
    try {
      await pending;
    } finally {
      clearInterval(beat);
    }
  }

  private onRebalancing(manager: TaskManager): void {
    if (this.stopping) return;
    this.rebalanceStartedAt ??= Date.now();
    this.setState('REBALANCING');
    // Best effort: the member is re-joining; offsets for the old generation may still be accepted.
    void this.locked(async () => {
      if (!this.stopping) await manager.commitAll();
    }).catch(() => undefined);
  }

  private onGroupJoin(manager: TaskManager, assignment: TopicPartition[], memberId: string, userData: Buffer | undefined): void {
    const started = this.rebalanceStartedAt ?? Date.now();
    this.metadataState.onAssignment(TaskAssignor.assignedHosts(userData));
    // Not awaited by kafkajs: batches wait on this promise before touching tasks.
    this.assignmentDone = this.locked(async () => {
      if (this.stopping) return;
      const { gained, lost } = await manager.applyAssignment(assignment, memberId, userData);
      // kafkajs re-joins after an eviction without a REBALANCING event: the app is not RUNNING
      // while the tasks it was given restore.
      if (manager.restoringTaskIds().length > 0) this.setState('REBALANCING');
      // Gained tasks restore in the background while the others process: the rebalance ends, and
      // the app is RUNNING, once every task is restored (onRestored).
      const previous = this.pendingRebalance;
      this.pendingRebalance = {
        started: Math.min(started, previous?.started ?? started),
        gained: [...new Set([...(previous?.gained ?? []), ...gained])].filter((id) => !lost.includes(id)),
        lost: [...new Set([...(previous?.lost ?? []), ...lost])],
      };
      this.onRestored(manager);
    }).catch((err: unknown) => this.onFatal(err instanceof Error ? err : new Error(String(err))));
  }

  /** Ends the rebalance in hand once no task is restoring any more: the app is RUNNING. */
  private onRestored(manager: TaskManager): void {
    const pending = this.pendingRebalance;
    if (pending === undefined || this.stopping || manager !== this.manager) return;
    if (manager.restoringTaskIds().length > 0) return;
    this.pendingRebalance = undefined;
    const durationMs = Date.now() - pending.started;
    this.rebalanceStartedAt = undefined;
    this.rebalances++;
    this.rebalanceTimeMs += durationMs;
    this.rebalanceLatency.record(durationMs);
    this.lastRebalanceAt = Date.now();
    const tasks = manager.ownedTaskIds();
    this.config.logger.info(`rebalance done in ${durationMs} ms: tasks ${tasks.join(', ') || 'none'}${pending.gained.length > 0 ? `; gained ${pending.gained.join(', ')}` : ''}${pending.lost.length > 0 ? `; lost ${pending.lost.join(', ')}` : ''}`, {
      durationMs,
      tasks,
      gained: pending.gained,
      lost: pending.lost,
    });
    this.rebalanceSubject.next({ durationMs, gained: pending.gained, lost: pending.lost, tasks });
    this.setState('RUNNING');
  }

  /**
   * The group consumer crashed. kafkajs restarts it itself after a retriable failure (a broker down,
   * a coordinator moving): the app is not RUNNING until it has re-joined, and if it cannot re-join
   * within `taskTimeoutMs` the failure is fatal. A crash kafkajs does not restart from is fatal.
   */
  private onConsumerCrash(error: Error, restart: boolean): void {
    if (!restart) {
      this.onFatal(new StreamsError(`the consumer stopped: ${error.message}`, { category: 'fatal', action: 'fatal', cause: error }));
      return;
    }
    const now = Date.now();
    this.consumerDownSince ??= now;
    this.lastConsumerCrashAt = now;
    this.consumerCrashes++;
    this.manager?.log.warn(`the consumer crashed with a retriable error and restarts: ${error.message}`);
    this.errorSubject.next(new StreamsError(`the consumer restarts: ${error.message}`, { category: 'retriable', action: 'restarted', cause: error }));
    if (this.state === 'RUNNING') this.setState('REBALANCING');
    this.rebalanceStartedAt ??= now;
    this.lastConsumerError = error;
    this.checkConsumerDeadline(now);
  }

  /** A consumer that has not re-joined its group within taskTimeoutMs since it first crashed is a fatal failure. */
  private checkConsumerDeadline(now: number): void {
    if (this.consumerDownSince === undefined) return;
    // A re-join alone does not end the run of crashes: a consumer that joins and then fails every
    // fetch would flap between REBALANCING and RUNNING forever. The run ends when records flow
    // (onBatch) or the consumer has gone a while without crashing while RUNNING.
    if (this.state === 'RUNNING' && now - this.lastConsumerCrashAt >= this.consumerStableMs()) {
      this.consumerUp();
      return;
    }
    if (now - this.consumerDownSince < this.config.taskTimeoutMs) return;
    const cause = this.lastConsumerError ?? new Error('the consumer did not re-join its group');
    const attempts = this.consumerCrashes;
    this.consumerUp();
    this.onFatal(
      new TaskTimeoutError(undefined, this.config.taskTimeoutMs, attempts, new Error(`the consumer could not re-join its group and fetch: ${cause.message}`)),
    );
  }

  /** How long a restarted consumer must go without crashing to count as recovered. */
  private consumerStableMs(): number {
    const c = this.config.consumer;
    return Math.max(1_000, 3 * c.heartbeatIntervalMs, 2 * c.maxWaitTimeMs);
  }

  /** The consumer works again: its run of crashes is over. */
  private consumerUp(): void {
    this.consumerDownSince = undefined;
    this.consumerCrashes = 0;
  }

  private async onTick(): Promise<void> {
    if (this.stopping || this.manager === undefined) return;
    const manager = this.manager;
    manager.noteAlive(Date.now());
    this.checkConsumerDeadline(Date.now());
    try {
      await this.locked(async () => {
        if (this.stopping || manager !== this.manager) return;
        const now = Date.now();
        manager.punctuateWallClock(now);
        await manager.processIdleTasks(now);
        if (manager.commitDue(now)) await manager.commitAll({ pipelined: true });
        await manager.reopenFencedTasks();
        await manager.retryDueTasks();
      });
    } catch (err) {
      if (isRebalanceError(err)) return;
      this.onFatal(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /**
   * A fatal error: the uncaught-exception handler decides (Kafka Streams' KIP-671). REPLACE_THREAD
   * rebuilds the processing loop and its clients; SHUTDOWN_CLIENT stops this instance in ERROR.
   */
  private onFatal(err: Error, forced?: UncaughtExceptionResponse, global = false): void {
    if (this.fatalError !== undefined || this.closing !== undefined || this.stopping) return;
    const error = err instanceof StreamsError ? err : new StreamsError(err.message, { category: 'fatal', action: 'fatal', cause: err });
    let answer: UncaughtExceptionResponse = forced ?? 'SHUTDOWN_CLIENT';
    if (forced === undefined) {
      try {
        answer = this.config.uncaughtExceptionHandler(err);
      } catch (handlerErr) {
        this.config.logger.error(`the uncaughtExceptionHandler threw (${(handlerErr as Error).message}); shutting down`);
      }
      if (answer !== 'REPLACE_THREAD' && answer !== 'SHUTDOWN_CLIENT') {
        this.config.logger.error(`the uncaughtExceptionHandler answered ${String(answer)}; shutting down`);
        answer = 'SHUTDOWN_CLIENT';
      }
      if (global && answer === 'REPLACE_THREAD') {
        // As Kafka Streams' global thread: the global store reader is not replaced.
        this.config.logger.error('the global store reader failed and cannot be replaced (REPLACE_THREAD); shutting down');
        answer = 'SHUTDOWN_CLIENT';
      }
    }
    // errors$ sees the error as it came (a ProcessingError stays one), with its category.
    this.errorSubject.next(err instanceof StreamsError ? err : error);
    if (answer === 'REPLACE_THREAD') {
      this.threadReplacements++;
      this.config.logger.error(`fatal error, replacing the processing loop (replacement ${this.threadReplacements}): ${err.message}`);
      this.replacing = this.replaceThread().catch((replaceErr: unknown) => {
        this.replacing = undefined;
        this.onFatal(replaceErr instanceof Error ? replaceErr : new Error(String(replaceErr)), 'SHUTDOWN_CLIENT');
      });
      return;
    }
    this.fatalError = err;
    this.config.logger.error(`stopping after a fatal error: ${err.message}`);
    // A record that failed under the 'fail' handler: at-most/at-least-once commit what was done
    // before it, so a restart resumes at that record; exactly-once aborts the open transactions.
    const commitFirst = err instanceof ProcessingError && this.config.processingGuarantee !== 'exactly_once';
    this.closing = this.shutdown(false, commitFirst);
  }

  /** A new shared producer in place of one that lost its producer id or sequence (at-most/at-least-once). */
  private async renewSharedProducer(): Promise<ProducerPort> {
    const old = this.sharedProducer;
    const producer = this.client!.producer(producerOptions(this.config));
    try {
      await producer.connect();
    } catch (err) {
      void producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.sharedProducer = producer;
    void bounded(old?.disconnect() ?? Promise.resolve(), CLOSE_STEP_MS, 'old producer disconnect').catch(() => undefined);
    return producer;
  }

  /** REPLACE_THREAD: close every task without committing, drop the loop's clients and build them again. */
  private async replaceThread(): Promise<void> {
    const manager = this.manager;
    const consumer = this.consumer;
    const producer = this.sharedProducer;
    this.generation++;
    this.rebalanceStartedAt = Date.now();
    this.setState('REBALANCING');
    const log = (what: string) => (err: unknown) => this.config.logger.warn(`${what} failed while replacing the loop: ${(err as Error)?.message}`);
    await this.lockedWithin(CLOSE_STEP_MS, async () => {
      await manager?.closeAll(false).catch(log('closing tasks'));
    });
    await bounded(consumer?.disconnect() ?? Promise.resolve(), CLOSE_STEP_MS, 'consumer disconnect').catch(log('consumer disconnect'));
    await bounded(producer?.disconnect() ?? Promise.resolve(), CLOSE_STEP_MS, 'producer disconnect').catch(log('producer disconnect'));
    this.sharedProducer = undefined;
    this.assignmentDone = Promise.resolve();
    this.consumerUp();
    if (this.stopping) return;
    await this.startLoop();
    this.replacing = undefined;
  }

  /** Starts the periodic topic check of the pattern sources, if the topology has any. */
  private watchPatternTopics(admin: AdminPort): void {
    const { config } = this;
    this.patternWatch = new PatternTopicWatch({
      topology: this.topology,
      applicationId: config.applicationId,
      intervalMs: config.metadataMaxAgeMs,
      timeoutMs: config.requestTimeoutMs,
      listTopics: () => admin.listTopics(),
      onChange: (changes) => this.onPatternTopicsChanged(changes),
      logger: config.logger,
    });
    this.patternWatch.start();
  }

  /**
   * Topics that pattern sources match were created or deleted: the member re-subscribes, and while
   * it does, closing waits for it as for a replaced loop.
   */
  private async onPatternTopicsChanged(changes: readonly PatternSourceChange[]): Promise<void> {
    if (this.stopping || this.replacing !== undefined || this.manager === undefined || this.fatalError !== undefined) return;
    for (const c of changes) {
      const what = [c.added.length > 0 ? `added ${c.added.join(', ')}` : '', c.removed.length > 0 ? `removed ${c.removed.join(', ')}` : ''].filter(Boolean).join('; ');
      this.config.logger.info(`pattern source '${c.source}' ${String(c.pattern)}: topics ${what}; re-subscribing`, { source: c.source, added: c.added, removed: c.removed });
    }
    const run = this.resubscribe(changes);
    this.replacing = run;
    try {
      await run;
    } catch (err) {
      // A new topic that breaks co-partitioning or its store's changelog fails as it does at start.
      this.replacing = undefined;
      this.onFatal(err instanceof Error ? err : new Error(String(err)), 'SHUTDOWN_CLIENT');
      return;
    }
    if (this.replacing === run) this.replacing = undefined;
  }

  /**
   * Re-subscribes the group member to the topics its pattern sources match now. kafkajs cannot
   * change a running consumer's subscription (subscribe() throws once run() was called, and a
   * kafkajs consumer never forgets a topic it subscribed to, deleted or not), so the member leaves
   * the group and a new group consumer joins with the new subscription, as a rebalance: the work in
   * hand is committed (exactly_once: the tasks' transactions committed) and every task closed
   * clean while still a member of the generation, exactly as before a rebalance; then the group
   * rebalances, and the assignor makes the tasks of the new topics' partitions. The topics are
   * checked first as at start (co-partitioning, changelog partition counts): a TopologyError is
   * fatal, as it is at start; a broker that does not answer leaves the subscription as it was, for
   * the next check.
   */
  private async resubscribe(changes: readonly PatternSourceChange[]): Promise<void> {
    const { config, topology } = this;
    const manager = this.manager!;
    const consumer = this.consumer;
    const producer = this.sharedProducer;
    const admin = this.admin!;
    const before = new Map(topology.nodeDefs().flatMap((n) => (n.kind === 'source' ? [[n.name, n.topics] as const] : [])));
    const undo = changes.map((c) => ({ ...c, topics: before.get(c.source) ?? [], added: c.removed, removed: c.added }));
    const log = (what: string) => (err: unknown) => this.config.logger.warn(`${what} failed while re-subscribing: ${(err as Error)?.message}`);
    let counts: Map<string, number> | undefined;
    // Each call below is bounded, so the lock is too.
    await this.locked(async () => {
      if (this.stopping || manager !== this.manager) return;
      topology.applyPatternSourceChanges(changes);
      try {
        counts = await bounded(createInternalTopics(admin, topology, config, this.topicName), config.requestTimeoutMs, 'checking the topics of the new subscription');
      } catch (err) {
        topology.applyPatternSourceChanges(undo);
        if (err instanceof TopologyError) throw err;
        config.logger.warn(`re-subscribing waits for the next topic check: ${(err as Error).message}`);
        return;
      }
      // From here on the old consumer's batches and group events are ignored (see startLoop).
      this.generation++;
      this.rebalanceStartedAt ??= Date.now();
      this.setState('REBALANCING');
      await bounded(manager.commitAll(), CLOSE_STEP_MS, 'the commit before re-subscribing').catch(log('the commit'));
      await bounded(manager.closeAll(true), CLOSE_STEP_MS, 'closing the tasks before re-subscribing').catch(log('closing the tasks'));
    });
    if (counts === undefined || this.stopping) return;
    for (const t of changes.flatMap((c) => c.removed)) this.partitionCounts.delete(t);
    for (const [t, n] of counts) this.partitionCounts.set(t, n);
    // Leaves the group; after it, the old consumer reports nothing more.
    await bounded(consumer?.disconnect() ?? Promise.resolve(), CLOSE_STEP_MS, 'consumer disconnect').catch(log('consumer disconnect'));
    // An assignment the old consumer got before it left may have re-opened tasks meanwhile.
    await this.locked(() => bounded(manager.closeAll(true), CLOSE_STEP_MS, 'closing the tasks').catch(log('closing the tasks')));
    await bounded(producer?.disconnect() ?? Promise.resolve(), CLOSE_STEP_MS, 'producer disconnect').catch(log('producer disconnect'));
    this.sharedProducer = undefined;
    this.assignmentDone = Promise.resolve();
    if (this.stopping) return;
    const retries = new TaskRetries({ taskTimeoutMs: config.taskTimeoutMs, initialMs: config.retry.initialRetryTimeMs, maxMs: config.retry.maxRetryTimeMs });
    await this.retryAtStart(retries, () => this.startLoop());
    if (this.manager !== undefined && this.manager !== manager) this.manager.carryCountsFrom(manager);
  }

  /**
   * Runs `fn` once the lock is free, or after `ms` anyway: closing must not wait forever behind a
   * call that hangs (issue 11, problem 1).
   */
  private async lockedWithin(ms: number, fn: () => Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
    const run = this.locked(fn);
    const first = await Promise.race([run.then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') {
      this.config.logger.error(`closing waited ${ms} ms for work in progress; closing anyway`);
      await fn();
    }
  }

  private async shutdown(clean: boolean, commitFirst = clean): Promise<void> {
    this.stopping = true;
    const closingAt = Date.now();
    if (clean) this.config.logger.info('closing: last commit, then leaving the group');
    if (this.state !== 'ERROR') this.setState(clean ? 'PENDING_SHUTDOWN' : 'PENDING_ERROR');
    if (this.timer !== undefined) clearInterval(this.timer);
    this.patternWatch?.stop();
    await this.replacing?.catch(() => undefined);
    const log = (what: string) => (err: unknown) => this.config.logger.warn(`${what} failed during close`, { error: (err as Error)?.message });
    // Each step is bounded: a broker that is down, or a call that never returns, must not keep the
    // app (and the process) from ending.
    // Commit and close the tasks while still a group member (at-least-once commits need the current
    // generation, and checkpoints are written before anyone else can own the tasks), then leave.
    await this.lockedWithin(CLOSE_STEP_MS, async () => {
      if (commitFirst && this.manager !== undefined) await bounded(this.manager.commitAll(), CLOSE_STEP_MS, 'the last commit').catch(log('commit'));
    });
    await this.lockedWithin(CLOSE_STEP_MS, async () => {
      await bounded(this.manager?.closeAll(clean) ?? Promise.resolve(), CLOSE_STEP_MS, 'closing tasks').catch(log('closing tasks'));
    });
    await bounded(this.consumer?.disconnect() ?? Promise.resolve(), CLOSE_STEP_MS, 'consumer disconnect').catch(log('consumer disconnect'));
    // After the tasks, which read the global stores.
    await bounded(this.global?.close() ?? Promise.resolve(), CLOSE_STEP_MS, 'closing the global stores').catch(log('closing the global stores'));
    await bounded(this.sharedProducer?.disconnect() ?? Promise.resolve(), CLOSE_STEP_MS, 'producer disconnect').catch(log('producer disconnect'));
    await bounded(this.admin?.disconnect() ?? Promise.resolve(), CLOSE_STEP_MS, 'admin disconnect').catch(log('admin disconnect'));
    this.manager?.log.flush();
    // Last, once the stores are closed: another instance may open them from now on.
    await this.stateDirLock?.release().catch(log('releasing the stateDir lock'));
    this.stateDirLock = undefined;
    this.config.logger.info(`closed in ${Date.now() - closingAt} ms: ${this.fatalError === undefined ? 'NOT_RUNNING' : 'ERROR'}`, { processed: this.manager?.recordsProcessed() ?? 0 });
    this.setState(this.fatalError === undefined ? 'NOT_RUNNING' : 'ERROR');
    this.stateSubject.complete();
    this.rebalanceSubject.complete();
    this.errorSubject.complete();
  }

  private setState(state: StreamsAppState): void {
    if (this.stateSubject.value === state || this.stateSubject.closed) return;
    this.stateSubject.next(state);
  }
}

// util.inspect(app) and JSON.stringify(app) show its id, state and config, never a secret (docs/security.md).
printAppRedacted(StreamsApp);
