import type { StateStore } from '../../../state/state-store.js';
import type { ReadOnlyVersionedKeyValueStore, VersionedRecord } from '../../../state/versioned-key-value-store.js';

/**
 * A read-only view over the local instances of one versioned key-value store, one per task this
 * app runs: what `app.versionedStore(name)` returns. A key lives in one task, so `get` asks each
 * instance until one answers, for the latest version or the one as of a time. A custom store
 * that is not versioned fails the read, naming the store.
 */
export function compositeVersionedKeyValueStore<K, V>(name: string, instances: () => StateStore[]): ReadOnlyVersionedKeyValueStore<K, V> {
  const stores = (): ReadOnlyVersionedKeyValueStore<K, V>[] => {
    const list = instances();
    for (const s of list) {
      if ((s as unknown as { versioned?: unknown }).versioned !== true) throw new Error(`state store '${name}' is not a versioned store: query it with app.store('${name}')`);
    }
    return list as unknown as ReadOnlyVersionedKeyValueStore<K, V>[];
  };
  return {
    get(key: K, asOfTimestamp?: number): VersionedRecord<V> | undefined {
      for (const s of stores()) {
        const record = s.get(key, asOfTimestamp);
        if (record !== undefined) return record;
      }
      return undefined;
    },
  };
}
