import type { Serde } from '@rivulet/serde';
import type { VersionedKeyValueBytesStore } from '../../versioned-bytes-store.js';
import type { VersionedKeyValueStore, VersionedRecord } from '../../versioned-key-value-store.js';
import { deserializeForStore, serializeForStore } from './store-serde.js';
import { TypedStoreLayer } from './typed-store-layer.js';

/**
 * The typed face of a versioned key-value store: serializes keys and values with the store's
 * serdes (called with the changelog topic name, synchronously) and hands bytes to the layer below.
 * What {@link Stores.versionedKeyValueStoreBuilder} builds and what processors get from
 * `getStateStore`.
 */
export class TypedVersionedKeyValueStore<K, V> extends TypedStoreLayer<VersionedKeyValueBytesStore> implements VersionedKeyValueStore<K, V> {
  /** Marks a versioned store for the readers that meet stores of several kinds (interactive queries, the test driver). */
  readonly versioned = true;

  constructor(
    inner: VersionedKeyValueBytesStore,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {
    super(inner);
  }

  /** How long versions that are no longer the latest are kept, relative to the store's observed stream time. */
  get historyRetentionMs(): number {
    return this.inner.historyRetentionMs;
  }

  get(key: K, asOfTimestamp?: number): VersionedRecord<V> | undefined {
    return this.typed(this.inner.get(this.keyBytes(key), asOfTimestamp));
  }

  put(key: K, value: V | null, timestamp: number): number {
    const bytes = value === null || value === undefined ? null : serializeForStore(this.name, 'value', this.valueSerde, this.topic, value);
    return this.inner.put(this.keyBytes(key), bytes, timestamp);
  }

  delete(key: K, timestamp: number): VersionedRecord<V> | undefined {
    return this.typed(this.inner.delete(this.keyBytes(key), timestamp));
  }

  private typed(record: VersionedRecord<Buffer> | undefined): VersionedRecord<V> | undefined {
    if (record === undefined) return undefined;
    const value = deserializeForStore(this.name, 'value', this.valueSerde, this.topic, record.value);
    return record.validTo === undefined ? { value, timestamp: record.timestamp } : { value, timestamp: record.timestamp, validTo: record.validTo };
  }

  private keyBytes(key: K): Buffer {
    return serializeForStore(this.name, 'key', this.keySerde, this.topic, key);
  }
}
