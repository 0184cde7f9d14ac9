import { changelogTopic } from '../changelog/changelog-topic.js';
import { DelegatingStore } from '../delegating-store.js';
import type { RestorableStateStore, StateStoreContext } from '../../state-store.js';

/**
 * What the typed faces of the key-value, window and session stores share besides the lifecycle:
 * the topic their serdes are called with, the store's changelog topic as in Kafka Streams, once
 * `init` has told them (the store's name before).
 *
 * @hidden Not public API, but a base of public classes, so it stays in the published `.d.ts`
 * (the build strips internal declarations: see docs/architecture.md#public-api-and-internals).
 */
export abstract class TypedStoreLayer<S extends RestorableStateStore> extends DelegatingStore<S> {
  /** The topic the serdes are called with: the changelog topic after `init`, the store's name before. */
  protected topic: string;

  protected constructor(inner: S) {
    super(inner);
    // Copied once: the name goes into every serde call and error message.
    this.topic = inner.name;
  }

  protected opened(context: StateStoreContext): void {
    this.topic = context.changelog?.topic ?? (context.applicationId === undefined ? this.name : changelogTopic(context.applicationId, this.name));
  }
}
