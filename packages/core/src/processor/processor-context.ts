import type { StateStore } from '../state/state-store.js';
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
