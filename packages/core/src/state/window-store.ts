import type { KeyValue } from './key-value-store.js';
import type { StateStore } from './state-store.js';
import type { Windowed } from './windowed.js';

/**
 * The read side of a window store: one value per key and window, windows identified by their start
 * (ms). What processors read and what tests and interactive queries see. Synchronous.
 *
 * Windows older than the store's retention (a window start more than `retentionMs` before the
 * newest window start written) are gone: reads skip them and writes of them are dropped.
 */
export interface ReadOnlyWindowStore<K, V> {
  /** The value of `key` in the window that starts at `windowStart`, or undefined. */
  fetch(key: K, windowStart: number): V | undefined;
  /**
   * `key`'s windows with `timeFrom <= start <= timeTo`, by start, as `{ key: windowStart, value }`.
   *
   * @example
   * for (const { key: start, value } of store.fetch('sensor-1', 0, Date.now())) console.log(start, value);
   */
  fetch(key: K, timeFrom: number, timeTo: number): Iterable<KeyValue<number, V>>;
  /** Every key's windows with `timeFrom <= start <= timeTo`, by window start, then key bytes. */
  fetchAll(timeFrom: number, timeTo: number): Iterable<KeyValue<Windowed<K>, V>>;
  /** Every window in the store, by window start, then key bytes. */
  all(): Iterable<KeyValue<Windowed<K>, V>>;
}

/**
 * A window store: a value per key and window start, kept for `retentionMs`, each write also sent to
 * the store's changelog (`<applicationId>-<store>-changelog`, `compact,delete` with a retention of
 * the store's plus one day, as Kafka Streams sets it). Made by {@link Stores.windowStoreBuilder}.
 *
 * @example
 * const store = context.getStateStore<WindowStore<string, number>>('clicks-per-minute');
 * const start = record.timestamp - (record.timestamp % 60_000);
 * store.put(record.key, (store.fetch(record.key, start) ?? 0) + 1, start);
 */
export interface WindowStore<K, V> extends ReadOnlyWindowStore<K, V>, StateStore {
  /** How long windows are kept, measured from the newest window start written. */
  readonly retentionMs: number;
  /** The size of the windows (what `end` is in the windows the store yields: start + size). */
  readonly windowSizeMs: number;
  /** Sets the value of `key` in the window starting at `windowStart`; null deletes it. */
  put(key: K, value: V | null, windowStart: number): void;
  /**
   * A number the store keeps and logs for the aggregation that owns it: how far it has emitted
   * final results (the DSL's `emit: 'final'`), so that a restored task does not emit them again.
   * Undefined until set.
   */
  emittedUpTo(): number | undefined;
  /** Sets {@link WindowStore.emittedUpTo} (a time >= 0); logged like a write. */
  setEmittedUpTo(time: number): void;
}
