import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Headers } from '@rivulet/serde';
import type { AdminPort, ConsumerPort, FetchedBatch, KafkaClientPort, OutgoingRecord, ProducerPort } from '../../../client/internals/kafka-port.js';
import { choosePartition, defaultPartitioner, type Partitioner } from '../../../client/partitioner.js';
import type { ResolvedStreamsConfig } from '../../../config/streams-config.js';
import { classifyError } from '../../../errors/error-classification.js';
import { StreamsError } from '../../../errors/streams-error.js';
import { TopologyError } from '../../../errors/topology-error.js';
import type { DroppedRecordCounts } from '../../../processor/dropped-record.js';
import type { RestorableStateStore, StateStore } from '../../../state/state-store.js';
import type { Topology } from '../../../topology/topology.js';
import { consumerSettings, producerOptions } from '../client-options.js';
import { sumDropped } from '../processing/dropped-records.js';
import { ErrorRouter } from '../processing/error-router.js';
import { StreamTask } from '../processing/stream-task.js';
import { SKIPPED_RECORD, type MaybeBytes, type RecordSink } from '../producing/record-collector.js';
import { TaskRetries, bounded } from '../tasks/task-retries.js';
import { GLOBAL_TASK_ID, openGlobalStores } from './global-stores.js';

/** What the updater needs from the app. */
export interface GlobalStateUpdaterOptions {
  readonly config: ResolvedStreamsConfig;
  readonly topology: Topology;
  readonly client: KafkaClientPort;
  readonly admin: AdminPort;
  /** A failure after the load that retries cannot cure: the app's uncaught-exception handler decides. */
  readonly onFatal: (error: Error) => void;
  /** Retriable failures, retried (what `app.errors$` shows). */
  readonly report: (error: StreamsError) => void;
}

/** One partition of a global topic: the task that applies it, and how far it got. */
interface GlobalPartition {
  readonly topic: string;
  readonly partition: number;
  readonly task: StreamTask;
  /** The next offset to apply: records before it are in the stores. */
  next: bigint;
  /** The end offset when the app started: the load is complete once every partition reached its own. */
  readonly end: bigint;
}

/**
 * Fills the global stores (Topology.addGlobalStore) from every partition of their topics and keeps
 * them up to date, outside of any task: Kafka Streams' GlobalStreamThread. `start()` resolves once
 * every partition was read to the end offset it had at the start (the app is not RUNNING before);
 * the reader then goes on applying new records while the app runs.
 *
 * kafkajs has no `assign()`: the reader is the one member of a throwaway consumer group (so it gets
 * every partition), never commits, and seeks each partition to the position the stores hold. It
 * reads read_committed under exactly_once. Each partition's records go through a task of the
 * global store's source and update processor (deserialization handler, processing handler, dropped
 * records as in any task). A broker failure, a reader crash or a load that stops moving for
 * `stallMs` is retriable: the reader is made again, with backoff, from where the stores are; a run
 * of failures longer than `taskTimeoutMs` is fatal, as is a record the handlers fail on.
 */
export class GlobalStateUpdater {
  /** The global stores, by name: open from `start()` until `close()`. */
  stores = new Map<string, StateStore & RestorableStateStore>();
  /** Records applied while loading (what `recordsRestored` counts), then while running. */
  recordsLoaded = 0;
  recordsApplied = 0;
  private readonly partitions = new Map<string, GlobalPartition>();
  private readonly retries: TaskRetries;
  private readonly deadLetters: OutgoingRecordDraft[] = [];
  private readonly partitioner = defaultPartitioner();
  private readonly stallMs: number;
  private consumer: ConsumerPort | undefined;
  private producer: ProducerPort | undefined;
  private generation = 0;
  private stopped = false;
  private loaded = false;
  private lastProgress = Date.now();
  private watchdog: NodeJS.Timeout | undefined;
  /** When the current reader joined its group; undefined before it did. */
  private joinedAt: number | undefined;
  private settleLoad: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private readonly startedAt = Date.now();

  constructor(private readonly options: GlobalStateUpdaterOptions) {
    const { config } = options;
    this.retries = new TaskRetries({ taskTimeoutMs: config.taskTimeoutMs, initialMs: config.retry.initialRetryTimeMs, maxMs: config.retry.maxRetryTimeMs });
    this.stallMs = Math.max(config.requestTimeoutMs, 2 * config.consumer.sessionTimeoutMs);
  }

  /** True until every global store holds its topic up to the end offsets read at the start. */
  get loading(): boolean {
    return !this.loaded;
  }

  /**
   * Opens the global stores, reads their topics' end offsets and starts the reader. Resolves once
   * the stores are loaded (or the updater was closed meanwhile); rejects with the failure that made
   * the load impossible (a missing topic, a fatal record, retriable failures past `taskTimeoutMs`).
   */
  async start(): Promise<void> {
    const { config, topology, admin } = this.options;
    const defaults = { key: config.defaultKeySerde, value: config.defaultValueSerde };
    const stores = await openGlobalStores(topology, join(config.stateDir, GLOBAL_TASK_ID), config.applicationId, defaults, Date.now);
    if (this.stopped) {
      // close() came while they opened: it saw none of them.
      for (const store of stores.values()) await store.close().catch(() => undefined);
      return;
    }
    this.stores = stores;
    const subs = topology.globalSubTopologies();
    const topics = subs.flatMap((s) => s.sourceTopics);
    const ranges = await this.retryingLoad(async () => {
      const counts = await bounded(admin.partitionCounts(topics), config.requestTimeoutMs, 'reading the global topics');
      const missing = topics.filter((t) => !counts.has(t));
      if (missing.length > 0) throw new TopologyError(`global store topic(s) ${missing.map((t) => `'${t}'`).join(', ')} do not exist: create them before starting the app`);
      const result = new Map<string, Awaited<ReturnType<AdminPort['offsetRange']>>>();
      for (const topic of topics) result.set(topic, await bounded(admin.offsetRange(topic), config.requestTimeoutMs, `reading the end offsets of ${topic}`));
      return result;
    });
    if (ranges === undefined) return;
    const router = new ErrorRouter(
      config.applicationId,
      { deserialization: config.deserializationExceptionHandler, processing: config.processingExceptionHandler, production: config.productionExceptionHandler },
      this.deadLetterSink(),
      config.logger,
      { report: this.options.report },
    );
    const nodes = topology.globalNodeDefs();
    for (const sub of subs) {
      const topic = sub.sourceTopics[0]!;
      for (const [partition, range] of ranges.get(topic)!) {
        const task = new StreamTask(`${GLOBAL_TASK_ID}-${-sub.id - 1}_${partition}`, sub, partition, {
          applicationId: config.applicationId,
          nodes,
          defaultSerdes: defaults,
          topicName: (name) => name,
          collector: this.deadLetterSink(),
          errors: router,
          stores: this.stores,
          requestCommit: () => undefined,
          logger: config.logger,
        });
        task.initProcessors();
        const low = BigInt(range.low);
        this.partitions.set(`${topic}:${partition}`, { topic, partition, task, next: low, end: BigInt(range.high) });
      }
    }
    // close() while the tasks were made: nothing to wait for.
    if (this.stopped) return;
    const load = new Promise<void>((resolve, reject) => (this.settleLoad = { resolve, reject }));
    this.checkLoaded();
    void this.supervise(topics);
    await load;
  }

  /** Stops the reader and closes the tasks and stores. Bounded; safe to call more than once. */
  async close(): Promise<void> {
    await this.stop();
    // The tasks stay listed: their dropped-record counts still show in app.metrics().
    for (const p of this.partitions.values()) p.task.close();
    for (const store of this.stores.values()) await store.close().catch(() => undefined);
  }

  /** Records the global stores' update processors dropped: the total and per reason. */
  droppedRecords(): DroppedRecordCounts {
    return sumDropped([...this.partitions.values()].map((p) => p.task.drops.snapshot()));
  }

  private async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.watchdog);
    // close() during the load: start() resolves, and the app, closing, does not go on.
    this.settleLoad?.resolve();
    const closeMs = this.options.config.requestTimeoutMs;
    await bounded(this.consumer?.disconnect() ?? Promise.resolve(), closeMs, 'global consumer disconnect').catch(() => undefined);
    await bounded(this.producer?.disconnect() ?? Promise.resolve(), closeMs, 'global producer disconnect').catch(() => undefined);
  }

  /** Runs a step of the load again after a retriable failure, with backoff, until taskTimeoutMs; undefined once stopped. */
  private async retryingLoad<T>(step: () => Promise<T>): Promise<T | undefined> {
    for (;;) {
      if (this.stopped) return undefined;
      try {
        const result = await step();
        this.retries.clear(GLOBAL_TASK_ID);
        return result;
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (classifyError(error) !== 'retriable') throw error;
        await this.backoff(error);
      }
    }
  }

  /** Waits out the backoff of a retriable failure; throws the TaskTimeoutError once failures last past taskTimeoutMs. */
  private async backoff(error: Error): Promise<void> {
    const delay = this.retries.failed(GLOBAL_TASK_ID, error);
    this.options.config.logger.warn(`the global store reader failed with a retriable error; trying again in ${delay} ms: ${error.message}`);
    this.options.report(new StreamsError(`global stores: ${error.message}`, { category: 'retriable', action: 'retrying', cause: error }));
    await new Promise((resolve) => setTimeout(resolve, delay));
  }

  /** Makes the reader, and makes it again after each retriable failure, until stopped or failed. */
  private async supervise(topics: readonly string[]): Promise<void> {
    while (!this.stopped) {
      const failure = await this.runReader(topics);
      if (this.stopped) return;
      // A reader that ran a while without failing ended the previous run of failures: this one
      // starts a new run (a quiet topic brings no records to say so otherwise).
      if (this.joinedAt !== undefined && Date.now() - this.joinedAt >= this.stableMs()) this.retries.clear(GLOBAL_TASK_ID);
      this.joinedAt = undefined;
      const consumer = this.consumer;
      this.consumer = undefined;
      clearInterval(this.watchdog);
      await bounded(consumer?.disconnect() ?? Promise.resolve(), this.options.config.requestTimeoutMs, 'global consumer disconnect').catch(() => undefined);
      if (classifyError(failure) !== 'retriable') {
        this.fail(failure);
        return;
      }
      try {
        await this.backoff(failure);
      } catch (timeout) {
        this.fail(timeout as Error);
        return;
      }
    }
  }

  /** One reader: resolves with the failure that ends it (or when stopped). */
  private runReader(topics: readonly string[]): Promise<Error> {
    const { config, client } = this.options;
    const generation = ++this.generation;
    return new Promise<Error>((resolve) => {
      const current = (): boolean => generation === this.generation && !this.stopped;
      const failed = (err: unknown): void => {
        if (!current()) return;
        this.generation++;
        resolve(err instanceof Error ? err : new Error(String(err)));
      };
      const consumer = client.consumer({
        ...consumerSettings(config),
        groupId: `${config.applicationId}-global-${randomBytes(6).toString('hex')}`,
        readCommitted: config.processingGuarantee === 'exactly_once' || config.consumer.isolationLevel === 'read_committed',
        fromBeginning: true,
      });
      this.consumer = consumer;
      this.lastProgress = Date.now();
      // A load that stops moving is retried; once loaded, a quiet topic is not a failure.
      this.watchdog = setInterval(() => {
        if (this.loaded || Date.now() - this.lastProgress < this.stallMs) return;
        failed(new StreamsError(`loading the global stores made no progress for ${this.stallMs} ms`, { category: 'retriable', action: 'retrying' }));
      }, Math.max(100, Math.min(1_000, Math.floor(this.stallMs / 4))));
      this.watchdog.unref?.();
      const run = async (): Promise<void> => {
        await bounded(consumer.connect(), config.requestTimeoutMs, 'global consumer connect');
        if (!current()) return;
        await bounded(consumer.subscribe(topics), config.requestTimeoutMs, 'global consumer subscribe');
        if (!current()) return;
        await consumer.run(
          async (batch) => {
            if (!current()) return;
            try {
              await this.apply(batch);
            } catch (err) {
              // A record the handlers fail on, or a dead letter that could not be sent.
              failed(err);
            }
          },
          {
            onGroupJoin: (assignment) => {
              if (!current()) return;
              this.lastProgress = Date.now();
              this.joinedAt ??= Date.now();
              for (const tp of assignment) {
                const p = this.partitions.get(`${tp.topic}:${tp.partition}`);
                if (p !== undefined) consumer.seek({ topic: tp.topic, partition: tp.partition, offset: p.next.toString() });
              }
            },
            onRebalancing: () => undefined,
            // The reader is made again from the stores' positions, whether or not the client would restart it.
            onCrash: (error) => failed(error),
            onBatchEnd: (topic, partition, lastOffset) => {
              if (!current()) return;
              // Transaction markers and aborted records move the position without reaching apply().
              const p = this.partitions.get(`${topic}:${partition}`);
              const next = BigInt(lastOffset) + 1n;
              if (p !== undefined && next > p.next) p.next = next;
              this.lastProgress = Date.now();
              this.checkLoaded();
            },
          },
        );
      };
      run().catch(failed);
    });
  }

  /** How long a reader must run without failing to count as recovered. */
  private stableMs(): number {
    const c = this.options.config.consumer;
    return Math.max(1_000, 3 * c.heartbeatIntervalMs, 2 * c.maxWaitTimeMs);
  }

  /** Applies one fetched batch through its partition's task: the records at or after the partition's position. */
  private async apply(batch: FetchedBatch): Promise<void> {
    const p = this.partitions.get(`${batch.topic}:${batch.partition}`);
    if (p === undefined) return;
    const fresh = batch.records.filter((r) => BigInt(r.offset) >= p.next);
    if (fresh.length === 0) return;
    const part: FetchedBatch = { ...batch, records: fresh };
    const decoded = await p.task.decode(part);
    p.task.process(part, decoded);
    // Dead letters go out before the position moves: a failure re-reads the batch (puts are idempotent).
    await this.flushDeadLetters();
    p.next = BigInt(fresh[fresh.length - 1]!.offset) + 1n;
    if (this.loaded) this.recordsApplied += fresh.length;
    else this.recordsLoaded += fresh.length;
    this.lastProgress = Date.now();
    this.retries.clear(GLOBAL_TASK_ID);
    this.checkLoaded();
  }

  private checkLoaded(): void {
    if (this.loaded || this.stopped) return;
    for (const p of this.partitions.values()) if (p.next < p.end) return;
    this.loaded = true;
    this.retries.clear(GLOBAL_TASK_ID);
    const names = [...this.stores.keys()].join(', ');
    this.options.config.logger.info(`global store(s) ${names} loaded: ${this.recordsLoaded} records in ${Date.now() - this.startedAt} ms`);
    this.settleLoad?.resolve();
  }

  /** A failure retries cannot cure: the load fails, or (once loaded) the app's handler decides. */
  private fail(error: Error): void {
    if (this.stopped) return;
    const wasLoaded = this.loaded;
    const settle = this.settleLoad;
    this.settleLoad = undefined;
    void this.stop();
    if (!wasLoaded) settle?.reject(error);
    else this.options.onFatal(error);
  }

  /** Where the deserialization and processing handlers' dead letters go: buffered, sent after the batch. */
  private deadLetterSink(): RecordSink {
    return {
      send: (topic: string, key: MaybeBytes, value: MaybeBytes, timestamp: number, headers: Headers | undefined, partition?: number, partitioner?: Partitioner) => {
        this.deadLetters.push({ topic, key, value, timestamp, headers, partition, partitioner });
      },
    };
  }

  private async flushDeadLetters(): Promise<void> {
    if (this.deadLetters.length === 0) return;
    const { config, client, admin } = this.options;
    const drafts = this.deadLetters.splice(0);
    const counts = await bounded(admin.partitionCounts([...new Set(drafts.map((d) => d.topic))]), config.requestTimeoutMs, 'reading the dead-letter topics');
    const records: OutgoingRecord[] = [];
    for (const d of drafts) {
      const key = await d.key;
      const value = await d.value;
      // A serialization the production handler skipped: nothing to send.
      if (key === SKIPPED_RECORD || value === SKIPPED_RECORD) continue;
      const count = counts.get(d.topic);
      if (count === undefined) throw new StreamsError(`dead-letter topic '${d.topic}' does not exist`, { category: 'fatal', action: 'fatal' });
      const partition = choosePartition(d.partition, d.partitioner ?? this.partitioner, { topic: d.topic, key, value, partitionCount: count });
      records.push({ topic: d.topic, partition, key, value, timestamp: d.timestamp, headers: d.headers });
    }
    if (records.length === 0) return;
    if (this.producer === undefined) {
      const producer = client.producer(producerOptions(config));
      await bounded(producer.connect(), config.requestTimeoutMs, 'global dead-letter producer connect');
      this.producer = producer;
    }
    await bounded(this.producer.send(records), config.requestTimeoutMs, 'sending global dead letters');
  }
}

interface OutgoingRecordDraft {
  readonly topic: string;
  readonly key: MaybeBytes;
  readonly value: MaybeBytes;
  readonly timestamp: number;
  readonly headers: Headers | undefined;
  readonly partition: number | undefined;
  readonly partitioner: Partitioner | undefined;
}
