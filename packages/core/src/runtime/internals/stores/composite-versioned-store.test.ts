import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import type { StateStore } from '../../../state/state-store.js';
import { Stores } from '../../../state/stores.js';
import type { VersionedRecord } from '../../../state/versioned-key-value-store.js';
import { assertStoreKind, compositeKeyValueStore, compositeWindowStore } from './composite-store.js';
import { compositeVersionedKeyValueStore } from './composite-versioned-store.js';

/** Interactive queries over the versioned store instances of several tasks: `app.versionedStore(name)` and `app.store(name)`. */

const builder = () => Stores.versionedKeyValueStoreBuilder(Stores.inMemoryVersionedKeyValueStore('rates', 10_000), serdes.string(), serdes.string()).withLoggingDisabled();

async function tasks(): Promise<StateStore[]> {
  const a = builder().build();
  const b = builder().build();
  await a.init({ taskId: '0_0', taskDir: '/unused' });
  await b.init({ taskId: '0_1', taskDir: '/unused' });
  a.put('EUR', '1.00', 1000);
  a.put('EUR', '1.10', 2000);
  b.put('GBP', '0.80', 1500);
  return [a, b];
}

describe('compositeVersionedKeyValueStore', () => {
  it('reads each key, latest or as of a time, from the task that holds it', async () => {
    const instances = await tasks();
    const view = compositeVersionedKeyValueStore<string, string>('rates', () => instances);
    expect(view.get('EUR')).toEqual({ value: '1.10', timestamp: 2000 });
    expect(view.get('EUR', 1999)).toEqual({ value: '1.00', timestamp: 1000, validTo: 2000 });
    expect(view.get('GBP', 1500)).toEqual({ value: '0.80', timestamp: 1500 });
    expect(view.get('GBP', 1499)).toBeUndefined();
    expect(view.get('USD')).toBeUndefined();
  });

  it('refuses a store that is not versioned, naming it', async () => {
    const plain = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('counts'), serdes.string(), serdes.string()).withLoggingDisabled().build();
    await plain.init({ taskId: '0_0', taskDir: '/unused' });
    expect(() => compositeVersionedKeyValueStore('counts', () => [plain]).get('a')).toThrow("state store 'counts' is not a versioned store: query it with app.store('counts')");
  });
});

describe('a versioned store through app.store(name)', () => {
  it('answers key-value queries with its versioned records, as of a time when asked', async () => {
    const instances = await tasks();
    expect(() => assertStoreKind('rates', builder(), 'key-value')).not.toThrow();
    const view = compositeKeyValueStore<string, VersionedRecord<string>>('rates', () => instances);
    expect(view.get('EUR')).toEqual({ value: '1.10', timestamp: 2000 });
    expect((view.get as (key: string, asOf: number) => unknown)('EUR', 1500)).toEqual({ value: '1.00', timestamp: 1000, validTo: 2000 });
  });

  it('is refused as a window store, with the method that reads it', async () => {
    expect(() => assertStoreKind('rates', builder(), 'window')).toThrow("state store 'rates' is not a window store: it is a versioned store, query it with app.versionedStore('rates')");
    const instances = await tasks();
    expect(() => compositeWindowStore('rates', () => instances).fetch('EUR', 0)).toThrow(/it is a versioned store, query it with app.versionedStore/);
  });
});
