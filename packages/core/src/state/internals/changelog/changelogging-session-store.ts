import { ChangeloggingLayer } from './changelogging-layer.js';
import type { SessionBytesEntry, SessionBytesStore } from '../../session-bytes-store.js';
import { markBytes, sessionKeyBytes, STORE_MARK_KEY } from './time-key-encoding.js';

/**
 * Sends every write of a session engine to its changelog: `([key][end][start], value)`, a removal
 * a tombstone, as Kafka Streams' `ChangeLoggingSessionBytesStore` does; the mark under its 1-byte
 * key. The engine is written first; restoring is not logged; expiry is left to the topic's retention.
 */
export class ChangeloggingSessionStore extends ChangeloggingLayer<SessionBytesStore> implements SessionBytesStore {
  readonly retentionMs: number;

  constructor(inner: SessionBytesStore) {
    super(inner);
    this.retentionMs = inner.retentionMs;
  }

  put(key: Buffer, start: number, end: number, value: Buffer | null): void {
    this.inner.put(key, start, end, value);
    this.log(sessionKeyBytes(key, end, start), value);
  }

  fetchSession(key: Buffer, start: number, end: number): Buffer | undefined {
    return this.inner.fetchSession(key, start, end);
  }

  findSessions(key: Buffer, earliestSessionEnd: number, latestSessionStart: number): SessionBytesEntry[] {
    return this.inner.findSessions(key, earliestSessionEnd, latestSessionStart);
  }

  findAllSessions(earliestSessionEnd: number, latestSessionEnd: number): SessionBytesEntry[] {
    return this.inner.findAllSessions(earliestSessionEnd, latestSessionEnd);
  }

  emittedUpTo(): number | undefined {
    return this.inner.emittedUpTo();
  }

  setEmittedUpTo(time: number): void {
    this.inner.setEmittedUpTo(time);
    this.log(STORE_MARK_KEY, markBytes(time));
  }
}
