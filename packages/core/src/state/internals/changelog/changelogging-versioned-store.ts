import { DelegatingStore } from '../delegating-store.js';
import type { ChangelogSink, StateStoreContext } from '../../state-store.js';
import type { VersionedKeyValueBytesStore } from '../../versioned-bytes-store.js';
import { PUT_RETURN_CODE_NOT_PUT, type VersionedRecord } from '../../versioned-key-value-store.js';

/**
 * Sends every write of a versioned engine to its changelog, as Kafka Streams'
 * `ChangeLoggingVersionedKeyValueBytesStore`: a put appends `(key, value)` and a deletion
 * `(key, null)`, each with the version's timestamp as the record timestamp (not the timestamp of
 * the record being processed), so that a restore puts every version back at its time. A put the
 * engine refused (older than the history retention) is not logged. The engine is written first.
 */
export class ChangeloggingVersionedStore extends DelegatingStore<VersionedKeyValueBytesStore> implements VersionedKeyValueBytesStore {
  private changelog: ChangelogSink | undefined;

  constructor(inner: VersionedKeyValueBytesStore) {
    super(inner);
  }

  get historyRetentionMs(): number {
    return this.inner.historyRetentionMs;
  }

  get(key: Buffer, asOfTimestamp?: number): VersionedRecord<Buffer> | undefined {
    return this.inner.get(key, asOfTimestamp);
  }

  put(key: Buffer, value: Buffer | null, timestamp: number): number {
    const validTo = this.inner.put(key, value, timestamp);
    if (validTo !== PUT_RETURN_CODE_NOT_PUT) this.changelog?.append(key, value, timestamp);
    return validTo;
  }

  /** Logs the tombstone whatever the engine did with it, as Kafka Streams does: a restore refuses it again when it is too old. */
  delete(key: Buffer, timestamp: number): VersionedRecord<Buffer> | undefined {
    const before = this.inner.delete(key, timestamp);
    this.changelog?.append(key, null, timestamp);
    return before;
  }

  override async close(): Promise<void> {
    this.changelog = undefined;
    await this.inner.close();
  }

  protected opened(context: StateStoreContext): void {
    this.changelog = context.changelog;
  }
}
