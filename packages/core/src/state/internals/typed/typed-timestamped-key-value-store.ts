import type { Serde } from '@rivulet/serde';
import type { KeyValueBytesStore } from '../../key-value-bytes-store.js';
import type { StateStoreContext } from '../../state-store.js';
import type { TimestampedKeyValueStore } from '../../timestamped-key-value-store.js';
import { valueAndTimestampSerde, type ValueAndTimestamp } from '../../value-and-timestamp.js';
import { deserializeForStore, serializeForStore } from './store-serde.js';
import { TypedKeyValueStore } from './typed-key-value-store.js';

/**
 * The typed face of a timestamped key-value store: stores `[8-byte timestamp][value bytes]` (the
 * layout of Kafka Streams' timestamped stores, {@link valueAndTimestampSerde}) in the layers below,
 * so the changelog carries each row's timestamp and a restore rebuilds it, on any engine. The plain
 * methods read values alone and a plain `put` stamps with the timestamp of the record being
 * processed (the context's `currentTimestamp`, `Date.now()` without one).
 *
 * @hidden Built by {@link Stores.timestampedKeyValueStoreBuilder}; typed as {@link TimestampedKeyValueStore}.
 */
export class TypedTimestampedKeyValueStore<K, V> extends TypedKeyValueStore<K, V> implements TimestampedKeyValueStore<K, V> {
  readonly timestamped = true as const;
  private readonly stamped: Serde<ValueAndTimestamp<V>>;
  private now: () => number = Date.now;

  constructor(inner: KeyValueBytesStore, keySerde: Serde<K>, valueSerde: Serde<V>) {
    super(inner, keySerde, valueSerde);
    this.stamped = valueAndTimestampSerde(valueSerde);
  }

  getWithTimestamp(key: K): ValueAndTimestamp<V> | undefined {
    const bytes = this.inner.get(this.keyBytes(key));
    return bytes === undefined ? undefined : this.stampedFrom(bytes);
  }

  putWithTimestamp(key: K, value: V | null, timestamp: number): void {
    this.inner.put(this.keyBytes(key), value === null ? null : this.stampedBytes(value, timestamp));
  }

  protected override opened(context: StateStoreContext): void {
    super.opened(context);
    this.now = context.currentTimestamp ?? Date.now;
  }

  protected override valueBytes(value: V): Buffer {
    return this.stampedBytes(value, this.now());
  }

  protected override valueFrom(bytes: Buffer): V {
    return deserializeForStore(this.name, 'value', this.valueSerde, this.topic, bytes.subarray(TIMESTAMP_BYTES));
  }

  private stampedBytes(value: V, timestamp: number): Buffer {
    return serializeForStore(this.name, 'value', this.stamped, this.topic, { value, timestamp });
  }

  private stampedFrom(bytes: Buffer): ValueAndTimestamp<V> {
    return deserializeForStore(this.name, 'value', this.stamped, this.topic, bytes);
  }
}

const TIMESTAMP_BYTES = 8;
