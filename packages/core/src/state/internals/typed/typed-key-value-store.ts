import type { Serde } from '@rivulet/serde';
import type { KeyValueBytesStore } from '../../key-value-bytes-store.js';
import type { KeyValue, KeyValueStore } from '../../key-value-store.js';
import { deserializeForStore, serializeForStore } from './store-serde.js';
import { TypedStoreLayer } from './typed-store-layer.js';

/**
 * The typed face of a key-value store: serializes keys and values with the store's serdes and
 * hands bytes to the layer below (the changelogging layer, then the engine). What
 * {@link Stores.keyValueStoreBuilder} builds and what processors get from `getStateStore`.
 *
 * Serdes are called with the changelog topic name, as in Kafka Streams, and must be synchronous:
 * a serde returning a Promise fails the call with a TypeError that says so. Ranges are in the order
 * of the serialized keys' bytes.
 */
export class TypedKeyValueStore<K, V> extends TypedStoreLayer<KeyValueBytesStore> implements KeyValueStore<K, V> {
  constructor(
    inner: KeyValueBytesStore,
    private readonly keySerde: Serde<K>,
    protected readonly valueSerde: Serde<V>,
  ) {
    super(inner);
  }

  get(key: K): V | undefined {
    const bytes = this.inner.get(this.keyBytes(key));
    return bytes === undefined ? undefined : this.valueFrom(bytes);
  }

  put(key: K, value: V | null): void {
    this.inner.put(this.keyBytes(key), value === null ? null : this.valueBytes(value));
  }

  putIfAbsent(key: K, value: V): V | undefined {
    const existing = this.inner.putIfAbsent(this.keyBytes(key), this.valueBytes(value));
    return existing === undefined ? undefined : this.valueFrom(existing);
  }

  putAll(entries: Iterable<KeyValue<K, V | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  delete(key: K): V | undefined {
    const previous = this.inner.delete(this.keyBytes(key));
    return previous === undefined ? undefined : this.valueFrom(previous);
  }

  range(from?: K, to?: K): Iterable<KeyValue<K, V>> {
    const fromBytes = from === undefined ? undefined : this.keyBytes(from);
    const toBytes = to === undefined ? undefined : this.keyBytes(to);
    return this.typed(this.inner.range(fromBytes, toBytes));
  }

  all(): Iterable<KeyValue<K, V>> {
    return this.typed(this.inner.all());
  }

  approximateNumEntries(): number {
    return this.inner.approximateNumEntries();
  }

  private *typed(entries: Iterable<KeyValue<Buffer, Buffer>>): Generator<KeyValue<K, V>, void, undefined> {
    for (const entry of entries) {
      yield { key: deserializeForStore(this.name, 'key', this.keySerde, this.topic, entry.key), value: this.valueFrom(entry.value) };
    }
  }

  /** The stored bytes of `key`. */
  protected keyBytes(key: K): Buffer {
    return serializeForStore(this.name, 'key', this.keySerde, this.topic, key);
  }

  /** The bytes stored for `value` (a timestamped store adds the timestamp). */
  protected valueBytes(value: V): Buffer {
    return serializeForStore(this.name, 'value', this.valueSerde, this.topic, value);
  }

  /** The value of stored `bytes` (a timestamped store drops the timestamp). */
  protected valueFrom(bytes: Buffer): V {
    return deserializeForStore(this.name, 'value', this.valueSerde, this.topic, bytes);
  }
}
