import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import type { ChangelogRecord, ChangelogSink } from './state-store.js';
import { Stores } from './stores.js';

/** What the builders add on top of the engines: serdes, the changelog and its topic configs. */

interface Logged {
  key: Buffer;
  value: Buffer | null;
}

function capture(): { sink: ChangelogSink; records: Logged[] } {
  const records: Logged[] = [];
  return { records, sink: { topic: 'app-w-changelog', partition: 0, append: (key, value) => records.push({ key, value }) } };
}

const asChangelog = (logged: readonly Logged[]): ChangelogRecord[] => logged.map((r, i) => ({ key: r.key, value: r.value, offset: String(i) }));

describe('window store builders', () => {
  it('create changelogs compact,delete with the retention + 1 day, user configs on top', () => {
    const builder = Stores.windowStoreBuilder(Stores.inMemoryWindowStore('w', { retentionMs: 60_000, windowSizeMs: 10_000 }), serdes.string(), serdes.int64());
    expect(builder.logConfig).toEqual({ 'cleanup.policy': 'compact,delete', 'retention.ms': String(60_000 + 86_400_000) });
    builder.withLoggingEnabled({ 'retention.ms': '1000', 'min.insync.replicas': '2' });
    expect(builder.logConfig).toEqual({ 'cleanup.policy': 'compact,delete', 'retention.ms': '1000', 'min.insync.replicas': '2' });
    expect(builder.withLoggingDisabled().logConfig).toEqual({});
    const sessions = Stores.sessionStoreBuilder(Stores.inMemorySessionStore('s', { retentionMs: 5_000 }), serdes.string(), serdes.int64());
    expect(sessions.logConfig['retention.ms']).toBe(String(5_000 + 86_400_000));
    expect(sessions.persistent).toBe(false);
    expect(Stores.persistentWindowStore('p', { retentionMs: 10, windowSizeMs: 10 }).persistent).toBe(true);
  });

  it('log [key][8-byte start] windows and rebuild the same store from them', async () => {
    const { sink, records } = capture();
    const builder = Stores.windowStoreBuilder(Stores.inMemoryWindowStore('w', { retentionMs: 1_000, windowSizeMs: 10 }), serdes.string(), serdes.int64());
    const store = builder.build();
    await store.init({ taskId: '0_0', taskDir: '/unused', changelog: sink });
    store.put('a', 1n, 0);
    store.put('a', 2n, 10);
    store.put('b', 3n, 10);
    store.put('a', null, 0);
    store.setEmittedUpTo(5);
    expect(records[0]!.key).toEqual(Buffer.concat([Buffer.from('a'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0])]));
    expect(records[1]!.key).toEqual(Buffer.concat([Buffer.from('a'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 10])]));
    expect(records[3]!.value).toBeNull();
    expect(records).toHaveLength(5);

    const restored = builder.build();
    await restored.init({ taskId: '0_0', taskDir: '/unused', changelog: sink });
    restored.restoreBatch(asChangelog(records.splice(0)));
    expect(records).toEqual([]); // restoring is not logged
    expect(restored.all()).toEqual([
      { key: { key: 'a', window: { start: 10, end: 20 } }, value: 2n },
      { key: { key: 'b', window: { start: 10, end: 20 } }, value: 3n },
    ]);
    expect(restored.fetch('a', 0, 100)).toEqual([{ key: 10, value: 2n }]);
    expect(restored.fetch('a', 10)).toBe(2n);
    expect(restored.fetchAll(10, 10).map((e) => e.key.key)).toEqual(['a', 'b']);
    expect(restored.emittedUpTo()).toBe(5);
  });

  it('keep the newest record timestamp with the value in a timestamped store', async () => {
    const store = Stores.timestampedWindowStoreBuilder(
      Stores.inMemoryWindowStore('w', { retentionMs: 100, windowSizeMs: 10 }),
      serdes.string(),
      serdes.string(),
    ).build();
    await store.init({ taskId: '0_0', taskDir: '/unused' });
    store.put('k', { value: 'v', timestamp: 7 }, 0);
    expect(store.fetch('k', 0)).toEqual({ value: 'v', timestamp: 7 });
    expect(store.timestamped).toBe(true);
  });

  it('log [key][8-byte end][8-byte start] sessions and rebuild the same store from them', async () => {
    const { sink, records } = capture();
    const builder = Stores.sessionStoreBuilder(Stores.inMemorySessionStore('s', { retentionMs: 1_000 }), serdes.string(), serdes.int64());
    const store = builder.build();
    await store.init({ taskId: '0_0', taskDir: '/unused', changelog: sink });
    store.put({ key: 'a', window: { start: 0, end: 5 } }, 1n);
    store.put({ key: 'a', window: { start: 20, end: 25 } }, 2n);
    store.remove({ key: 'a', window: { start: 0, end: 5 } });
    expect(records[0]!.key).toEqual(Buffer.concat([Buffer.from('a'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 5]), Buffer.alloc(8)]));
    expect(records[2]!.value).toBeNull();

    const restored = builder.build();
    await restored.init({ taskId: '0_0', taskDir: '/unused' });
    restored.restoreBatch(asChangelog(records));
    expect(restored.fetch('a')).toEqual([{ key: { key: 'a', window: { start: 20, end: 25 } }, value: 2n }]);
    expect(restored.findSessions('a', 15, 35)).toEqual([{ key: { key: 'a', window: { start: 20, end: 25 } }, value: 2n }]);
    expect(restored.fetchSession('a', 20, 25)).toBe(2n);
    expect(restored.all()).toHaveLength(1);
  });

  it('refuse a supplier that hands out one engine twice', () => {
    const engine = Stores.inMemoryWindowStore('w', { retentionMs: 10, windowSizeMs: 10 }).get();
    const builder = Stores.windowStoreBuilder({ name: 'w', persistent: false, retentionMs: 10, windowSizeMs: 10, get: () => engine }, serdes.string(), serdes.string());
    builder.build();
    expect(() => builder.build()).toThrow(/returned the same store twice/);
  });

  it('reject bad names and retention where the store is defined', () => {
    expect(() => Stores.inMemoryWindowStore('bad name', { retentionMs: 10, windowSizeMs: 10 })).toThrow(/is not allowed/);
    expect(() => Stores.persistentWindowStore('w', { retentionMs: 5, windowSizeMs: 10 })).toThrow(/at least the window size/);
    expect(() => Stores.inMemorySessionStore('s', { retentionMs: -5 })).toThrow(/retentionMs must be an integer >= 0/);
  });
});
