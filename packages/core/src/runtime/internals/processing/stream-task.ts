import type { FetchedBatch, FetchedRecord, TopicPartitionOffset } from '../../../client/internals/kafka-port.js';
import { ProcessingError } from '../../../errors/processing-error.js';
import type { AsyncForwarder, AsyncOrigin, Cancellable, ProcessorContext, PunctuationType } from '../../../processor/processor-context.js';
import type { Processor } from '../../../processor/processor.js';
import type { RecordMetadata, StreamRecord } from '../../../processor/stream-record.js';
import type { StateStore } from '../../../state/state-store.js';
import { serdeOrDefault, type DefaultSerdes } from '../../../state/default-serdes.js';
import type { NodeDef } from '../../../topology/nodes.js';
import type { SubTopology } from '../../../topology/sub-topologies.js';
import type { Logger } from '../../../config/logger.js';
import type { DroppedRecordReason } from '../../../processor/dropped-record.js';
import type { ErrorRouter } from './error-router.js';
import { DroppedRecords, type DroppedRecordsOptions } from './dropped-records.js';
import type { PartitionGroup } from './partition-group.js';
import { ProcessorRuntime, SinkRuntime, SourceRuntime, type RuntimeNode } from './processor-nodes.js';
import type { RecordSink } from '../producing/record-collector.js';
import { meteredStore, type NodeSensors, type TaskSensors } from '../../../metrics/internals/streams-sensors.js';
import { traceContextOf, type TracedRecord } from '../../../processor/trace-context.js';

/** `<subtopology>_<partition>`: one sub-topology on one partition number. */
export function taskIdOf(subTopology: number, partition: number): string {
  return `${subTopology}_${partition}`;
}

/** Marks a fetched record that was already processed (before the task's next offset). */
export const SKIPPED = null;

/** A record whose deserialization failed under the 'fail' handler: processing stops there. */
export class DecodeFailure {
  constructor(readonly error: unknown) {}
}

/** One decoded entry: the record, undefined if the handler dropped it, null if skipped, or the failure. */
export type Decoded = StreamRecord<unknown, unknown> | undefined | null | DecodeFailure;
type DecodedEntry = Decoded | Promise<StreamRecord<unknown, unknown> | undefined | DecodeFailure>;
/**
 * One entry per fetched record: the record, undefined if the handler dropped it, null if already
 * processed, or the failure that stops the batch (the records before it are still processed).
 */
export type DecodedBatch = readonly Decoded[];

interface Punctuation {
  readonly type: PunctuationType;
  readonly intervalMs: number;
  next: number;
  readonly callback: (timestamp: number) => void;
  cancelled: boolean;
}

/** What a task needs from the app around it. */
export interface StreamTaskDeps {
  readonly applicationId: string;
  readonly nodes: ReadonlyMap<string, NodeDef>;
  /** The app's `defaultKeySerde` / `defaultValueSerde`, for sources and sinks that name none. */
  readonly defaultSerdes: DefaultSerdes;
  /** Full topic name of a topic as the topology names it (internal topics get the app prefix). */
  readonly topicName: (name: string) => string;
  readonly collector: RecordSink;
  readonly errors: ErrorRouter;
  readonly stores: ReadonlyMap<string, StateStore>;
  /** The app's global stores (Topology.addGlobalStore), shared by every task and readable by every processor. */
  readonly globalStores?: ReadonlyMap<string, StateStore>;
  readonly requestCommit: () => void;
  /**
   * The wall clock (epoch ms) for wall-clock punctuators and `currentSystemTimeMs()`: `Date.now` by
   * default, the virtual clock in the local runner of the TopologyTestDriver.
   */
  readonly wallClock?: () => number;
  /** Where the task's dropped records are logged (the app's logger); without it they are only counted. */
  readonly logger?: Logger;
  /** The interval and clock of those lines (tests). */
  readonly dropLog?: DroppedRecordsOptions;
  /** The task's metrics; its node and store metrics are recorded only at the DEBUG recording level. */
  readonly sensors?: TaskSensors;
  /** `traceContext.around`: wraps the processing of each input record. */
  readonly traceAround?: ((record: TracedRecord, process: () => void) => void) | undefined;
}

/** Logs nothing: a task made without a logger (unit tests) still counts its drops. */
const SILENT: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * One sub-topology on one partition: the unit of work, state and (under exactly-once) transactions.
 * A task processes its partitions' records in offset order through fresh processor instances and
 * its own stores, and tracks the next offset to commit per source partition.
 */
export class StreamTask implements ProcessorContext<unknown, unknown> {
  readonly applicationId: string;
  private readonly wallClock: () => number;
  private readonly sourcesByTopic = new Map<string, SourceRuntime>();
  private readonly runtimeNodes: RuntimeNode[] = [];
  private readonly processors: ProcessorRuntime[] = [];
  private current: RuntimeNode | undefined;
  /** The innermost processor whose `process` threw for the record being processed: see takeFailedNode. */
  private failedNode: string | undefined;
  private metadata: RecordMetadata | undefined;
  /** The fetched record being processed: what an async origin keeps for dead letters. */
  private currentRaw: FetchedRecord | undefined;
  /** Processors that may hold work in flight (they have `pending`): all the per-batch check walks. */
  private readonly asyncProcessors: Processor<unknown, unknown, unknown, unknown>[] = [];
  /** The first fatal failure of async work; sticky, so no later commit covers the lost record. */
  private asyncFailure: ProcessingError | undefined;
  private closed = false;
  private streamTime = -1;
  private readonly partitionTime = new Map<string, number>();
  private readonly punctuations: Punctuation[] = [];
  /** Next offset to read per source topic partition: what a commit records (last processed + 1). */
  private readonly nextOffsets = new Map<string, string>();
  private readonly committedOffsets = new Map<string, string>();
  /** The first offset this task instance processed per source topic: where a rebuild with no commit resumes. */
  private readonly firstOffsets = new Map<string, string>();
  /** Records processed since the task was created. */
  processedCount = 0;
  /** Records dropped since the task was created, per reason, and their log lines. */
  readonly drops: DroppedRecords;
  /**
   * A task with several input partitions takes their records in timestamp order through its
   * partition group; undefined for a task with one input partition, which processes each batch as
   * it comes.
   */
  partitionGroup: PartitionGroup | undefined;
  /** Timestamp of the record being processed (or of the punctuation running): what changelog writes carry. */
  private currentTimestamp = 0;
  private initialized = false;
  /** DEBUG recording: per source topic, its node's sensors; the record-lateness sensor. Undefined at INFO. */
  private readonly sourceSensors = new Map<string, NodeSensors>();
  private readonly debugSensors: TaskSensors | undefined;
  /** DEBUG recording: the stores handed to processors, metered. */
  private readonly meteredStores = new Map<string, StateStore>();

  constructor(
    readonly id: string,
    readonly subTopology: SubTopology,
    readonly partition: number,
    private readonly deps: StreamTaskDeps,
  ) {
    this.applicationId = deps.applicationId;
    this.wallClock = deps.wallClock ?? Date.now;
    this.drops = new DroppedRecords(id, deps.logger ?? SILENT, deps.dropLog);
    this.debugSensors = deps.sensors?.registry.records('DEBUG') === true ? deps.sensors : undefined;
    this.buildNodes();
  }

  get taskId(): string {
    return this.id;
  }

  /**
   * Reads the topics its pattern sources match now: `subTopology` is this task's sub-topology as
   * rebuilt after `Topology.applyPatternSourceChanges`, and records of a topic new to a source go
   * to that source from now on. The TopologyTestDriver's path for an input topic made after it
   * (the app builds its tasks afresh when it re-subscribes).
   */
  readPatternTopics(subTopology: SubTopology): void {
    (this as { subTopology: SubTopology }).subTopology = subTopology;
    for (const def of subTopology.sources) {
      const topics = def.topics.map((t) => this.deps.topicName(t));
      const known = topics.find((t) => this.sourcesByTopic.has(t));
      if (known === undefined) continue;
      const source = this.sourcesByTopic.get(known)!;
      const sensors = this.sourceSensors.get(known);
      for (const topic of topics) {
        if (this.sourcesByTopic.has(topic)) continue;
        this.sourcesByTopic.set(topic, source);
        if (sensors !== undefined) this.sourceSensors.set(topic, sensors);
      }
    }
  }

  /** The partitions this task reads, with full topic names. */
  inputPartitions(): { topic: string; partition: number }[] {
    return this.subTopology.sourceTopics.map((t) => ({ topic: this.deps.topicName(t), partition: this.partition }));
  }

  /** Sets where processing resumes (the group's committed offsets), before the first batch. */
  setCommittedOffsets(offsets: ReadonlyMap<string, string>): void {
    for (const { topic, partition } of this.inputPartitions()) {
      const offset = offsets.get(`${topic}:${partition}`);
      if (offset !== undefined) {
        this.nextOffsets.set(topic, offset);
        this.committedOffsets.set(topic, offset);
      }
    }
  }

  /** Where a rebuilt task resumes: the committed offset, else the first offset this instance took (processed or buffered). */
  resumeOffset(topic: string): string | undefined {
    return this.committedOffsets.get(topic) ?? this.firstOffsets.get(topic);
  }

  /**
   * The partition group buffered records of a source topic from this offset on: a rebuild with no
   * committed offset must resume there, not where the consumer got to.
   */
  noteTaken(topic: string, offset: string): void {
    if (!this.firstOffsets.has(topic)) this.firstOffsets.set(topic, offset);
  }

  /** The next offset to read on a source topic, if known. */
  nextOffset(topic: string): string | undefined {
    return this.nextOffsets.get(topic);
  }

  /** Calls each processor's init, once, after the stores are restored. */
  initProcessors(): void {
    if (this.initialized) return;
    this.initialized = true;
    for (const p of this.processors) {
      const previous = this.enter(p);
      try {
        p.processor.init?.(this);
      } finally {
        this.leave(previous);
      }
    }
  }

  /**
   * Deserializes a fetched batch: one entry per fetched record, undefined where the record was
   * skipped (already processed, or dropped by the deserialization handler). Synchronous unless a
   * serde is async; then the whole batch is awaited once, not per record. The partition group gives
   * `skipBefore` (its records buffered so far are skipped too) and `startTime` (the newest
   * timestamp it buffered, for timestamp extractors).
   */
  decode(batch: FetchedBatch, skipBefore?: bigint, startTime?: number): DecodedBatch | Promise<DecodedBatch> {
    const source = this.sourcesByTopic.get(batch.topic);
    if (source === undefined) throw new Error(`task ${this.id} does not read topic ${batch.topic}`);
    const next = this.nextOffsets.get(batch.topic);
    // Records before the task's next offset are skipped: the consumer may have fetched from an
    // older position than the one the previous owner committed (docs/architecture.md#exactly-once-on-kafkajs).
    let from = next === undefined ? -1n : BigInt(next);
    if (skipBefore !== undefined && skipBefore > from) from = skipBefore;
    const records = batch.records;
    const decoded: DecodedEntry[] = new Array(records.length);
    let partitionTime = this.partitionTime.get(batch.topic) ?? -1;
    if (startTime !== undefined && startTime > partitionTime) partitionTime = startTime;
    let async = false;
    // A batch is in offset order: once one record is at or past `from`, the rest are too, so the
    // offsets (decimal strings) are parsed only for the records before that point.
    let skipping = from >= 0n;
    for (let i = 0; i < records.length; i++) {
      const raw = records[i]!;
      if (skipping) {
        if (BigInt(raw.offset) < from) {
          decoded[i] = SKIPPED;
          continue;
        }
        skipping = false;
      }
      let record: DecodedEntry;
      try {
        record = this.deps.errors.deserialize(source, batch.topic, batch.partition, raw, partitionTime, this);
      } catch (err) {
        decoded[i] = new DecodeFailure(err);
        decoded.length = i + 1;
        break;
      }
      if (record instanceof Promise) {
        async = true;
        record = record.catch((err: unknown) => new DecodeFailure(err));
      } else if (record !== undefined && record.timestamp > partitionTime) partitionTime = record.timestamp;
      decoded[i] = record;
    }
    return async ? Promise.all(decoded) : (decoded as DecodedBatch);
  }

  /** Processes a decoded batch in offset order through the sub-topology. */
  process(batch: FetchedBatch, decoded: DecodedBatch): void {
    this.processRange(batch.topic, batch.partition, batch.records, decoded, 0, decoded.length);
  }

  /**
   * Processes entries `from` (inclusive) to `to` (exclusive) of a decoded batch, in offset order:
   * all of it for a batch, or a run of the records the partition group buffered.
   */
  processRange(topic: string, partition: number, records: readonly FetchedRecord[], decoded: DecodedBatch, from: number, to: number): void {
    const source = this.sourcesByTopic.get(topic)!;
    let partitionTime = this.partitionTime.get(topic) ?? -1;
    // The offsets to commit move once per batch, from the last record done (processed, or dropped
    // by a handler), also when a record fails part-way: the ones before it count as done.
    let first: FetchedRecord | undefined;
    let last: FetchedRecord | undefined;
    try {
      for (let i = from; i < to; i++) {
        const record = decoded[i];
        if (record === SKIPPED) continue;
        const raw = records[i]!;
        // Where this task's work began, for a rewind before its first commit (see resumeOffset).
        first ??= raw;
        if (record instanceof DecodeFailure) throw record.error;
        if (record !== undefined) {
          this.metadata = { topic, partition, offset: raw.offset };
          this.currentRaw = raw;
          if (record.timestamp > partitionTime) partitionTime = record.timestamp;
          if (record.timestamp > this.streamTime) this.streamTime = record.timestamp;
          this.currentTimestamp = record.timestamp;
          if (this.debugSensors !== undefined) this.recordDebug(topic, record.timestamp);
          this.current = source;
          // A processor that threw outside a record (a punctuator) is not this record's.
          this.failedNode = undefined;
          if (this.deps.traceAround === undefined) this.deps.errors.process(source, record, this.metadata, raw, this);
          else this.processTraced(source, record, topic, partition, raw);
          this.current = undefined;
          this.processedCount++;
        }
        last = raw;
        if (this.punctuations.length > 0) this.punctuate('stream-time', this.streamTime);
      }
    } finally {
      if (first !== undefined && !this.firstOffsets.has(topic)) this.firstOffsets.set(topic, first.offset);
      if (last !== undefined) this.nextOffsets.set(topic, (BigInt(last.offset) + 1n).toString());
      this.partitionTime.set(topic, partitionTime);
      this.metadata = undefined;
      this.currentRaw = undefined;
      this.current = undefined;
    }
  }

  /**
   * Work still in flight in the task's async processors (mapAsync, flatMapAsync): a promise that
   * resolves once every one of them is idle and rejects with the fatal failure of that work, if any.
   * Undefined when there is nothing to wait for, so a task without async operators pays one check
   * per batch.
   */
  pendingWork(): Promise<void> | undefined {
    if (this.asyncProcessors.length === 0) return undefined;
    return this.hasPendingWork() ? this.drainPendingWork() : undefined;
  }

  /** True while an async processor has work in flight, or after async work failed fatally. */
  hasPendingWork(): boolean {
    if (this.asyncFailure !== undefined) return true;
    for (const p of this.asyncProcessors) {
      const wait = p.pending!();
      if (wait !== undefined) {
        // Only a probe: whoever awaits the work gets the failure through drainPendingWork.
        wait.catch(() => undefined);
        return true;
      }
    }
    return false;
  }

  /** Offsets that moved since the last commit: last processed + 1 per source partition. */
  offsetsToCommit(): TopicPartitionOffset[] {
    const result: TopicPartitionOffset[] = [];
    for (const [topic, offset] of this.nextOffsets) {
      if (this.committedOffsets.get(topic) !== offset) result.push({ topic, partition: this.partition, offset });
    }
    return result;
  }

  /** Records that the offsets returned by `offsetsToCommit` are now committed. */
  markCommitted(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) this.committedOffsets.set(o.topic, o.offset);
  }

  /** Processes one record inside `traceContext.around`, which must call `process()` exactly once. */
  private processTraced(source: SourceRuntime, record: StreamRecord<unknown, unknown>, topic: string, partition: number, raw: FetchedRecord): void {
    const trace = traceContextOf(raw.headers);
    const metadata = this.metadata!;
    let called = 0;
    this.deps.traceAround!(
      { topic, partition, offset: raw.offset, timestamp: record.timestamp, taskId: this.id, traceparent: trace?.traceparent, tracestate: trace?.tracestate, headers: raw.headers },
      () => {
        if (called++ > 0) throw new Error('traceContext.around called process() twice for one record');
        this.deps.errors.process(source, record, metadata, raw, this);
      },
    );
    if (called === 0) throw new Error(`traceContext.around did not call process() for ${topic}-${partition} offset ${raw.offset}: the record would be lost`);
  }

  /** DEBUG recording, per record: the source node's rate and end-to-end latency, the record's lateness. */
  private recordDebug(topic: string, timestamp: number): void {
    const node = this.sourceSensors.get(topic);
    if (node !== undefined) {
      node.process.record();
      node.e2eLatency.record(Date.now() - timestamp);
    }
    this.debugSensors!.recordLateness.record(Math.max(0, this.streamTime - timestamp));
  }

  /** Runs due punctuators of one type; returns how many ran. Wall-clock ones are checked between batches. */
  punctuate(type: PunctuationType, now: number): number {
    let ran = 0;
    for (const p of this.punctuations) {
      if (p.cancelled || p.type !== type || now < p.next) continue;
      // Catch up in one call, as Kafka Streams does: the next one is the first interval after now.
      p.next = now - ((now - p.next) % p.intervalMs) + p.intervalMs;
      this.metadata = undefined;
      this.currentTimestamp = now;
      ran++;
      p.callback(now);
    }
    return ran;
  }

  close(): void {
    this.closed = true;
    // The lines held back go out now: the log has the last count of each reason.
    this.drops.flush();
    // Its buffered records are dropped (never committed: they come again), its paused partitions resumed.
    this.partitionGroup?.close();
    // A task closed while it was restoring never initialized its processors.
    if (!this.initialized) return;
    for (const p of this.processors) p.processor.close?.();
  }

  // ProcessorContext

  forward<K, V>(record: StreamRecord<K, V>, childName?: string): void {
    const from = this.current;
    if (from === undefined) throw new Error('forward() was called outside process() or a punctuator of this task');
    if (childName !== undefined) {
      const child = from.childByName.get(childName);
      if (child === undefined) throw new Error(`'${from.name}' has no child named '${childName}'`);
      child.process(record as StreamRecord<unknown, unknown>);
      return;
    }
    const children = from.children;
    for (let i = 0; i < children.length; i++) children[i]!.process(record as StreamRecord<unknown, unknown>);
  }

  getStateStore<S extends StateStore>(name: string): S {
    const node = this.current;
    const def = node === undefined ? undefined : this.deps.nodes.get(node.name);
    // A global store (Topology.addGlobalStore) is readable by every processor, connected or not.
    const global = this.deps.globalStores?.get(name);
    if (global !== undefined) return global as S;
    if (def?.kind !== 'processor' || !def.stores.has(name)) {
      throw new Error(`processor '${node?.name ?? '?'}' is not connected to state store '${name}': connect it in the topology`);
    }
    const store = this.deps.stores.get(name);
    if (store === undefined) throw new Error(`state store '${name}' is not open in task ${this.id}`);
    if (this.debugSensors !== undefined) return this.metered(name, store) as S;
    return store as S;
  }

  /** DEBUG recording: the store, wrapped to count and time its calls (stream-state-metrics). */
  private metered(name: string, store: StateStore): StateStore {
    let metered = this.meteredStores.get(name);
    if (metered === undefined) {
      const sensors = this.debugSensors!.store(name, store.persistent ? 'lmdb' : 'in-memory');
      metered = sensors === undefined ? store : meteredStore(store, sensors);
      this.meteredStores.set(name, metered);
    }
    return metered;
  }

  schedule(intervalMs: number, type: PunctuationType, callback: (timestamp: number) => void): Cancellable {
    if (!(intervalMs >= 1)) throw new RangeError(`punctuation interval must be >= 1 ms, got ${intervalMs}`);
    const node = this.current;
    const start = type === 'stream-time' ? Math.max(this.streamTime, 0) : this.wallClock();
    const p: Punctuation = {
      type,
      intervalMs,
      next: start + intervalMs,
      callback: (ts) => {
        const previous = this.current;
        this.current = node;
        try {
          callback(ts);
        } finally {
          this.current = previous;
        }
      },
      cancelled: false,
    };
    this.punctuations.push(p);
    return { cancel: () => void (p.cancelled = true) };
  }

  commit(): void {
    this.deps.requestCommit();
  }

  asyncForwarder(): AsyncForwarder<unknown, unknown> {
    const node = this.current;
    if (node === undefined) throw new Error('asyncForwarder() was called outside init(), process() or a punctuator of this task');
    return { capture: () => this.captureOrigin(node) };
  }

  recordMetadata(): RecordMetadata | undefined {
    return this.metadata;
  }

  /** The timestamp of the record being processed, for changelog writes. */
  currentRecordTimestamp(): number {
    return this.currentTimestamp;
  }

  currentStreamTimeMs(): number {
    return this.streamTime;
  }

  currentSystemTimeMs(): number {
    return this.wallClock();
  }

  reportDropped(reason: DroppedRecordReason, detail?: string | (() => string)): void {
    this.drops.add(reason, this.current?.name, this.metadata, detail);
  }

  /** The processor that threw first (the innermost: its catch runs before its parents'). */
  private noteFailure = (node: string): void => {
    this.failedNode ??= node;
  };

  /** The processor that threw for the record being processed, once (the router names it in the skipped record's line). */
  takeFailedNode(): string | undefined {
    const node = this.failedNode;
    this.failedNode = undefined;
    return node;
  }

  private enter = (node: RuntimeNode): RuntimeNode => {
    const previous = this.current!;
    this.current = node;
    return previous;
  };

  private leave = (previous: RuntimeNode): void => {
    this.current = previous;
  };

  /** Remembers the record being processed, for results that `node` forwards later. */
  private captureOrigin(node: RuntimeNode): AsyncOrigin<unknown, unknown> {
    const metadata = this.metadata;
    const raw = this.currentRaw;
    const timestamp = this.currentTimestamp;
    return {
      metadata,
      forward: (record, childName) => this.runLater(node, metadata, raw, timestamp, () => this.forward(record, childName)),
      fail: (error) =>
        this.runLater(node, metadata, raw, timestamp, () => {
          throw error;
        }),
    };
  }

  /**
   * Runs the later part of a record's processing with the task set as it was for that record:
   * current node, metadata (what downstream nodes and the error handlers see) and timestamp (what
   * changelog writes carry). Everything is restored after, since it may run between two batches.
   */
  private runLater(node: RuntimeNode, metadata: RecordMetadata | undefined, raw: FetchedRecord | undefined, timestamp: number, work: () => void): void {
    // The task's results are discarded once it closed (lost, fenced, or rebuilt after an abort).
    if (this.closed) return;
    const previous = this.current;
    const previousMetadata = this.metadata;
    const previousRaw = this.currentRaw;
    const previousTimestamp = this.currentTimestamp;
    this.current = node;
    this.metadata = metadata;
    this.currentRaw = raw;
    this.currentTimestamp = timestamp;
    try {
      this.deps.errors.processLater(
        metadata ?? { topic: `(punctuator of task ${this.id})`, partition: this.partition, offset: '-1' },
        raw,
        work,
        this,
        node.name,
      );
    } catch (err) {
      if (err instanceof ProcessingError) this.asyncFailure ??= err;
      throw err;
    } finally {
      this.current = previous;
      this.metadata = previousMetadata;
      this.currentRaw = previousRaw;
      this.currentTimestamp = previousTimestamp;
    }
  }

  /** Waits until no async processor has work in flight (results of one may start work in the next). */
  private async drainPendingWork(): Promise<void> {
    let failure: unknown;
    for (;;) {
      let waits: Promise<void>[] | undefined;
      for (const p of this.asyncProcessors) {
        const wait = p.pending!();
        if (wait !== undefined) (waits ??= []).push(wait);
      }
      if (waits === undefined) break;
      // All settle before a failure is reported: nothing of this task is left running after it.
      for (const result of await Promise.allSettled(waits)) if (result.status === 'rejected') failure ??= result.reason;
      if (failure !== undefined) break;
    }
    if (failure instanceof ProcessingError) this.asyncFailure ??= failure;
    if (this.asyncFailure !== undefined) throw this.asyncFailure;
    if (failure !== undefined) throw failure;
  }

  private forwardToChildren = (node: RuntimeNode, record: StreamRecord<unknown, unknown>): void => {
    const children = node.children;
    for (let i = 0; i < children.length; i++) children[i]!.process(record);
  };

  private buildNodes(): void {
    const byName = new Map<string, RuntimeNode>();
    for (const name of this.subTopology.nodes) {
      const def = this.deps.nodes.get(name)!;
      let node: RuntimeNode;
      if (def.kind === 'source') {
        const owner = `source '${def.name}'`;
        const key = serdeOrDefault(def.keySerde, this.deps.defaultSerdes.key, owner, 'key');
        const value = serdeOrDefault(def.valueSerde, this.deps.defaultSerdes.value, owner, 'value');
        const source = new SourceRuntime(def.name, key, value, def.timestampExtractor, this.forwardToChildren);
        const sensors = this.debugSensors?.node(def.name);
        for (const t of def.topics) {
          this.sourcesByTopic.set(this.deps.topicName(t), source);
          if (sensors !== undefined) this.sourceSensors.set(this.deps.topicName(t), sensors);
        }
        node = source;
      } else if (def.kind === 'processor') {
        const p = new ProcessorRuntime(def.name, def.supplier(), this.enter, this.leave, this.noteFailure);
        this.processors.push(p);
        if (typeof p.processor.pending === 'function') this.asyncProcessors.push(p.processor);
        node = p;
      } else {
        const topic = typeof def.topic === 'string' ? this.deps.topicName(def.topic) : def.topic;
        const key = serdeOrDefault(def.keySerde, this.deps.defaultSerdes.key, `sink '${def.name}'`, 'key');
        const value = serdeOrDefault(def.valueSerde, this.deps.defaultSerdes.value, `sink '${def.name}'`, 'value');
        node = new SinkRuntime(def.name, topic, key, value, def.partitioner, this.deps.errors.writeSink);
      }
      const sensors = def.kind === 'source' ? undefined : this.debugSensors?.node(def.name);
      if (sensors !== undefined) node = new MeteredNode(node, sensors);
      byName.set(name, node);
      this.runtimeNodes.push(node);
      if (def.kind !== 'source') {
        for (const parent of def.parents) {
          const p = byName.get(parent)!;
          p.children.push(node);
          p.childByName.set(node.name, node);
        }
      }
    }
  }
}


/**
 * DEBUG recording: a processor or sink node that counts the records it is given and their
 * end-to-end latency (stream-processor-node-metrics) before handing them on. It shares the inner
 * node's children, so the topology's wiring is the same with and without it.
 */
class MeteredNode implements RuntimeNode {
  readonly name: string;
  readonly children: RuntimeNode[];
  readonly childByName: Map<string, RuntimeNode>;

  constructor(
    private readonly inner: RuntimeNode,
    private readonly sensors: NodeSensors,
  ) {
    this.name = inner.name;
    this.children = inner.children;
    this.childByName = inner.childByName;
  }

  process(record: StreamRecord<unknown, unknown>): void {
    this.sensors.process.record();
    this.sensors.e2eLatency.record(Date.now() - record.timestamp);
    this.inner.process(record);
  }
}
