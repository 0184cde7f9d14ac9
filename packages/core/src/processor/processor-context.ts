import type { StateStore } from '../state/state-store.js';
import type { RecordMetadata, StreamRecord } from './stream-record.js';

/** What drives a punctuator: the task's stream time (record timestamps) or the wall clock. */
export type PunctuationType = 'stream-time' | 'wall-clock-time';

/** A scheduled punctuation; `cancel()` stops it. */
export interface Cancellable {
  cancel(): void;
}

/**
 * What a processor sees of its task: forwarding to children, its state stores, punctuators, commit
 * requests and the metadata of the record being processed.
 */
export interface ProcessorContext<KForward = never, VForward = never> {
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
  /** Topic, partition and offset of the record being processed; undefined inside a punctuator. */
  recordMetadata(): RecordMetadata | undefined;
  /** The largest record timestamp this task has seen. */
  currentStreamTimeMs(): number;
  currentSystemTimeMs(): number;
}
