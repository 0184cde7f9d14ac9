import type { Serde } from '@rivulet/serde';
import { assertValidStoreName } from './changelog-topic.js';
import { InMemoryKeyValueStore } from './in-memory-key-value-store.js';
import type { KeyValueBytesStoreSupplier } from './key-value-bytes-store.js';
import { KeyValueStoreBuilder } from './key-value-store-builder.js';
import { LmdbKeyValueStore } from './lmdb-key-value-store.js';
import type { LmdbKeyValueStoreOptions } from './lmdb-key-value-store.js';

export type { StoreBuilder } from './store-builder.js';

/**
 * Factories of state stores, as Kafka Streams' `Stores`: pick an engine (a supplier), then wrap it
 * in a builder with serdes and changelog settings, and add the builder to the topology.
 *
 * @example
 * const counts = Stores.keyValueStoreBuilder(
 *   Stores.persistentKeyValueStore('word-counts'),
 *   serdes.string(),
 *   serdes.int64(),
 * ).withLoggingEnabled({ 'min.insync.replicas': '2' });
 * topology.addStateStore(counts, 'count-words');
 */
export const Stores = {
  /** The in-memory engine, the default: fast, restored from its changelog in full after a restart. */
  inMemoryKeyValueStore(name: string): KeyValueBytesStoreSupplier {
    assertValidStoreName(name);
    return { name, persistent: false, get: () => new InMemoryKeyValueStore(name) };
  },

  /**
   * The persistent engine, on lmdb, under the app's `stateDir`: after a clean shutdown it restores
   * only the changelog records written since its checkpoint. `options` bound its write buffer.
   */
  persistentKeyValueStore(name: string, options: LmdbKeyValueStoreOptions = {}): KeyValueBytesStoreSupplier {
    // Built once here so that a bad name or option fails where the store is defined, not in a task.
    void new LmdbKeyValueStore(name, options);
    const copy = { ...options };
    return { name, persistent: true, get: () => new LmdbKeyValueStore(name, copy) };
  },

  /** A builder of typed stores over the supplier's engine; logging is enabled by default. */
  keyValueStoreBuilder<K, V>(supplier: KeyValueBytesStoreSupplier, keySerde: Serde<K>, valueSerde: Serde<V>): KeyValueStoreBuilder<K, V> {
    return new KeyValueStoreBuilder(supplier, keySerde, valueSerde);
  },
} as const;
