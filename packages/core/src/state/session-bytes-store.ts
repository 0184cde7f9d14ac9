import type { RestorableStateStore } from './state-store.js';

/** A session of a bytes session store. */
export interface SessionBytesEntry {
  /** The key bytes. */
  readonly key: Buffer;
  /** Session start, epoch milliseconds (inclusive). */
  readonly start: number;
  /** Session end, epoch milliseconds (inclusive). */
  readonly end: number;
  /** The value bytes. */
  readonly value: Buffer;
}

/**
 * A session storage engine: sessions of bytes, restorable from a changelog whose record keys are
 * `[key][8-byte big-endian end][8-byte big-endian start]`. Serdes and changelogging are layered on
 * top (see {@link Stores.sessionStoreBuilder}). Ranges return arrays: copies, safe to hold while
 * writing. Buffers passed in are kept; buffers returned are the store's: modify neither.
 */
export interface SessionBytesStore extends RestorableStateStore {
  /** How long sessions are kept, in ms, after the newest session end written. */
  readonly retentionMs: number;
  /** Writes the value of the key's session `[start, end]`; a null value deletes it. */
  put(key: Buffer, start: number, end: number, value: Buffer | null): void;
  /** The value of the key's session `[start, end]`, or undefined. */
  fetchSession(key: Buffer, start: number, end: number): Buffer | undefined;
  /** The key's sessions with `end >= earliestSessionEnd` and `start <= latestSessionStart`, by end, then start. */
  findSessions(key: Buffer, earliestSessionEnd: number, latestSessionStart: number): SessionBytesEntry[];
  /** Every key's sessions with `earliestSessionEnd <= end <= latestSessionEnd`, by end, then key bytes, then start. */
  findAllSessions(earliestSessionEnd: number, latestSessionEnd: number): SessionBytesEntry[];
  /** The session end up to which final results were emitted; undefined until set. */
  emittedUpTo(): number | undefined;
  /** Sets {@link SessionBytesStore.emittedUpTo} (a time >= 0). */
  setEmittedUpTo(time: number): void;
}

/** Makes a fresh session engine per task. {@link Stores.inMemorySessionStore} and {@link Stores.persistentSessionStore} return one. */
export interface SessionBytesStoreSupplier {
  /** The store's name. */
  readonly name: string;
  /** True for an lmdb engine on disk, false in memory. */
  readonly persistent: boolean;
  /** How long sessions are kept, in ms. */
  readonly retentionMs: number;
  /** A new, unopened engine for one task. */
  get(): SessionBytesStore;
}
