import type { KeyValue } from './key-value-store.js';
import type { RestorableStateStore } from './state-store.js';

/** A window of a bytes window store: key bytes, window start and value bytes. */
export interface WindowBytesEntry {
  readonly key: Buffer;
  readonly windowStart: number;
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
  readonly retentionMs: number;
  readonly windowSizeMs: number;
  put(key: Buffer, value: Buffer | null, windowStart: number): void;
  fetch(key: Buffer, windowStart: number): Buffer | undefined;
  /** The key's windows with `timeFrom <= start <= timeTo`, by start. */
  fetchRange(key: Buffer, timeFrom: number, timeTo: number): KeyValue<number, Buffer>[];
  /** Every key's windows with `timeFrom <= start <= timeTo`, by start, then key bytes. */
  fetchAll(timeFrom: number, timeTo: number): WindowBytesEntry[];
  emittedUpTo(): number | undefined;
  setEmittedUpTo(time: number): void;
}

/** Makes a fresh window engine per task. {@link Stores.inMemoryWindowStore} and {@link Stores.persistentWindowStore} return one. */
export interface WindowBytesStoreSupplier {
  readonly name: string;
  readonly persistent: boolean;
  readonly retentionMs: number;
  readonly windowSizeMs: number;
  get(): WindowBytesStore;
}
