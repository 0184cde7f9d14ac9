import type { ChangelogRecord, RestorableStateStore, StateStoreContext } from '../state-store.js';

/**
 * The layers of a state store (typed face, changelogging, time-retention over a key-value engine)
 * each wrap the store below and pass its lifecycle through: open, flush, close, restore,
 * checkpoint, wipe. This base does that once; a layer overrides what it adds to, and learns of a
 * finished `init` through {@link DelegatingStore.opened}.
 *
 * @hidden Not public API, but a base of public classes, so it stays in the published `.d.ts`
 * (the build strips internal declarations: see docs/architecture.md#public-api-and-internals).
 */
export abstract class DelegatingStore<S extends RestorableStateStore> implements RestorableStateStore {
  /** The store's name. */
  readonly name: string;
  /** Whether the engine keeps its data on disk (lmdb). */
  readonly persistent: boolean;

  protected constructor(protected readonly inner: S) {
    this.name = inner.name;
    this.persistent = inner.persistent;
  }

  /** True between a successful `init` and `close`. */
  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  /** The changelog offset the engine's local state covers, from its checkpoint; undefined without one. */
  get restoredOffset(): string | undefined {
    return this.inner.restoredOffset;
  }

  /** Synchronous when the engine opens synchronously (in memory), a Promise otherwise (lmdb). */
  init(context: StateStoreContext): Promise<void> | void {
    const opened = this.inner.init(context);
    if (opened instanceof Promise) return opened.then(() => this.opened(context));
    this.opened(context);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
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

  async discardCheckpoint(): Promise<void> {
    await this.inner.discardCheckpoint?.();
  }

  /** Called once the store below is open, with the context `init` was given. */
  protected abstract opened(context: StateStoreContext): void;
}
