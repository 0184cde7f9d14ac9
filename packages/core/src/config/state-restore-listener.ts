import { formatValue } from './format-value.js';
import type { IssueList } from './issue-list.js';
import { isPlainObject } from './read-value.js';

/** A changelog partition being restored. */
export interface RestoredPartition {
  /** The changelog topic, `<applicationId>-<store>-changelog`. */
  readonly topic: string;
  /** The changelog partition: the task's partition number. */
  readonly partition: number;
}

/**
 * Hears the progress of state restoration, as Kafka Streams' `StateRestoreListener`: a store is
 * restored from its changelog partition when its task opens on this instance, while the other tasks
 * keep processing. Each method is optional; one that throws is logged and the restore goes on. Offsets
 * are decimal strings.
 *
 * @example
 * const stateRestoreListener: StateRestoreListener = {
 *   onRestoreStart: (tp, store, start, end) => console.log(`restoring ${store} ${tp.topic}-${tp.partition} from ${start} to ${end}`),
 *   onRestoreEnd: (tp, store, total) => console.log(`restored ${store}: ${total} records`),
 * };
 */
export interface StateRestoreListener {
  /** A store's restore begins: it reads its changelog partition from `startOffset` to `endOffset` (exclusive). */
  onRestoreStart?(partition: RestoredPartition, storeName: string, startOffset: string, endOffset: string): void;
  /** A batch of `numRestored` records was applied, the last at `batchEndOffset`. */
  onBatchRestored?(partition: RestoredPartition, storeName: string, batchEndOffset: string, numRestored: number): void;
  /** The store caught up with its changelog partition after `totalRestored` records. */
  onRestoreEnd?(partition: RestoredPartition, storeName: string, totalRestored: number): void;
}

const METHODS = ['onRestoreStart', 'onBatchRestored', 'onRestoreEnd'] as const;

/**
 * Reads `stateRestoreListener`: an object with some of the three methods, or unset.
 *
 * @param issues - Where problems are reported.
 * @param value - The value the user gave, or `undefined`.
 * @returns The listener, or undefined.
 */
export function readStateRestoreListener(issues: IssueList, value: unknown): StateRestoreListener | undefined {
  if (value === undefined) return undefined;
  const fix = `Fix: pass an object with any of ${METHODS.join(', ')} as functions, or remove it.`;
  if (!isPlainObject(value) && (typeof value !== 'object' || value === null)) {
    issues.add('stateRestoreListener', `stateRestoreListener = ${formatValue(value)} is not allowed: it must be an object. ${fix}`);
    return undefined;
  }
  const listener = value as Record<string, unknown>;
  const before = issues.issues.length;
  for (const name of METHODS) {
    const method = listener[name];
    if (method !== undefined && typeof method !== 'function') {
      issues.add(`stateRestoreListener.${name}`, `stateRestoreListener.${name} = ${formatValue(method)} is not allowed: it must be a function. ${fix}`);
    }
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(listener)) {
      if (!(METHODS as readonly string[]).includes(key)) {
        issues.add(`stateRestoreListener.${key}`, `Unknown setting stateRestoreListener.${key}: a restore listener has only ${METHODS.join(', ')}. Fix: remove it or fix its name.`);
      }
    }
  }
  return issues.issues.length === before ? (value as StateRestoreListener) : undefined;
}
