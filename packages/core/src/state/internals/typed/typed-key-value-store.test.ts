import type { Serde } from '@rivulet/serde';
import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { ChangeloggingKeyValueStore } from '../changelog/changelogging-key-value-store.js';
import { InMemoryKeyValueStore } from '../key-value/in-memory-key-value-store.js';
import type { ChangelogSink } from '../../state-store.js';
import { TypedKeyValueStore } from './typed-key-value-store.js';

async function typedStore<K, V>(keySerde: Serde<K>, valueSerde: Serde<V>, changelog?: ChangelogSink): Promise<TypedKeyValueStore<K, V>> {
  const store = new TypedKeyValueStore(new ChangeloggingKeyValueStore(new InMemoryKeyValueStore('counts')), keySerde, valueSerde);
  await store.init({ taskId: '0_0', taskDir: '/unused', applicationId: 'app', ...(changelog ? { changelog } : {}) });
  return store;
}

describe('TypedKeyValueStore', () => {
  it('reads and writes typed keys and values', async () => {
    const store = await typedStore(serdes.string(), serdes.int64());
    store.put('the', 2n);
    store.put('cat', 1n);
    expect(store.get('the')).toBe(2n);
    expect(store.get('dog')).toBeUndefined();
    expect(store.putIfAbsent('cat', 5n)).toBe(1n);
    expect(store.putIfAbsent('dog', 5n)).toBeUndefined();
    expect(store.delete('the')).toBe(2n);
    store.put('cat', null);
    store.putAll([{ key: 'emu', value: 7n }]);
    expect([...store.all()]).toEqual([
      { key: 'dog', value: 5n },
      { key: 'emu', value: 7n },
    ]);
    expect(store.approximateNumEntries()).toBe(2);
  });

  it('ranges in the order of the serialized keys, bounds inclusive', async () => {
    const store = await typedStore(serdes.string(), serdes.string());
    for (const k of ['b', 'a', 'ab', 'a\0', 'c']) store.put(k, k.toUpperCase());
    expect([...store.range('a', 'b')].map((e) => e.key)).toEqual(['a', 'a\0', 'ab', 'b']);
    expect([...store.range(undefined, 'a\0')].map((e) => e.value)).toEqual(['A', 'A\0']);
  });

  it('appends the serialized key and value bytes to the changelog', async () => {
    const appended: [string, string | null][] = [];
    const changelog: ChangelogSink = {
      topic: 'app-counts-changelog',
      partition: 0,
      append: (key, value) => appended.push([key.toString('hex'), value === null ? null : value.toString('hex')]),
    };
    const store = await typedStore(serdes.string(), serdes.int64(), changelog);
    store.put('a', 258n);
    store.delete('a');
    expect(appended).toEqual([
      ['61', '0000000000000102'],
      ['61', null],
    ]);
  });

  it('gives its serdes the changelog topic name', async () => {
    const topics: string[] = [];
    const recording: Serde<string> = {
      name: 'recording',
      serialize: (topic, value) => (topics.push(topic), Buffer.from(value)),
      deserialize: (topic, bytes) => (topics.push(topic), bytes.toString()),
    };
    const store = await typedStore(recording, recording);
    store.put('k', 'v');
    store.get('k');
    expect(new Set(topics)).toEqual(new Set(['app-counts-changelog']));
  });

  it('refuses a serde that returns a Promise, saying the store serde must be synchronous', async () => {
    const asyncSerde: Serde<string> = {
      name: 'async-avro',
      serialize: async (_topic, value) => Buffer.from(value),
      deserialize: async (_topic, bytes) => bytes.toString(),
    };
    const asyncKeys = await typedStore(asyncSerde, serdes.string());
    expect(() => asyncKeys.put('k', 'v')).toThrow(TypeError);
    expect(() => asyncKeys.get('k')).toThrow(
      "state store 'counts': the key serde 'async-avro' returned a Promise from serialize; the serde of a state store must be synchronous",
    );

    const asyncValues = await typedStore(serdes.string(), asyncSerde);
    expect(() => asyncValues.put('k', 'v')).toThrow(/the value serde 'async-avro' returned a Promise from serialize/);

    const readsAsync: Serde<string> = { name: 'late', serialize: (_t, v) => Buffer.from(v), deserialize: (_t, bytes) => Promise.resolve(bytes.toString()) };
    const store = await typedStore(serdes.string(), readsAsync);
    store.put('k', 'v');
    expect(() => store.get('k')).toThrow(/the value serde 'late' returned a Promise from deserialize; the serde of a state store must be synchronous/);
    expect(() => [...store.all()]).toThrow(/must be synchronous/);
  });

  it('leaves no unhandled rejection behind when an async serde fails', async () => {
    const failing: Serde<string> = { name: 'failing', serialize: () => Promise.reject(new Error('registry down')), deserialize: (_t, b) => b.toString() };
    const store = await typedStore(failing, serdes.string());
    expect(() => store.put('k', 'v')).toThrow(/must be synchronous/);
    // Vitest fails the run on an unhandled rejection; give it a turn to surface.
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('delegates restore, checkpoint and wipe to the engine, unlogged', async () => {
    const appended: unknown[] = [];
    const store = await typedStore(serdes.string(), serdes.string(), { topic: 't', partition: 0, append: (...args) => appended.push(args) });
    store.restoreBatch([{ key: Buffer.from('k'), value: Buffer.from('v'), offset: '0' }]);
    expect(store.get('k')).toBe('v');
    expect(store.restoredOffset).toBeUndefined();
    store.checkpoint('1');
    await store.wipe();
    expect(store.get('k')).toBeUndefined();
    expect(appended).toEqual([]);
    expect(store.persistent).toBe(false);
    expect(store.name).toBe('counts');
  });
});
