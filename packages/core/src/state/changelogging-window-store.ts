import type { KeyValue } from './key-value-store.js';
import type { ChangelogRecord, ChangelogSink, StateStoreContext } from './state-store.js';
import { markBytes, STORE_MARK_KEY, windowKeyBytes } from './time-key-encoding.js';
import type { WindowBytesEntry, WindowBytesStore } from './window-bytes-store.js';

/**
 * Sends every write of a window engine to its changelog: `put(key, value, start)` appends
 * `([key][8-byte big-endian start], value)`, a null value a tombstone, as Kafka Streams'
 * `ChangeLoggingWindowBytesStore` does; the mark goes under its 1-byte key. The engine is written
 * first, then the changelog. Restoring goes straight to the engine and is not logged. Windows that
 * expire are not logged: the changelog topic (`compact,delete`) expires them by its own retention.
 */
export class ChangeloggingWindowStore implements WindowBytesStore {
  readonly name: string;
  readonly persistent: boolean;
  readonly retentionMs: number;
  readonly windowSizeMs: number;
  private changelog: ChangelogSink | undefined;
  private currentTimestamp: () => number = Date.now;

  constructor(private readonly inner: WindowBytesStore) {
    this.name = inner.name;
    this.persistent = inner.persistent;
    this.retentionMs = inner.retentionMs;
    this.windowSizeMs = inner.windowSizeMs;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  get restoredOffset(): string | undefined {
    return this.inner.restoredOffset;
  }

  /** Synchronous when the engine opens synchronously (in memory), a Promise otherwise (lmdb). */
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

  put(key: Buffer, value: Buffer | null, windowStart: number): void {
    this.inner.put(key, value, windowStart);
    this.log(windowKeyBytes(key, windowStart), value);
  }

  fetch(key: Buffer, windowStart: number): Buffer | undefined {
    return this.inner.fetch(key, windowStart);
  }

  fetchRange(key: Buffer, timeFrom: number, timeTo: number): KeyValue<number, Buffer>[] {
    return this.inner.fetchRange(key, timeFrom, timeTo);
  }

  fetchAll(timeFrom: number, timeTo: number): WindowBytesEntry[] {
    return this.inner.fetchAll(timeFrom, timeTo);
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
