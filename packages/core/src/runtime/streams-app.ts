import { BehaviorSubject, Observable, Subject } from 'rxjs';
import type { AdminPort, ConsumerPort, KafkaClientPort, ProducerPort, TopicPartition } from '../client/kafka-port.js';
import { isRebalanceError } from '../client/kafka-port.js';
import type { StreamsConfig, ResolvedStreamsConfig } from '../config/streams-config.js';
import { resolveConfig } from '../config/validate.js';
import type { ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { ReadOnlySessionStore } from '../state/session-store.js';
import type { StateStore } from '../state/state-store.js';
import type { ValueAndTimestamp } from '../state/value-and-timestamp.js';
import type { ReadOnlyWindowStore } from '../state/window-store.js';
import { checkDefaultSerdes } from '../topology/default-serdes.js';
import type { Topology } from '../topology/topology.js';
import { assertCompressionAvailable } from '../client/kafkajs-client.js';
import { consumerSettings, createKafkajsClient, producerOptions } from './client-options.js';
import { createInternalTopics } from './internal-topics.js';
import {
  assertStoreKind,
  compositeKeyValueStore,
  compositeSessionStore,
  compositeTimestampedWindowStore,
  compositeWindowStore,
  type QueryableStoreKind,
} from './composite-store.js';
import { ProcessingError } from '../errors/processing-error.js';
import { TaskAssignor } from './task-assignor.js';
import { TaskManager } from './task-manager.js';

/**
 * The life of an app: CREATED -> REBALANCING -> RUNNING (and back to REBALANCING on every group
 * change) -> PENDING_SHUTDOWN -> NOT_RUNNING, or ERROR after a fatal failure.
 */
export type StreamsAppState = 'CREATED' | 'REBALANCING' | 'RUNNING' | 'PENDING_SHUTDOWN' | 'NOT_RUNNING' | 'ERROR';

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
}

/** Counters of a running app. */
export interface StreamsMetrics {
  /** The app's state now. */
  readonly state: StreamsAppState;
  /** Ids of the tasks this instance runs now. */
  readonly tasks: readonly string[];
  /** Records processed by this instance since it started, across all its tasks. */
  readonly recordsProcessed: number;
  /** Commits made by this instance since it started (each covers all its tasks). */
  readonly commits: number;
  /** Rebalances this instance completed. */
  readonly rebalances: number;
  /** Total time spent in those rebalances, in ms. */
  readonly rebalanceTimeMsTotal: number;
  /** Per task this instance runs now. */
  readonly taskMetrics: readonly TaskMetrics[];
}

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
 */
export class StreamsApp {
  /** The configuration in use: the options given, validated, with every default filled in. */
  readonly config: ResolvedStreamsConfig;
  private readonly stateSubject = new BehaviorSubject<StreamsAppState>('CREATED');
  private readonly rebalanceSubject = new Subject<RebalanceEvent>();
  private readonly errorSubject = new Subject<Error>();
  /** The app's state as it changes. */
  readonly state$: Observable<StreamsAppState> = this.stateSubject.asObservable();
  /** Each completed rebalance: tasks gained and lost, and how long it took. */
  readonly rebalances$: Observable<RebalanceEvent> = this.rebalanceSubject.asObservable();
  /** Errors: fatal ones (the app goes to ERROR) and those it recovers from (a failed transaction). */
  readonly errors$: Observable<Error> = this.errorSubject.asObservable();

  private client: KafkaClientPort | undefined;
  private admin: AdminPort | undefined;
  private consumer: ConsumerPort | undefined;
  private sharedProducer: ProducerPort | undefined;
  private manager: TaskManager | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private assignmentDone: Promise<void> = Promise.resolve();
  private rebalanceStartedAt: number | undefined;
  private rebalances = 0;
  private rebalanceTimeMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private closing: Promise<void> | undefined;
  private fatal: Error | undefined;

  constructor(
    /** The topology the app runs. */
    readonly topology: Topology,
    config: StreamsConfig,
    private readonly clientFactory: (config: ResolvedStreamsConfig) => KafkaClientPort = createKafkajsClient,
  ) {
    this.config = resolveConfig(config);
    if (clientFactory === createKafkajsClient) assertCompressionAvailable(this.config.producer.compression);
    if (topology.nodeDefs().length === 0) throw new Error('the topology has no nodes: add a source first');
    checkDefaultSerdes(topology, { key: this.config.defaultKeySerde, value: this.config.defaultValueSerde });
  }

  /** The app's state now; `state$` emits each change. */
  get state(): StreamsAppState {
    return this.stateSubject.value;
  }

  /**
   * Starts processing. Resolves once the app has joined its consumer group; the first assignment's
   * tasks are restored before they process. Rejects if the topics are not usable (a source topic is
   * missing, co-partitioned topics differ in partition count) or the brokers cannot be reached.
   */
  async start(): Promise<void> {
    if (this.state !== 'CREATED') throw new Error(`start() was called in state ${this.state}; an app starts once`);
    const { config, topology } = this;
    this.setState('REBALANCING');
    this.rebalanceStartedAt = Date.now();
    try {
      this.client = this.clientFactory(config);
      this.admin = this.client.admin();
      await this.admin.connect();
      const topicName = (name: string): string =>
        topology.internalTopicDefs().has(name) ? `${config.applicationId}-${name}` : name;
      if (topology.hasUnresolvedPatterns()) topology.resolveSourcePatterns(await this.admin.listTopics(), config.applicationId);
      const partitionCounts = await createInternalTopics(this.admin, topology, config, topicName);
      const eos = config.processingGuarantee === 'exactly_once';
      if (!eos) {
        this.sharedProducer = this.client.producer(producerOptions(config));
        await this.sharedProducer.connect();
      }
      const sourceTopics = topology.subTopologies().flatMap((s) => s.sourceTopics.map(topicName));
      const assignor = new TaskAssignor(
        () => topology.subTopologies().map((s) => ({ id: s.id, sourceTopics: s.sourceTopics.map(topicName) })),
        () => this.manager?.ownedTaskIds() ?? [],
      );
      this.consumer = this.client.consumer({
        ...consumerSettings(config),
        groupId: config.applicationId,
        readCommitted: config.consumer.isolationLevel === 'read_committed',
        fromBeginning: config.consumer.autoOffsetReset === 'earliest',
        assignor,
      });
      this.manager = new TaskManager({
        config,
        topology,
        client: this.client,
        admin: this.admin,
        consumer: this.consumer,
        sharedProducer: this.sharedProducer,
        topicName,
        partitionCounts,
        onFatal: (error) => this.failWith(error),
      });
      await this.consumer.connect();
      await this.consumer.subscribe(sourceTopics);
      await this.consumer.run((batch, control) => this.onBatch(batch, control), {
        onGroupJoin: (assignment) => this.onGroupJoin(assignment),
        onRebalancing: () => this.onRebalancing(),
        onCrash: (error, restart) => {
          this.errorSubject.next(error);
          if (!restart) this.failWith(error);
        },
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.failWith(error);
      await this.closing;
      throw error;
    }
    const tick = Math.max(10, Math.min(config.commitIntervalMs, 1000));
    this.timer = setInterval(() => void this.onTick(), tick);
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
   * The local instances of a key-value store, queryable while the app runs (interactive queries).
   * Reads see the tasks this instance runs now. Window and session stores are read with
   * {@link StreamsApp.windowStore} and {@link StreamsApp.sessionStore}.
   *
   * @example
   * app.store<string, bigint>('word-counts').get('kafka'); // 3n
   */
  store<K, V>(name: string): ReadOnlyKeyValueStore<K, V> {
    return compositeKeyValueStore<K, V>(name, this.queryableInstances(name, 'key-value'));
  }

  /**
   * The local instances of a window store, e.g. a windowed aggregation's, queryable while the app
   * runs. The DSL keeps each aggregate with the timestamp of its newest record: this view shows the
   * aggregates alone ({@link StreamsApp.timestampedWindowStore} shows both). Reads see the tasks this
   * instance runs now.
   *
   * @example
   * // count({ store: 'clicks-per-minute' }) over TimeWindows.ofSizeAndGrace(60_000, 10_000)
   * const clicks = app.windowStore<string, bigint>('clicks-per-minute');
   * clicks.fetch('user-1', 120_000); // the count of user-1 in [120 s, 180 s), or undefined
   * for (const { key: start, value } of clicks.fetch('user-1', 0, Date.now())) console.log(start, value);
   */
  windowStore<K, V>(name: string): ReadOnlyWindowStore<K, V> {
    return compositeWindowStore<K, V>(name, this.queryableInstances(name, 'window'), 'without-timestamps');
  }

  /** A timestamped window store (the DSL's windowed aggregations): each value with the timestamp of the newest record in its window. */
  timestampedWindowStore<K, V>(name: string): ReadOnlyWindowStore<K, ValueAndTimestamp<V>> {
    return compositeTimestampedWindowStore<K, V>(name, this.queryableInstances(name, 'window'));
  }

  /**
   * The local instances of a session store, e.g. a session-windowed aggregation's, queryable while
   * the app runs. Reads see the tasks this instance runs now.
   *
   * @example
   * for (const { key: session, value } of app.sessionStore<string, bigint>('clicks-per-session').fetch('user-1')) {
   *   console.log(session.window.start, session.window.end, value);
   * }
   */
  sessionStore<K, V>(name: string): ReadOnlySessionStore<K, V> {
    return compositeSessionStore<K, V>(name, this.queryableInstances(name, 'session'));
  }

  /** Checks the store exists and is of the kind asked for; returns its local instances, read at each query. */
  private queryableInstances(name: string, kind: QueryableStoreKind): () => StateStore[] {
    const builder = this.topology.stores().get(name);
    if (builder === undefined) throw new Error(`the topology has no state store named '${name}'`);
    assertStoreKind(name, builder, kind);
    return () => this.manager?.storeInstances(name) ?? [];
  }

  /** The app's counters now: state, tasks, records processed, commits, rebalances. */
  metrics(): StreamsMetrics {
    return {
      state: this.state,
      tasks: this.manager?.ownedTaskIds() ?? [],
      recordsProcessed: this.manager?.recordsProcessed() ?? 0,
      commits: this.manager?.commits ?? 0,
      rebalances: this.rebalances,
      rebalanceTimeMsTotal: this.rebalanceTimeMs,
      taskMetrics: [...(this.manager?.tasks.values() ?? [])].map(({ task }) => ({ taskId: task.id, recordsProcessed: task.processedCount })),
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

  /** Serializes everything that touches tasks: batches, commits, punctuators, assignments. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async onBatch(batch: Parameters<TaskManager['processBatch']>[0], control: { heartbeat(): Promise<void>; isStale(): boolean }) {
    if (this.stopping) return;
    await this.waitForAssignment(control);
    const manager = this.manager!;
    // A fetched batch can hold thousands of records (up to maxBytesPerPartition): it is processed in
    // slices of at most MAX_RECORDS_PER_SLICE, Kafka's max.poll.records default, and between slices
    // the commit interval is honored and the membership kept alive. Without it, exactly_once under
    // load committed once per fetch instead of every commitIntervalMs.
    const records = batch.records;
    for (let from = 0; from === 0 || from < records.length; from += MAX_RECORDS_PER_SLICE) {
      const slice = records.length <= MAX_RECORDS_PER_SLICE ? batch : { ...batch, records: records.slice(from, from + MAX_RECORDS_PER_SLICE) };
      try {
        await this.locked(async () => {
          if (this.stopping) return;
          await manager.processBatch(slice, control.isStale, () => control.heartbeat());
          if (manager.commitDue(Date.now())) await manager.commitAll();
        });
      } catch (err) {
        // A heartbeat inside the batch found the group rebalancing or this member evicted: the client
        // re-joins. Anything else is fatal.
        if (isRebalanceError(err)) throw err;
        this.failWith(err instanceof Error ? err : new Error(String(err)));
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
      if (isRebalanceError(err) && !this.stopping) {
        await this.locked(() => manager.commitAll()).catch((e: unknown) => {
          this.config.logger.warn('commit before rebalance failed', { error: (e as Error).message });
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

  private onRebalancing(): void {
    if (this.stopping) return;
    this.rebalanceStartedAt ??= Date.now();
    this.setState('REBALANCING');
    // Best effort: the member is re-joining; offsets for the old generation may still be accepted.
    void this.locked(async () => {
      if (!this.stopping) await this.manager?.commitAll();
    }).catch(() => undefined);
  }

  private onGroupJoin(assignment: TopicPartition[]): void {
    const started = this.rebalanceStartedAt ?? Date.now();
    // Not awaited by kafkajs: batches wait on this promise before touching tasks.
    this.assignmentDone = this.locked(async () => {
      if (this.stopping) return;
      const { gained, lost } = await this.manager!.applyAssignment(assignment);
      const durationMs = Date.now() - started;
      this.rebalanceStartedAt = undefined;
      this.rebalances++;
      this.rebalanceTimeMs += durationMs;
      this.rebalanceSubject.next({ durationMs, gained, lost, tasks: this.manager!.ownedTaskIds() });
      if (!this.stopping) this.setState('RUNNING');
    }).catch((err: unknown) => this.failWith(err instanceof Error ? err : new Error(String(err))));
  }

  private async onTick(): Promise<void> {
    if (this.stopping || this.manager === undefined) return;
    const manager = this.manager;
    try {
      await this.locked(async () => {
        if (this.stopping) return;
        const now = Date.now();
        manager.punctuateWallClock(now);
        if (manager.commitDue(now)) await manager.commitAll();
        await manager.reopenFencedTasks();
      });
    } catch (err) {
      if (isRebalanceError(err)) return;
      this.failWith(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private failWith(error: Error): void {
    if (this.fatal !== undefined || this.closing !== undefined) return;
    this.fatal = error;
    this.config.logger.error(`stopping after a fatal error: ${error.message}`);
    this.errorSubject.next(error);
    // A record that failed under the 'fail' handler: at-most/at-least-once commit what was done
    // before it, so a restart resumes at that record; exactly-once aborts the open transactions.
    const commitFirst = error instanceof ProcessingError && this.config.processingGuarantee !== 'exactly_once';
    this.closing = this.shutdown(false, commitFirst);
  }

  private async shutdown(clean: boolean, commitFirst = clean): Promise<void> {
    this.stopping = true;
    if (this.state !== 'ERROR') this.setState(clean ? 'PENDING_SHUTDOWN' : 'ERROR');
    if (this.timer !== undefined) clearInterval(this.timer);
    const log = (what: string) => (err: unknown) => this.config.logger.warn(`${what} failed during close`, { error: (err as Error)?.message });
    // Commit while still a group member (at-least-once commits need the current generation), then leave.
    await this.locked(async () => {
      if (commitFirst && this.manager !== undefined) await this.manager.commitAll().catch(log('commit'));
    });
    await this.consumer?.disconnect().catch(log('consumer disconnect'));
    await this.locked(async () => {
      await this.manager?.closeAll(clean).catch(log('closing tasks'));
    });
    await this.sharedProducer?.disconnect().catch(log('producer disconnect'));
    await this.admin?.disconnect().catch(log('admin disconnect'));
    this.setState(this.fatal === undefined ? 'NOT_RUNNING' : 'ERROR');
    this.stateSubject.complete();
    this.rebalanceSubject.complete();
  }

  private setState(state: StreamsAppState): void {
    if (this.stateSubject.value === state || this.stateSubject.closed) return;
    this.stateSubject.next(state);
  }
}
