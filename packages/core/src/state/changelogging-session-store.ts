import type { SessionBytesEntry, SessionBytesStore } from './session-bytes-store.js';
import type { ChangelogRecord, ChangelogSink, StateStoreContext } from './state-store.js';
import { markBytes, sessionKeyBytes, STORE_MARK_KEY } from './time-key-encoding.js';

/**
 * Sends every write of a session engine to its changelog: `([key][end][start], value)`, a removal
 * a tombstone, as Kafka Streams' `ChangeLoggingSessionBytesStore` does; the mark under its 1-byte
 * key. The engine is written first; restoring is not logged; expiry is left to the topic's retention.
 */
export class ChangeloggingSessionStore implements SessionBytesStore {
  readonly name: string;
  readonly persistent: boolean;
  readonly retentionMs: number;
  private changelog: ChangelogSink | undefined;
  private currentTimestamp: () => number = Date.now;

  constructor(private readonly inner: SessionBytesStore) {
    this.name = inner.name;
    this.persistent = inner.persistent;
    this.retentionMs = inner.retentionMs;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  get restoredOffset(): string | undefined {
    return this.inner.restoredOffset;
  }

  init(context: StateStoreContext): Promise<void> | void {
    const opened = this.inner.init(context);
    const done = (): void => {
      this.changelog = context.changelog;
      this.currentTimestamp = context.currentTimestamp ?? Date.now;
    };
    if (opened instanceof Promise) return opened.then(done);
    done();
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  async close(): Promise<void> {
    this.changelog = undefined;
    await this.inner.close();
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

  restoreBatch(records: readonly ChangelogRecord[]): void {
    this.inner.restoreBatch(records);
  }

  checkpoint(offset: string): void {
    this.inner.checkpoint(offset);
  }

  wipe(): Promise<void> {
    return this.inner.wipe();
  }

  private log(key: Buffer, value: Buffer | null): void {
    const changelog = this.changelog;
    if (changelog === undefined) return;
    const now = this.currentTimestamp;
    changelog.append(key, value, now());
  }
}
