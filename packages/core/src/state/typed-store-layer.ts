import { changelogTopic } from './changelog-topic.js';
import type { ChangelogRecord, RestorableStateStore, StateStoreContext } from './state-store.js';

/**
 * What the typed faces of the key-value, window and session stores share: they wrap the byte store
 * below (changelogging, then the engine), delegate its lifecycle (init, flush, close, restore,
 * checkpoint, wipe), and know the topic their serdes are called with: the store's changelog topic,
 * as in Kafka Streams, once `init` has told them.
 *
 * @internal
 */
export abstract class TypedStoreLayer<S extends RestorableStateStore> implements RestorableStateStore {
  /** The store's name. */
  readonly name: string;
  /** Whether the engine keeps its data on disk (lmdb). */
  readonly persistent: boolean;
  /** The topic the serdes are called with: the changelog topic after `init`, the store's name before. */
  protected topic: string;

  protected constructor(protected readonly inner: S) {
    // Copied once: the name goes into every serde call and error message.
    this.name = inner.name;
    this.persistent = inner.persistent;
    this.topic = inner.name;
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
    const done = (): void => {
      this.topic =
        context.changelog?.topic ?? (context.applicationId === undefined ? this.name : changelogTopic(context.applicationId, this.name));
    };
    if (opened instanceof Promise) return opened.then(done);
    done();
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
}
