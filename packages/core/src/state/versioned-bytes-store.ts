import type { RestorableStateStore } from './state-store.js';
import type { VersionedKeyValueStore } from './versioned-key-value-store.js';

/**
 * A versioned storage engine: versions of byte values per byte key, restorable from a changelog
 * whose record timestamps are the versions' timestamps. Serdes and changelogging are layered on top
 * (see {@link Stores.versionedKeyValueStoreBuilder}).
 */
export interface VersionedKeyValueBytesStore extends VersionedKeyValueStore<Buffer, Buffer>, RestorableStateStore {
  /** How long the engine keeps versions that are no longer the latest, relative to its observed stream time. */
  readonly historyRetentionMs: number;
}

/**
 * Makes a fresh versioned engine per task. {@link Stores.inMemoryVersionedKeyValueStore} and
 * {@link Stores.persistentVersionedKeyValueStore} return one.
 */
export interface VersionedBytesStoreSupplier {
  /** The store's name (also its changelog's: `<applicationId>-<name>-changelog`). */
  readonly name: string;
  /** True for the lmdb engine (on disk), false for the in-memory one. */
  readonly persistent: boolean;
  /** How long the engines keep history (versions that are no longer the latest). */
  readonly historyRetentionMs: number;
  /** A new, unopened engine named {@link VersionedBytesStoreSupplier.name}. */
  get(): VersionedKeyValueBytesStore;
}
