import type { KeyValueStore } from './key-value-store.js';
import type { RestorableStateStore } from './state-store.js';

/**
 * A storage engine: a key-value store of bytes that can be restored from a changelog. Serdes and
 * changelogging are layered on top of it (see {@link Stores.keyValueStoreBuilder}).
 *
 * Buffers passed in are kept as they are, not copied: the caller must not modify them afterwards.
 * Buffers returned are the store's: read them, do not modify them.
 */
export interface KeyValueBytesStore extends KeyValueStore<Buffer, Buffer>, RestorableStateStore {}

/**
 * Makes a fresh storage engine per task, so that each task has its own store instance.
 * {@link Stores.inMemoryKeyValueStore} and {@link Stores.persistentKeyValueStore} return one.
 */
export interface KeyValueBytesStoreSupplier {
  readonly name: string;
  readonly persistent: boolean;
  /** A new, unopened engine named {@link KeyValueBytesStoreSupplier.name}. */
  get(): KeyValueBytesStore;
}
