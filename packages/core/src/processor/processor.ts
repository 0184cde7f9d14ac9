import type { ProcessorContext } from './processor-context.js';
import type { StreamRecord } from './stream-record.js';

/**
 * A node of the Processor API: receives records one at a time, in offset order per partition, and
 * forwards zero or more records to its children through its context. `process` is synchronous: the
 * per-record path never awaits (async work goes through the DSL's tracked operators).
 *
 * @example
 * const upper: ProcessorSupplier<string, string, string, string> = () => {
 *   let ctx: ProcessorContext<string, string>;
 *   return {
 *     init: (context) => { ctx = context; },
 *     process: (record) => ctx.forward(record.withValue(record.value.toUpperCase())),
 *   };
 * };
 */
export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  /** Called once per task before the first record, after the task's stores are restored. */
  init?(context: ProcessorContext<KOut, VOut>): void;
  /** Handles one record: forwards results through the context, updates stores. Must not await. */
  process(record: StreamRecord<KIn, VIn>): void;
  /**
   * Work still in flight (async operators): a promise that resolves when this processor has
   * forwarded the results of every record it took, or undefined when it is idle. The runtime awaits
   * it after each batch and before each commit, so a commit covers only finished work. It rejects
   * only with a fatal error (a `ProcessingError`); record failures go through
   * `AsyncOrigin.fail`.
   */
  pending?(): Promise<void> | undefined;
  /** Called when the task closes (its partitions move away, or the app stops). */
  close?(): void;
}

/** Makes a fresh processor for each task: processors hold per-task state and are never shared. */
export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> = () => Processor<KIn, VIn, KOut, VOut>;
