import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { changelogTopic } from './internals/changelog/changelog-topic.js';
import { InMemoryKeyValueStore } from './internals/key-value/in-memory-key-value-store.js';
import type { ChangelogSink } from './state-store.js';
import { Stores } from './stores.js';
import type { StoreBuilder } from './stores.js';

describe('Stores', () => {
  it('describes the store for the runtime: name, engine, logging on by default', () => {
    const builder: StoreBuilder = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('counts'), serdes.string(), serdes.int64());
    expect(builder.name).toBe('counts');
    expect(builder.persistent).toBe(false);
    expect(builder.loggingEnabled).toBe(true);
    expect(builder.logConfig).toEqual({});
    const persistent = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('totals'), serdes.string(), serdes.int64());
    expect(persistent.persistent).toBe(true);
  });

  it('switches logging on with topic configs, and off', () => {
    const builder = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('counts'), serdes.string(), serdes.int64());
    expect(builder.withLoggingEnabled({ 'min.insync.replicas': '2' })).toBe(builder);
    expect(builder.logConfig).toEqual({ 'min.insync.replicas': '2' });
    builder.withLoggingDisabled();
    expect(builder.loggingEnabled).toBe(false);
    expect(builder.logConfig).toEqual({});
    expect(() => builder.withLoggingEnabled({ 'retention.ms': 5 as unknown as string })).toThrow(/"retention.ms" must map to a string, got 5/);
  });

  it('builds a fresh, independent store per task', async () => {
    const builder = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('counts'), serdes.string(), serdes.int64());
    const task0 = builder.build();
    const task1 = builder.build();
    expect(task0).not.toBe(task1);
    await task0.init({ taskId: '0_0', taskDir: '/unused' });
    await task1.init({ taskId: '0_1', taskDir: '/unused' });
    task0.put('a', 1n);
    expect(task1.get('a')).toBeUndefined();
  });

  it('builds persistent stores that keep their files under the task directory', async () => {
    const taskDir = mkdtempSync(join(tmpdir(), 'rivulet-stores-'));
    try {
      const store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('totals', { writeBufferEntries: 100 }), serdes.string(), serdes.string()).build();
      await store.init({ taskId: '0_0', taskDir });
      store.put('k', 'v');
      store.checkpoint('1');
      await store.close();
      const again = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('totals'), serdes.string(), serdes.string()).build();
      await again.init({ taskId: '0_0', taskDir });
      expect(again.restoredOffset).toBe('1');
      expect(again.get('k')).toBe('v');
      await again.close();
    } finally {
      rmSync(taskDir, { recursive: true, force: true });
    }
  });

  it('logs writes only when logging is enabled', async () => {
    const appended: string[] = [];
    const changelog: ChangelogSink = { topic: 'app-counts-changelog', partition: 0, append: (key) => appended.push(key.toString()) };
    const builder = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('counts'), serdes.string(), serdes.string());
    const logged = builder.build();
    await logged.init({ taskId: '0_0', taskDir: '/unused', changelog });
    logged.put('on', 'x');
    const unlogged = builder.withLoggingDisabled().build();
    await unlogged.init({ taskId: '0_0', taskDir: '/unused', changelog });
    unlogged.put('off', 'x');
    expect(appended).toEqual(['on']);
  });

  it('rejects bad names and options where the store is defined', () => {
    expect(() => Stores.inMemoryKeyValueStore('my store')).toThrow(/state store name "my store" is not allowed/);
    expect(() => Stores.persistentKeyValueStore('..')).toThrow(/is not allowed/);
    expect(() => Stores.persistentKeyValueStore('ok', { writeBufferEntries: -1 })).toThrow(/writeBufferEntries/);
  });

  it('refuses a supplier that hands out one instance twice: tasks would share state', () => {
    const shared = new InMemoryKeyValueStore('shared');
    const builder = Stores.keyValueStoreBuilder({ name: 'shared', persistent: false, get: () => shared }, serdes.string(), serdes.string());
    builder.build();
    expect(() => builder.build()).toThrow(/returned the same store twice/);
  });
});

describe('changelogTopic', () => {
  it('names the changelog <applicationId>-<store>-changelog', () => {
    expect(changelogTopic('word-count', 'word-counts')).toBe('word-count-word-counts-changelog');
  });

  it('rejects names Kafka cannot use', () => {
    expect(() => changelogTopic('app id', 'counts')).toThrow(/applicationId "app id"/);
    expect(() => changelogTopic('app', 'a'.repeat(250))).toThrow(/longer than Kafka's 249 characters/);
  });
});
