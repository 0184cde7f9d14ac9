import { ChangeloggingLayer } from './changelogging-layer.js';
import type { KeyValueBytesStore } from '../../key-value-bytes-store.js';
import type { KeyValue } from '../../key-value-store.js';

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
export class ChangeloggingKeyValueStore extends ChangeloggingLayer<KeyValueBytesStore> implements KeyValueBytesStore {

  constructor(inner: KeyValueBytesStore) {
    super(inner);
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
}
