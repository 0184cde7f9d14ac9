import type { Headers, Serde } from '@rivulet/serde';
import type { FetchedBatch } from '../client/internals/kafka-port.js';
import { choosePartition, defaultPartitioner, type Partitioner } from '../client/partitioner.js';
import type { TraceContextSetting } from '../processor/trace-context.js';
import type { ExceptionHandlerSetting } from '../config/exception-handler-setting.js';
import { createConsoleLogger, type Logger } from '../config/logger.js';
import { changelogTopic } from '../state/internals/changelog/changelog-topic.js';
import type { StateStore } from '../state/state-store.js';
import type { DefaultSerdes } from '../state/default-serdes.js';
import { checkDefaultSerdes } from '../topology/check-default-serdes.js';
import type { Topology } from '../topology/topology.js';
import { ErrorRouter } from './internals/processing/error-router.js';
import { PartitionGroup } from './internals/processing/partition-group.js';
import type { MaybeBytes, RecordSink } from './internals/producing/record-collector.js';
import { StreamTask, taskIdOf } from './internals/processing/stream-task.js';
import { sumDropped } from './internals/processing/dropped-records.js';
import { GLOBAL_TASK_ID } from './internals/global/global-stores.js';
import type { DroppedRecordCounts } from '../processor/dropped-record.js';

/** A record a topology wrote, as the local runner captured it. */
export interface CapturedRecord {
  /** The topic it was written to (internal topics with the application id prefix). */
  readonly topic: string;
  /** The serialized key, or null. */
  readonly key: Buffer | null;
  /** The serialized value, or null (a tombstone). */
  readonly value: Buffer | null;
  /** The record's timestamp, epoch milliseconds. */
  readonly timestamp: number;
  /** The record's headers, if any. */
  readonly headers: Headers | undefined;
  /**
   * The partition the record went to: chosen by the sink's partitioner (default: murmur2 of the
   * key, round robin without one) when the topic's count is in `partitionCounts`, else undefined.
   */
  readonly partition: number | undefined;
}

/** A serialized record to pipe with {@link LocalTopologyRunner.pipeAsync}. */
export interface PipedRecord {
  /** The serialized key, or null. */
  readonly key: Buffer | null;
  /** The serialized value, or null (a tombstone). */
  readonly value: Buffer | null;
  /** The record's timestamp, epoch milliseconds. */
  readonly timestamp: number;
  /** The record's headers; default none. */
  readonly headers?: Headers;
}

/**
 * Options of the broker-free runner behind the `TopologyTestDriver` of `@rivulet/testing`, whose
 * options extend these.
 */
export interface LocalTopologyRunnerOptions {
  /** Prefix of internal topic and changelog names, as the app's `applicationId`; default `test-driver`. */
  applicationId?: string;
  /** The topics pattern sources match (a broker would list them): required when the topology has pattern sources. */
  patternTopics?: readonly string[];
  /** Where persistent stores keep their files (default: a fresh temp dir per runner). */
  stateDir?: string;
  /**
   * Partition counts of output topics: records written to them get a partition, chosen as the
   * runtime would (the sink's partitioner, or murmur2 of the key). Other topics' records get none.
   */
  partitionCounts?: Readonly<Record<string, number>>;
  /** The wall-clock time the runner starts at (ms); it only moves with `advanceWallClockTime`. */
  initialWallClockTimeMs?: number;
  /** As the app's `deserializationExceptionHandler` option; default `fail`. */
  deserializationExceptionHandler?: ExceptionHandlerSetting;
  /** As the app's `processingExceptionHandler` option; default `fail`. */
  processingExceptionHandler?: ExceptionHandlerSetting;
  /** As the app's `productionExceptionHandler` option; default `fail`. */
  productionExceptionHandler?: ExceptionHandlerSetting;
  /** Where the runner logs; default a console logger at `warn`. */
  logger?: Logger;
  /** The key serde of sources, sinks and stores that name none, as the app's `defaultKeySerde`. */
  defaultKeySerde?: Serde<unknown>;
  /** The value serde of sources, sinks and stores that name none, as the app's `defaultValueSerde`. */
  defaultValueSerde?: Serde<unknown>;
  /** As the app's `traceContext` option: trace context propagation and the `around` hook. */
  traceContext?: TraceContextSetting;
}

/**
 * Runs a topology in process, without a broker, through the same task code as the StreamsApp
 * runtime: one task per sub-topology on partition 0, records piped in synchronously, everything the
 * topology writes captured, and records written to its internal (repartition) topics fed back in at
 * once, as the broker would. Wall-clock time is virtual. This is the engine of @rivulet/testing's
 * TopologyTestDriver; use that in tests.
 *
 * Topologies with async operators (mapAsync, flatMapAsync) take the async path: `pipeAsync`,
 * `flush` and `advanceWallClockTimeAsync` return once that work is done and its results went
 * through the topology; the synchronous methods throw when they leave async work in flight.
 *
 * Not public API: the sibling packages import it from `@rivulet/core/internal`.
 */
export class LocalTopologyRunner {
  /** The application id in use (`options.applicationId` or `test-driver`). */
  readonly applicationId: string;
  private readonly tasks: StreamTask[] = [];
  private readonly taskByTopic = new Map<string, StreamTask>();
  private readonly stores = new Map<string, StateStore>();
  private readonly offsets = new Map<string, bigint>();
  private readonly outputs = new Map<string, CapturedRecord[]>();
  private readonly pendingInternal: CapturedRecord[] = [];
  private readonly internalTopics = new Set<string>();
  private readonly changelogs = new Set<string>();
  private wallClock: number;
  private readonly opening: Promise<unknown>[] = [];
  private piping = false;
  private readonly partitionCounts: ReadonlyMap<string, number>;
  private readonly partitioner = defaultPartitioner();

  constructor(
    /** The topology it runs. */
    readonly topology: Topology,
    options: LocalTopologyRunnerOptions = {},
  ) {
    this.applicationId = options.applicationId ?? 'test-driver';
    if (topology.hasUnresolvedPatterns()) {
      if (options.patternTopics === undefined) {
        throw new Error('the topology has pattern sources: pass the topics they should match as the patternTopics option');
      }
      topology.resolveSourcePatterns(options.patternTopics, this.applicationId);
    }
    this.wallClock = options.initialWallClockTimeMs ?? Date.now();
    this.partitionCounts = new Map(Object.entries(options.partitionCounts ?? {}));
    const logger = options.logger ?? createConsoleLogger('warn');
    const internal = topology.internalTopicDefs();
    const topicName = (name: string): string => (internal.has(name) ? `${this.applicationId}-${name}` : name);
    for (const name of internal.keys()) this.internalTopics.add(topicName(name));
    for (const name of topology.stores().keys()) this.changelogs.add(changelogTopic(this.applicationId, name));

    const sink: RecordSink = {
      send: (topic, key, value, timestamp, headers, partition, partitioner) =>
        this.capture(topic, key, value, timestamp, headers, partition, partitioner),
    };
    const router = new ErrorRouter(
      this.applicationId,
      {
        deserialization: options.deserializationExceptionHandler ?? 'fail',
        processing: options.processingExceptionHandler ?? 'fail',
        production: options.productionExceptionHandler ?? 'fail',
      },
      sink,
      logger,
      { propagateTraceContext: options.traceContext !== undefined && options.traceContext.propagate !== false },
    );
    const defaultSerdes: DefaultSerdes = { key: options.defaultKeySerde, value: options.defaultValueSerde };
    checkDefaultSerdes(topology, defaultSerdes);
    const nodes = new Map(topology.nodeDefs().map((n) => [n.name, n]));
    const stateDir = options.stateDir ?? `${process.env['TMPDIR'] ?? '/tmp'}/rivulet-test-driver-${process.pid}-${Date.now()}`;
    // Global stores (Topology.addGlobalStore): one instance, read by every task; a record piped into
    // a global topic goes through its update processor at once, as the app's global reader applies it.
    const globalStores = new Map<string, StateStore>();
    for (const [name, builder] of topology.globalStores()) {
      const store = builder.build(defaultSerdes);
      const opened = store.init({ taskId: GLOBAL_TASK_ID, taskDir: `${stateDir}/${GLOBAL_TASK_ID}`, applicationId: this.applicationId, currentTimestamp: () => this.wallClock });
      if (opened instanceof Promise) this.opening.push(opened);
      globalStores.set(name, store);
      this.stores.set(name, store);
    }
    for (const sub of topology.globalSubTopologies()) {
      const task = new StreamTask(`${GLOBAL_TASK_ID}-${-sub.id - 1}_0`, sub, 0, {
        applicationId: this.applicationId,
        nodes: topology.globalNodeDefs(),
        defaultSerdes,
        wallClock: () => this.wallClock,
        topicName: (name) => name,
        collector: sink,
        errors: router,
        stores: globalStores,
        requestCommit: () => undefined,
        logger,
      });
      for (const t of sub.sourceTopics) this.taskByTopic.set(t, task);
      this.tasks.push(task);
    }
    for (const sub of topology.subTopologies()) {
      const id = taskIdOf(sub.id, 0);
      const taskStores = new Map<string, StateStore>();
      const task = new StreamTask(id, sub, 0, {
        applicationId: this.applicationId,
        nodes,
        defaultSerdes,
        // Wall-clock punctuators and currentSystemTimeMs() run on the runner's virtual clock.
        wallClock: () => this.wallClock,
        topicName,
        collector: sink,
        errors: router,
        stores: taskStores,
        globalStores,
        requestCommit: () => undefined,
        logger,
        traceAround: options.traceContext?.around,
      });
      for (const name of sub.stores) {
        const builder = topology.stores().get(name)!;
        const store = builder.build(defaultSerdes);
        const changelog = builder.loggingEnabled
          ? { topic: changelogTopic(this.applicationId, name), partition: 0, append: () => undefined }
          : undefined;
        const opened = store.init({
          taskId: id,
          taskDir: `${stateDir}/${id}`,
          applicationId: this.applicationId,
          ...(changelog !== undefined ? { changelog } : {}),
          currentTimestamp: () => task.currentRecordTimestamp(),
        });
        if (opened instanceof Promise) this.opening.push(opened);
        taskStores.set(name, store);
        this.stores.set(name, store);
      }
      for (const t of sub.sourceTopics) this.taskByTopic.set(topicName(t), task);
      // Several input topics: records go through the partition group, as in the runtime, and what
      // is buffered together is taken in timestamp order. Nothing is waited for (maxTaskIdleMs -1):
      // every piped record is processed at once.
      const inputs = task.inputPartitions();
      if (inputs.length > 1) task.partitionGroup = new PartitionGroup(task, inputs, { maxTaskIdleMs: -1, maxLagWaitMs: 0 });
      this.tasks.push(task);
    }
    if (this.opening.length === 0) this.startTasks();
  }

  /** Resolves once every store is open (persistent stores open asynchronously). */
  async ready(): Promise<void> {
    if (this.opening.length === 0) return;
    await Promise.all(this.opening.splice(0));
    this.startTasks();
  }

  /**
   * Feeds one serialized record to the task reading `topic`, then everything it wrote to internal
   * topics, until the topology is quiet. Throws when async work is left in flight (use `pipeAsync`).
   */
  pipe(topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Headers = {}): void {
    const task = this.pipeTarget(topic);
    this.piping = true;
    try {
      this.deliver(task, topic, key, value, timestamp, headers);
      this.assertNoAsyncWork(`piping a record into '${topic}'`, 'pipeInputAsync');
      while (this.pendingInternal.length > 0) {
        const r = this.pendingInternal.shift()!;
        const next = this.taskByTopic.get(r.topic);
        if (next !== undefined) this.deliver(next, r.topic, r.key, r.value, r.timestamp, r.headers ?? {});
        this.assertNoAsyncWork(`piping a record into '${topic}'`, 'pipeInputAsync');
      }
    } finally {
      this.piping = false;
    }
  }

  /**
   * Feeds records to the task reading `topic` as one fetched batch, as the runtime does: the async
   * work of the batch's records overlaps (up to each operator's concurrency). Resolves once that
   * work is done, its results went through the topology, and everything written to internal topics
   * was fed back in; rejects with the `ProcessingError` of async work that failed under 'fail'.
   */
  async pipeAsync(topic: string, records: readonly PipedRecord[]): Promise<void> {
    const task = this.pipeTarget(topic);
    this.piping = true;
    try {
      if (records.length > 0) this.deliverBatch(task, topic, records);
      await this.settle();
    } finally {
      this.piping = false;
    }
  }

  /**
   * Waits for async work in flight (left by a synchronous call that threw, or by a punctuator) and
   * feeds what it wrote to internal topics back in, until the topology is quiet.
   */
  async flush(): Promise<void> {
    if (this.piping) throw new Error('flush() was called while a pipe is in progress: await the pipe first');
    this.piping = true;
    try {
      await this.settle();
    } finally {
      this.piping = false;
    }
  }

  /** Moves virtual wall-clock time forward and runs the wall-clock punctuators that are due. */
  advanceWallClockTime(ms: number): void {
    this.punctuateWallClock(ms);
    this.drainInternal();
    this.assertNoAsyncWork('the wall-clock punctuators ran', 'advanceWallClockTimeAsync');
  }

  /** {@link LocalTopologyRunner.advanceWallClockTime}, then waits for the async work the punctuators started. */
  async advanceWallClockTimeAsync(ms: number): Promise<void> {
    this.punctuateWallClock(ms);
    await this.flush();
  }

  /** Takes (and removes) the records written to an output topic so far, oldest first. */
  takeOutput(topic: string): CapturedRecord[] {
    const list = this.outputs.get(topic) ?? [];
    this.outputs.delete(topic);
    return list;
  }

  /** Takes (and removes) the oldest record written to an output topic, if any. */
  shiftOutput(topic: string): CapturedRecord | undefined {
    return this.outputs.get(topic)?.shift();
  }

  /** The records written to an output topic so far, without removing them. */
  peekOutput(topic: string): readonly CapturedRecord[] {
    return this.outputs.get(topic) ?? [];
  }

  /**
   * The records the topology dropped so far (null keys, late records, handler skips...): the total
   * and per reason, summed over its tasks.
   */
  droppedRecords(): DroppedRecordCounts {
    return sumDropped(this.tasks.map((t) => t.drops.snapshot()));
  }

  /** The topology's store of that name (the partition-0 instance), or undefined. */
  store(name: string): StateStore | undefined {
    return this.stores.get(name);
  }

  /** The full name of a topic as the topology names it: internal topics get the application id prefix. */
  topicName(name: string): string {
    return this.topology.internalTopicDefs().has(name) ? `${this.applicationId}-${name}` : name;
  }

  /** Closes the tasks and their stores (persistent stores keep their files in `stateDir`). */
  async close(): Promise<void> {
    for (const task of this.tasks) task.close();
    for (const store of this.stores.values()) await store.close();
  }

  private startTasks(): void {
    for (const task of this.tasks) task.initProcessors();
  }

  private pipeTarget(topic: string): StreamTask {
    if (this.opening.length > 0) {
      throw new Error('the topology has stores that open asynchronously (persistent stores): await ready() before piping input');
    }
    if (this.piping) throw new Error('a pipe was started while another is in progress (from inside the topology, or a pipeAsync not awaited)');
    const task = this.taskByTopic.get(topic) ?? this.readLaterPatternTopic(topic);
    if (task === undefined) throw new Error(`the topology does not read topic '${topic}'`);
    return task;
  }

  /**
   * A topic the runner did not know (a TestInputTopic made after it) that a pattern source matches:
   * that source reads it from now on, as a running app's next topic check (metadataMaxAgeMs) makes
   * it. A topic two patterns match goes to the first source, as at start.
   */
  private readLaterPatternTopic(topic: string): StreamTask | undefined {
    const change = this.topology.patternSourceChanges([...this.taskByTopic.keys(), topic], this.applicationId).find((c) => c.added.includes(topic));
    if (change === undefined) return undefined;
    this.topology.applyPatternSourceChanges([change]);
    const sub = this.topology.subTopologies().find((s) => s.sources.some((source) => source.name === change.source));
    const task = this.tasks.find((t) => t.subTopology.id === sub?.id);
    if (sub === undefined || task === undefined) return undefined;
    task.readPatternTopics(sub);
    this.taskByTopic.set(topic, task);
    // Between two pipes nothing is buffered (every piped record is processed at once): the group is made again with the new partition.
    const inputs = task.inputPartitions();
    if (inputs.length > 1) task.partitionGroup = new PartitionGroup(task, inputs, { maxTaskIdleMs: -1, maxLagWaitMs: 0 });
    return task;
  }

  private punctuateWallClock(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advanceWallClockTime needs a duration >= 0, got ${ms}`);
    this.wallClock += ms;
    for (const task of this.tasks) task.punctuate('wall-clock-time', this.wallClock);
  }

  /** The synchronous path cannot wait: async work left in flight would land after it returned. */
  private assertNoAsyncWork(after: string, asyncVariant: string): void {
    if (!this.tasks.some((t) => t.hasPendingWork())) return;
    throw new Error(
      `async work (mapAsync, flatMapAsync) is still in flight after ${after}: use ${asyncVariant} and await it ` +
        '(the TopologyTestDriver: await inputTopic.pipeInputAsync(...), or await driver.flushAsync())',
    );
  }

  /** Waits until no task has async work in flight and nothing is left to feed back from internal topics. */
  private async settle(): Promise<void> {
    for (;;) {
      for (const task of this.tasks) {
        const pending = task.pendingWork();
        if (pending !== undefined) await pending;
      }
      if (this.pendingInternal.length === 0) {
        // Results forwarded while waiting for one task may have started work in another.
        if (!this.tasks.some((t) => t.hasPendingWork())) return;
        continue;
      }
      // What was written to internal topics goes back in as one batch per topic, in order.
      const byTopic = new Map<string, CapturedRecord[]>();
      for (const r of this.pendingInternal.splice(0)) {
        const list = byTopic.get(r.topic);
        if (list === undefined) byTopic.set(r.topic, [r]);
        else list.push(r);
      }
      // All are buffered first, so that a task reading several of these topics takes them in timestamp order.
      const fed = new Set<StreamTask>();
      for (const [topic, records] of byTopic) {
        const next = this.taskByTopic.get(topic);
        if (next === undefined) continue;
        this.deliverBatch(next, topic, records, false);
        fed.add(next);
      }
      for (const task of fed) task.partitionGroup?.process(this.wallClock);
    }
  }

  private deliver(task: StreamTask, topic: string, key: Buffer | null, value: Buffer | null, timestamp: number, headers: Headers): void {
    this.deliverBatch(task, topic, [{ key, value, timestamp, headers }]);
  }

  /** Feeds records to a task as one fetched batch; a task with a partition group processes them now, or later if `processNow` is false. */
  private deliverBatch(task: StreamTask, topic: string, records: readonly PipedRecord[], processNow = true): void {
    const first = this.offsets.get(topic) ?? 0n;
    this.offsets.set(topic, first + BigInt(records.length));
    const batch: FetchedBatch = {
      topic,
      partition: 0,
      records: records.map((r, i) => ({
        key: r.key,
        value: r.value,
        offset: (first + BigInt(i)).toString(),
        timestamp: r.timestamp,
        headers: r.headers ?? {},
      })),
      highWatermark: (first + BigInt(records.length)).toString(),
    };
    const group = task.partitionGroup;
    if (group !== undefined) {
      const added = group.add(batch);
      if (added instanceof Promise) throw asyncSerdeError(topic);
      if (processNow) group.process(this.wallClock);
      return;
    }
    const decoded = task.decode(batch);
    if (decoded instanceof Promise) throw asyncSerdeError(topic);
    task.process(batch, decoded);
  }

  private drainInternal(): void {
    while (this.pendingInternal.length > 0) {
      const r = this.pendingInternal.shift()!;
      const next = this.taskByTopic.get(r.topic);
      if (next !== undefined) this.deliver(next, r.topic, r.key, r.value, r.timestamp, r.headers ?? {});
    }
  }

  private capture(
    topic: string,
    key: MaybeBytes,
    value: MaybeBytes,
    timestamp: number,
    headers: Headers | undefined,
    partition: number | undefined,
    partitioner: Partitioner | undefined,
  ): void {
    if (key instanceof Promise || value instanceof Promise) {
      throw new Error(`a serde writing topic '${topic}' is asynchronous (a schema registry serde?): the local runner needs synchronous serdes`);
    }
    const count = this.partitionCounts.get(topic);
    const chosen =
      count === undefined ? partition : choosePartition(partition, partitioner ?? this.partitioner, { topic, key, value, partitionCount: count });
    const record: CapturedRecord = { topic, key, value, timestamp, headers, partition: chosen };
    if (this.changelogs.has(topic)) return;
    if (this.internalTopics.has(topic)) {
      this.pendingInternal.push(record);
      return;
    }
    const list = this.outputs.get(topic);
    if (list === undefined) this.outputs.set(topic, [record]);
    else list.push(record);
  }
}

function asyncSerdeError(topic: string): Error {
  return new Error(`a serde of topic '${topic}' is asynchronous (a schema registry serde?): the local runner needs synchronous serdes`);
}
