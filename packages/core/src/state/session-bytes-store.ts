import type { RestorableStateStore } from './state-store.js';

/** A session of a bytes session store. */
export interface SessionBytesEntry {
  readonly key: Buffer;
  readonly start: number;
  readonly end: number;
  readonly value: Buffer;
}

/**
 * A session storage engine: sessions of bytes, restorable from a changelog whose record keys are
 * `[key][8-byte big-endian end][8-byte big-endian start]`. Serdes and changelogging are layered on
 * top (see {@link Stores.sessionStoreBuilder}). Ranges return arrays: copies, safe to hold while
 * writing. Buffers passed in are kept; buffers returned are the store's: modify neither.
 */
export interface SessionBytesStore extends RestorableStateStore {
  readonly retentionMs: number;
  put(key: Buffer, start: number, end: number, value: Buffer | null): void;
  fetchSession(key: Buffer, start: number, end: number): Buffer | undefined;
  /** The key's sessions with `end >= earliestSessionEnd` and `start <= latestSessionStart`, by end, then start. */
  findSessions(key: Buffer, earliestSessionEnd: number, latestSessionStart: number): SessionBytesEntry[];
  /** Every key's sessions with `earliestSessionEnd <= end <= latestSessionEnd`, by end, then key bytes, then start. */
  findAllSessions(earliestSessionEnd: number, latestSessionEnd: number): SessionBytesEntry[];
  emittedUpTo(): number | undefined;
  setEmittedUpTo(time: number): void;
}

/** Makes a fresh session engine per task. {@link Stores.inMemorySessionStore} and {@link Stores.persistentSessionStore} return one. */
export interface SessionBytesStoreSupplier {
  readonly name: string;
  readonly persistent: boolean;
  readonly retentionMs: number;
  get(): SessionBytesStore;
}
