import type { KeyValue } from './key-value-store.js';
import type { StateStore } from './state-store.js';
import type { Windowed } from './windowed.js';

/**
 * The read side of a session store: one value per key and session, a session being a window
 * `[start, end]` (both inclusive) of activity. Synchronous. Sessions whose end is more than
 * `retentionMs` before the newest session end written are gone.
 */
export interface ReadOnlySessionStore<K, V> {
  /** The value of `key`'s session `[sessionStart, sessionEnd]`, or undefined. */
  fetchSession(key: K, sessionStart: number, sessionEnd: number): V | undefined;
  /**
   * `key`'s sessions that end at or after `earliestSessionEnd` and start at or before
   * `latestSessionStart`: those a record at `t` merges with, for `t - gap` and `t + gap`. By end,
   * then start.
   *
   * @example
   * for (const { key: session, value } of store.findSessions('user-1', t - gap, t + gap)) merged.push(session);
   */
  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): Iterable<KeyValue<Windowed<K>, V>>;
  /** Every session of `key`, by end, then start. */
  fetch(key: K): Iterable<KeyValue<Windowed<K>, V>>;
  /** Every key's sessions with `earliestSessionEnd <= end <= latestSessionEnd`, by end, then key bytes, then start. */
  findAllSessions(earliestSessionEnd: number, latestSessionEnd: number): Iterable<KeyValue<Windowed<K>, V>>;
  /** Every session in the store, by end, then key bytes, then start. */
  all(): Iterable<KeyValue<Windowed<K>, V>>;
}

/**
 * A session store: a value per key and session, kept for `retentionMs` after the session's end,
 * each write also sent to the store's changelog (`compact,delete`, like a window store's). Made by
 * {@link Stores.sessionStoreBuilder}.
 *
 * @example
 * const sessions = context.getStateStore<SessionStore<string, number>>('clicks-per-session');
 * sessions.put({ key: 'user-1', window: { start: 1_000, end: 4_000 } }, 3);
 */
export interface SessionStore<K, V> extends ReadOnlySessionStore<K, V>, StateStore {
  /** How long sessions are kept, in ms, after the newest session end written. */
  readonly retentionMs: number;
  /** Sets the value of a session; null removes it. */
  put(session: Windowed<K>, value: V | null): void;
  /** Removes a session. */
  remove(session: Windowed<K>): void;
  /** See {@link WindowStore.emittedUpTo}: here, the session end up to which final results were emitted. */
  emittedUpTo(): number | undefined;
  /** Sets {@link SessionStore.emittedUpTo} (a time >= 0); logged like a write. */
  setEmittedUpTo(time: number): void;
}
