import type { KeyValue, ReadOnlyKeyValueStore } from '../state/key-value-store.js';
import type { StateStore } from '../state/state-store.js';

/**
 * A read-only view over the local instances of one key-value store, one per task this app runs:
 * what `app.store(name)` returns. A key lives in one task, so `get` asks each instance until one
 * has it; `range` and `all` concatenate the instances' results (ordered within each task).
 */
export function compositeKeyValueStore<K, V>(name: string, instances: () => StateStore[]): ReadOnlyKeyValueStore<K, V> {
  const stores = (): ReadOnlyKeyValueStore<K, V>[] => {
    const list = instances();
    for (const s of list) {
      if (typeof (s as unknown as ReadOnlyKeyValueStore<K, V>).get !== 'function') throw new Error(`state store '${name}' is not a key-value store`);
    }
    return list as unknown as ReadOnlyKeyValueStore<K, V>[];
  };
  return {
    get(key: K): V | undefined {
      for (const s of stores()) {
        const v = s.get(key);
        if (v !== undefined) return v;
      }
      return undefined;
    },
    *range(from?: K, to?: K): Iterable<KeyValue<K, V>> {
      for (const s of stores()) yield* s.range(from, to);
    },
    *all(): Iterable<KeyValue<K, V>> {
      for (const s of stores()) yield* s.all();
    },
    approximateNumEntries(): number {
      let n = 0;
      for (const s of stores()) n += s.approximateNumEntries();
      return n;
    },
  };
}
