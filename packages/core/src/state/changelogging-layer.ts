import type { ChangelogRecord, ChangelogSink, RestorableStateStore, StateStoreContext } from './state-store.js';

/**
 * What every changelogging layer (key-value, window, session) shares: it wraps an engine, delegates
 * its lifecycle (init, flush, close, restore, checkpoint, wipe) and appends each write to the
 * store's changelog partition with the timestamp of the record being processed. Restoring goes
 * straight to the engine and is not logged.
 */
export abstract class ChangeloggingLayer<S extends RestorableStateStore> implements RestorableStateStore {
  readonly name: string;
  readonly persistent: boolean;
  private changelog: ChangelogSink | undefined;
  private currentTimestamp: () => number = Date.now;

  constructor(protected readonly inner: S) {
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

  restoreBatch(records: readonly ChangelogRecord[]): void {
    this.inner.restoreBatch(records);
  }

  checkpoint(offset: string): void {
    this.inner.checkpoint(offset);
  }

  wipe(): Promise<void> {
    return this.inner.wipe();
  }

  /** Appends one write to the changelog, if logging is on. */
  protected log(key: Buffer, value: Buffer | null): void {
    const changelog = this.changelog;
    if (changelog === undefined) return;
    // Read into a local and called bare: the provider is a plain function, not a method of the store.
    const now = this.currentTimestamp;
    changelog.append(key, value, now());
  }
}
