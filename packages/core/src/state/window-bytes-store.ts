import type { KeyValue } from './key-value-store.js';
import type { RestorableStateStore } from './state-store.js';

/** A window of a bytes window store: key bytes, window start and value bytes. */
export interface WindowBytesEntry {
  /** The key bytes. */
  readonly key: Buffer;
  /** The window start, epoch milliseconds. */
  readonly windowStart: number;
  /** The value bytes. */
  readonly value: Buffer;
}

/**
 * A window storage engine: windows of bytes, restorable from a changelog whose record keys are
 * `[key][8-byte big-endian window start]`. Serdes and changelogging are layered on top (see
 * {@link Stores.windowStoreBuilder}). Ranges return arrays: copies, safe to hold while writing.
 *
 * Buffers passed in are kept, not copied; buffers returned are the store's: do not modify either.
 */
export interface WindowBytesStore extends RestorableStateStore {
  /** How long windows are kept, in ms, measured from the newest window start written. */
  readonly retentionMs: number;
  /** The window size in ms. */
  readonly windowSizeMs: number;
  /** Writes the value of the key's window at `windowStart`; a null value deletes it. */
  put(key: Buffer, value: Buffer | null, windowStart: number): void;
  /** The value of the key's window at `windowStart`, or undefined. */
  fetch(key: Buffer, windowStart: number): Buffer | undefined;
  /** The key's windows with `timeFrom <= start <= timeTo`, by start. */
  fetchRange(key: Buffer, timeFrom: number, timeTo: number): KeyValue<number, Buffer>[];
  /** Every key's windows with `timeFrom <= start <= timeTo`, by start, then key bytes. */
  fetchAll(timeFrom: number, timeTo: number): WindowBytesEntry[];
  /** How far final results were emitted, as {@link WindowStore.emittedUpTo}; undefined until set. */
  emittedUpTo(): number | undefined;
  /** Sets {@link WindowBytesStore.emittedUpTo} (a time >= 0). */
  setEmittedUpTo(time: number): void;
}

/** Makes a fresh window engine per task. {@link Stores.inMemoryWindowStore} and {@link Stores.persistentWindowStore} return one. */
export interface WindowBytesStoreSupplier {
  /** The store's name. */
  readonly name: string;
  /** True for an lmdb engine on disk, false in memory. */
  readonly persistent: boolean;
  /** How long windows are kept, in ms. */
  readonly retentionMs: number;
  /** The window size in ms. */
  readonly windowSizeMs: number;
  /** A new, unopened engine for one task. */
  get(): WindowBytesStore;
}
