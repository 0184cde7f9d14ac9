import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ChangeloggingKeyValueStore } from './changelogging-key-value-store.js';
import { InMemoryKeyValueStore } from '../key-value/in-memory-key-value-store.js';
import type { ChangelogSink } from '../../state-store.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

interface Appended {
  key: string;
  value: string | null;
  timestamp: number;
}

function recordingSink(): ChangelogSink & { appended: Appended[] } {
  const appended: Appended[] = [];
  return {
    topic: 'app-store-changelog',
    partition: 0,
    appended,
    append(key, value, timestamp) {
      appended.push({ key: key.toString('latin1'), value: value === null ? null : value.toString('latin1'), timestamp });
    },
  };
}

describe('ChangeloggingKeyValueStore', () => {
  let changelog: ReturnType<typeof recordingSink>;
  let store: ChangeloggingKeyValueStore;
  let now: number;

  beforeEach(async () => {
    changelog = recordingSink();
    now = 1000;
    store = new ChangeloggingKeyValueStore(new InMemoryKeyValueStore('store'));
    await store.init({ taskId: '0_0', taskDir: '/unused', changelog, currentTimestamp: () => now });
  });

  it('appends each put and delete with the current record timestamp; a delete as a tombstone', () => {
    store.put(b('a'), b('1'));
    now = 1001;
    store.put(b('a'), b('2'));
    store.delete(b('a'));
    store.put(b('b'), null);
    expect(changelog.appended).toEqual([
      { key: 'a', value: '1', timestamp: 1000 },
      { key: 'a', value: '2', timestamp: 1001 },
      { key: 'a', value: null, timestamp: 1001 },
      { key: 'b', value: null, timestamp: 1001 },
    ]);
  });

  it('logs a tombstone for a delete of an absent key, as Kafka Streams does', () => {
    expect(store.delete(b('absent'))).toBeUndefined();
    expect(changelog.appended).toEqual([{ key: 'absent', value: null, timestamp: 1000 }]);
  });

  it('logs putIfAbsent only when it writes', () => {
    store.putIfAbsent(b('k'), b('1'));
    store.putIfAbsent(b('k'), b('2'));
    expect(changelog.appended).toEqual([{ key: 'k', value: '1', timestamp: 1000 }]);
  });

  it('logs each entry of putAll', () => {
    store.putAll([
      { key: b('a'), value: b('1') },
      { key: b('b'), value: null },
    ]);
    expect(changelog.appended.map((r) => [r.key, r.value])).toEqual([
      ['a', '1'],
      ['b', null],
    ]);
  });

  it('hands the sink the very bytes it stores', () => {
    const appended: Buffer[] = [];
    const sink: ChangelogSink = { topic: 't', partition: 0, append: (key, value) => appended.push(key, value!) };
    const inner = new InMemoryKeyValueStore('s');
    const logged = new ChangeloggingKeyValueStore(inner);
    return Promise.resolve(logged.init({ taskId: '0_0', taskDir: '/unused', changelog: sink })).then(() => {
      const key = b('k');
      const value = b('v');
      logged.put(key, value);
      expect(appended[0]).toBe(key);
      expect(appended[1]).toBe(value);
      expect(inner.get(b('k'))).toBe(value);
    });
  });

  it('does not log restored records', () => {
    store.restoreBatch([
      { key: b('a'), value: b('1'), offset: '0' },
      { key: b('a'), value: null, offset: '1' },
      { key: b('b'), value: b('2'), offset: '2' },
    ]);
    expect(changelog.appended).toEqual([]);
    expect(store.get(b('b'))?.toString()).toBe('2');
  });

  it('does not log reads, and logs nothing a refused write would have logged', async () => {
    store.put(b('a'), b('1'));
    changelog.appended.length = 0;
    store.get(b('a'));
    expect([...store.all()]).toHaveLength(1);
    expect([...store.range(b('a'), b('z'))]).toHaveLength(1);
    store.approximateNumEntries();
    await store.close();
    expect(() => store.put(b('a'), b('2'))).toThrow(/not open/);
    expect(changelog.appended).toEqual([]);
  });

  it('logs nothing without a changelog sink (logging disabled)', async () => {
    const unlogged = new ChangeloggingKeyValueStore(new InMemoryKeyValueStore('s'));
    await unlogged.init({ taskId: '0_0', taskDir: '/unused' });
    unlogged.put(b('a'), b('1'));
    expect(unlogged.get(b('a'))?.toString()).toBe('1');
  });

  it('falls back to the wall clock without a timestamp provider', async () => {
    vi.spyOn(Date, 'now').mockReturnValue(123);
    try {
      const sinkWithClock = recordingSink();
      const logged = new ChangeloggingKeyValueStore(new InMemoryKeyValueStore('s'));
      await logged.init({ taskId: '0_0', taskDir: '/unused', changelog: sinkWithClock });
      logged.put(b('a'), b('1'));
      expect(sinkWithClock.appended).toEqual([{ key: 'a', value: '1', timestamp: 123 }]);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
