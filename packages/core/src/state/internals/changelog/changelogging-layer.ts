import { DelegatingStore } from '../delegating-store.js';
import type { ChangelogSink, RestorableStateStore, StateStoreContext } from '../../state-store.js';

/**
 * What every changelogging layer (key-value, window, session) shares: it wraps an engine, delegates
 * its lifecycle (init, flush, close, restore, checkpoint, wipe) and appends each write to the
 * store's changelog partition with the timestamp of the record being processed. Restoring goes
 * straight to the engine and is not logged.
 */
export abstract class ChangeloggingLayer<S extends RestorableStateStore> extends DelegatingStore<S> {
  private changelog: ChangelogSink | undefined;
  private currentTimestamp: () => number = Date.now;

  override async close(): Promise<void> {
    this.changelog = undefined;
    await this.inner.close();
  }

  protected opened(context: StateStoreContext): void {
    this.changelog = context.changelog;
    this.currentTimestamp = context.currentTimestamp ?? Date.now;
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
