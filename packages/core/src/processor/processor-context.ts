import type { StateStore } from '../state/state-store.js';
import type { DroppedRecordReason } from './dropped-record.js';
import type { RecordMetadata, StreamRecord } from './stream-record.js';

/** What drives a punctuator: the task's stream time (record timestamps) or the wall clock. */
export type PunctuationType = 'stream-time' | 'wall-clock-time';

/** A scheduled punctuation; `cancel()` stops it. */
export interface Cancellable {
  /** Stops the punctuation; it will not fire again. */
  cancel(): void;
}

/**
 * What a processor sees of its task: forwarding to children, its state stores, punctuators, commit
 * requests and the metadata of the record being processed.
 */
export interface ProcessorContext<KForward = never, VForward = never> {
  /** The app's `applicationId` (its consumer group id). */
  readonly applicationId: string;
  /** `<subtopology>_<partition>`, e.g. `0_3`. */
  readonly taskId: string;
  /** Forwards to all children, or to the named child only. */
  forward<K extends KForward, V extends VForward>(record: StreamRecord<K, V>, childName?: string): void;
  /** A store connected to this processor; throws if the processor was not connected to it. */
  getStateStore<S extends StateStore>(name: string): S;
  /**
   * Calls `callback(timestamp)` every `intervalMs` of stream time (advanced by record timestamps)
   * or of wall-clock time (checked between batches).
   */
  schedule(intervalMs: number, type: PunctuationType, callback: (timestamp: number) => void): Cancellable;
  /** Asks the runtime to commit this task as soon as the current batch is done. */
  commit(): void;
  /**
   * For a processor that finishes a record's work after `process` returned (async work): call it
   * once in `init()`, then `capture()` the record in `process()` and forward its results later
   * through the returned origin. The processor reports its work in flight with
   * `Processor.pending`, so commits wait for it.
   *
   * @example
   * init(context) { this.later = context.asyncForwarder(); }
   * process(record) {
   *   const origin = this.later.capture();
   *   this.work = lookup(record.value).then((v) => origin.forward(record.withValue(v)), (err) => origin.fail(err));
   * }
   */
  asyncForwarder(): AsyncForwarder<KForward, VForward>;
  /** Topic, partition and offset of the record being processed; undefined inside a punctuator. */
  recordMetadata(): RecordMetadata | undefined;
  /** The largest record timestamp this task has seen. */
  currentStreamTimeMs(): number;
  /** The wall-clock time, epoch milliseconds: `Date.now()`, or the virtual clock under the TopologyTestDriver. */
  currentSystemTimeMs(): number;
  /**
   * Reports that this processor drops the record being processed, and why: a record a processor
   * does not forward by design (a null key it cannot aggregate, a record too late for its window)
   * rather than one it filters out by the user's predicate. The runtime counts it in the task's
   * dropped records, per reason (Kafka Streams' `dropped-records-total`: `app.metrics()`,
   * `TopologyTestDriver.droppedRecords()`), and logs it at WARN: the first drop of a reason in a task
   * at once, then at most one line per reason and task every 10 s with the running count, the
   * processor's name and the topic, partition and offset of the latest such record. Nothing is
   * dropped without a trace. The processor still decides what to do with the record (usually: return
   * without forwarding).
   *
   * The call costs an increment and a clock read; no text is built unless a line is written, so
   * pass the detail as a function when it takes work to build.
   *
   * @param reason - Why the record is dropped; see {@link DroppedRecordReason}.
   * @param detail - What the log line adds about this record: text, or a function called only when
   *   a line is written.
   *
   * @example
   * process(record) {
   *   if (record.key === null) {
   *     this.context.reportDropped('null-key-or-value', 'a null key');
   *     return;
   *   }
   *   // ...
   * }
   */
  reportDropped(reason: DroppedRecordReason, detail?: string | (() => string)): void;
}

/**
 * Forwards from one processor after its `process()` returned. Made by
 * {@link ProcessorContext.asyncForwarder} in `init()`.
 */
export interface AsyncForwarder<KForward = never, VForward = never> {
  /**
   * Remembers the record being processed now (its topic, partition, offset, raw bytes and
   * timestamp): call it inside `process()` (or a punctuator), before the work goes async.
   */
  capture(): AsyncOrigin<KForward, VForward>;
}

/**
 * The record an async result belongs to. Its `forward` and `fail` may be called later, outside
 * `process()`, and run as if inside it: downstream nodes see the record's metadata, and a failure
 * goes to the processing exception handler with the record's topic, partition and offset. Under
 * the `fail` handler they throw the `ProcessingError`; the task also keeps it, so the batch
 * (and the commit) that waits for this work fails with it.
 */
export interface AsyncOrigin<KForward = never, VForward = never> {
  /** Topic, partition and offset of the captured record; undefined when captured in a punctuator. */
  readonly metadata: RecordMetadata | undefined;
  /** Forwards a result to all children, or to the named child only. No-op once the task closed. */
  forward<K extends KForward, V extends VForward>(record: StreamRecord<K, V>, childName?: string): void;
  /** Reports that the record's async work failed. No-op once the task closed. */
  fail(error: unknown): void;
}
