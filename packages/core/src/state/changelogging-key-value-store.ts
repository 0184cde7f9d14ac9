import type { KeyValueBytesStore } from './key-value-bytes-store.js';
import type { KeyValue } from './key-value-store.js';
import type { ChangelogRecord, ChangelogSink, StateStoreContext } from './state-store.js';

/**
 * Sends every write of a bytes store to its changelog: a put appends `(key, value)`, a delete
 * appends `(key, null)`, a tombstone, as Kafka Streams' `ChangeLoggingKeyValueBytesStore` does. The
 * sink comes from the context at `init`; without one (logging disabled) nothing is appended.
 *
 * The engine is written first, then the changelog: a write the engine refuses (a key too long for
 * lmdb) is never logged. Restoring goes straight to the engine and is not logged: the records come
 * from the changelog already.
 *
 * Each record's timestamp is `context.currentTimestamp()` (the record being processed), or
 * `Date.now()` when the runtime gives none.
 */
export class ChangeloggingKeyValueStore implements KeyValueBytesStore {
  readonly name: string;
  readonly persistent: boolean;
  private changelog: ChangelogSink | undefined;
  private currentTimestamp: () => number = Date.now;

  constructor(private readonly inner: KeyValueBytesStore) {
    this.name = inner.name;
    this.persistent = inner.persistent;
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

  get(key: Buffer): Buffer | undefined {
    return this.inner.get(key);
  }

  put(key: Buffer, value: Buffer | null): void {
    this.inner.put(key, value);
    this.log(key, value);
  }

  putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    const existing = this.inner.putIfAbsent(key, value);
    if (existing === undefined) this.log(key, value);
    return existing;
  }

  putAll(entries: Iterable<KeyValue<Buffer, Buffer | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  /** Logs a tombstone even for an absent key, as Kafka Streams does: the changelog may still hold it. */
  delete(key: Buffer): Buffer | undefined {
    const previous = this.inner.delete(key);
    this.log(key, null);
    return previous;
  }

  range(from?: Buffer, to?: Buffer): Iterable<KeyValue<Buffer, Buffer>> {
    return this.inner.range(from, to);
  }

  all(): Iterable<KeyValue<Buffer, Buffer>> {
    return this.inner.all();
  }

  approximateNumEntries(): number {
    return this.inner.approximateNumEntries();
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
    // Read into a local and called bare: the provider is a plain function, not a method of the store.
    const now = this.currentTimestamp;
    changelog.append(key, value, now());
  }
}
