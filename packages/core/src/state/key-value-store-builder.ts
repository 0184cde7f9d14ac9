import type { Serde } from '@rivulet/serde';
import { serdeOrDefault, type DefaultSerdes } from './default-serdes.js';
import { ChangeloggingKeyValueStore } from './internals/changelog/changelogging-key-value-store.js';
import type { KeyValueBytesStoreSupplier } from './key-value-bytes-store.js';
import { LoggedStoreBuilder } from './logged-store-builder.js';
import { missingParts } from './store-builder.js';
import { TypedKeyValueStore } from './internals/typed/typed-key-value-store.js';
import { TypedTimestampedKeyValueStore } from './internals/typed/typed-timestamped-key-value-store.js';

/**
 * Builds typed key-value stores from an engine supplier and two serdes: engine, then the
 * changelogging layer when logging is enabled, then the serdes. Made by
 * {@link Stores.keyValueStoreBuilder} and, for stores that keep each row's timestamp
 * ({@link TimestampedKeyValueStore}), {@link Stores.timestampedKeyValueStoreBuilder}.
 */
export class KeyValueStoreBuilder<K, V> extends LoggedStoreBuilder<TypedKeyValueStore<K, V>> {
  constructor(
    private readonly supplier: KeyValueBytesStoreSupplier,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
    /** True: the store keeps each value's row timestamp (`[8-byte timestamp][value]`). */
    readonly timestamped = false,
  ) {
    super(supplier.name, supplier.persistent);
  }

  get missingSerdes(): readonly ('key' | 'value')[] {
    return missingParts(this.keySerde, this.valueSerde);
  }

  build(defaults: DefaultSerdes = {}): TypedKeyValueStore<K, V> {
    const keySerde = serdeOrDefault(this.keySerde, defaults.key, `state store '${this.name}'`, 'key');
    const valueSerde = serdeOrDefault(this.valueSerde, defaults.value, `state store '${this.name}'`, 'value');
    const engine = this.supplier.get();
    this.checkEngine(engine);
    const bytes = this.loggingEnabled ? new ChangeloggingKeyValueStore(engine) : engine;
    return this.timestamped ? new TypedTimestampedKeyValueStore(bytes, keySerde, valueSerde) : new TypedKeyValueStore(bytes, keySerde, valueSerde);
  }
}
