import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryKeyValueStore } from '../key-value/in-memory-key-value-store.js';
import { InMemoryWindowStore } from './in-memory-window-store.js';
import { KeyValueWindowStore } from './key-value-window-store.js';
import { LmdbKeyValueStore } from '../lmdb/lmdb-key-value-store.js';
import type { ChangelogRecord } from '../../state-store.js';
import { markBytes, STORE_MARK_KEY, windowKeyBytes } from '../changelog/time-key-encoding.js';
import type { WindowBytesStore } from '../../window-bytes-store.js';

/** The contract every window engine keeps, so that switching engines never changes what a topology computes. */

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const RETENTION = 100;
const SIZE = 10;

const engines: { engine: string; create: (name: string) => WindowBytesStore }[] = [
  { engine: 'in-memory', create: (name) => new InMemoryWindowStore(name, RETENTION, SIZE) },
  { engine: 'key-value (in-memory engine)', create: (name) => new KeyValueWindowStore(new InMemoryKeyValueStore(name), RETENTION, SIZE) },
  { engine: 'key-value (lmdb)', create: (name) => new KeyValueWindowStore(new LmdbKeyValueStore(name, { writeBufferEntries: 3 }), RETENTION, SIZE) },
];

const fetched = (store: WindowBytesStore, key: string, from: number, to: number): [number, string][] =>
  store.fetchRange(b(key), from, to).map((w) => [w.key, w.value.toString()]);
const everything = (store: WindowBytesStore, from = 0, to = Number.MAX_SAFE_INTEGER): [string, number, string][] =>
  store.fetchAll(from, to).map((w) => [w.key.toString('latin1'), w.windowStart, w.value.toString()]);

describe.each(engines)('$engine window store', ({ create }) => {
  let dir: string;
  let store: WindowBytesStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rivulet-window-'));
    store = create('windows');
    await store.init({ taskId: '0_0', taskDir: dir });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches one window by key and start, the latest put winning; null deletes', () => {
    store.put(b('a'), b('1'), 0);
    store.put(b('a'), b('2'), 0);
    store.put(b('a'), b('3'), 10);
    expect(store.fetch(b('a'), 0)?.toString()).toBe('2');
    expect(store.fetch(b('a'), 10)?.toString()).toBe('3');
    expect(store.fetch(b('a'), 20)).toBeUndefined();
    expect(store.fetch(b('b'), 0)).toBeUndefined();
    store.put(b('a'), null, 0);
    expect(store.fetch(b('a'), 0)).toBeUndefined();
    expect(fetched(store, 'a', 0, 100)).toEqual([[10, '3']]);
  });

  it("fetches a key's windows in a time range, by start, bounds inclusive", () => {
    store.put(b('a'), b('w20'), 20);
    store.put(b('a'), b('w0'), 0);
    store.put(b('a'), b('w10'), 10);
    store.put(b('b'), b('other'), 10);
    expect(fetched(store, 'a', 0, 20)).toEqual([
      [0, 'w0'],
      [10, 'w10'],
      [20, 'w20'],
    ]);
    expect(fetched(store, 'a', 5, 10)).toEqual([[10, 'w10']]);
    expect(fetched(store, 'a', 21, 30)).toEqual([]);
    expect(fetched(store, 'a', 10, 5)).toEqual([]);
  });

  it('never mixes keys that are prefixes of each other', () => {
    // 'a' + 8 bytes sorts among the composite keys of 'a': a key-value layout must filter it out.
    const longer = Buffer.concat([b('a'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 5])]);
    store.put(longer, b('long'), 0);
    store.put(b('a'), b('short'), 10);
    expect(fetched(store, 'a', 0, 100)).toEqual([[10, 'short']]);
    expect(store.fetchRange(longer, 0, 100).map((w) => w.value.toString())).toEqual(['long']);
    expect(store.fetch(b('a'), 5)).toBeUndefined();
  });

  it('fetches every key in a time range by start, then key bytes', () => {
    store.put(b('b'), b('b10'), 10);
    store.put(b('a'), b('a10'), 10);
    store.put(b('c'), b('c0'), 0);
    store.put(b(''), b('empty20'), 20);
    expect(everything(store)).toEqual([
      ['c', 0, 'c0'],
      ['a', 10, 'a10'],
      ['b', 10, 'b10'],
      ['', 20, 'empty20'],
    ]);
    expect(everything(store, 10, 10)).toEqual([
      ['a', 10, 'a10'],
      ['b', 10, 'b10'],
    ]);
  });

  it('drops windows older than the retention, counted from the newest window start', () => {
    store.put(b('a'), b('old'), 0);
    store.put(b('a'), b('mid'), 50);
    store.put(b('b'), b('edge'), 100);
    // Newest start 100, retention 100: starts >= 0 are kept.
    expect(store.fetch(b('a'), 0)?.toString()).toBe('old');
    store.put(b('c'), b('new'), 101);
    expect(store.fetch(b('a'), 0)).toBeUndefined();
    expect(fetched(store, 'a', 0, 200)).toEqual([[50, 'mid']]);
    expect(everything(store).map(([k, s]) => `${k}@${s}`)).toEqual(['a@50', 'b@100', 'c@101']);
    // A write of an expired window is dropped.
    store.put(b('a'), b('late'), 0);
    expect(store.fetch(b('a'), 0)).toBeUndefined();
    store.put(b('z'), b('far'), 1_000);
    expect(everything(store).map(([k, s]) => `${k}@${s}`)).toEqual(['z@1000']);
  });

  it('keeps a mark, restored from the changelog with the windows', () => {
    expect(store.emittedUpTo()).toBeUndefined();
    store.setEmittedUpTo(40);
    expect(store.emittedUpTo()).toBe(40);
  });

  it('restores windows and the mark from changelog records, tombstones deleting', async () => {
    const records: ChangelogRecord[] = [
      { key: windowKeyBytes(b('a'), 0), value: b('1'), offset: '0' },
      { key: windowKeyBytes(b('a'), 10), value: b('2'), offset: '1' },
      { key: windowKeyBytes(b('b'), 10), value: b('3'), offset: '2' },
      { key: windowKeyBytes(b('a'), 0), value: null, offset: '3' },
      { key: STORE_MARK_KEY, value: markBytes(9), offset: '4' },
    ];
    await store.wipe();
    store.restoreBatch(records);
    expect(everything(store)).toEqual([
      ['a', 10, '2'],
      ['b', 10, '3'],
    ]);
    expect(store.emittedUpTo()).toBe(9);
    // Restored windows count for retention.
    store.restoreBatch([{ key: windowKeyBytes(b('c'), 200), value: b('4'), offset: '5' }]);
    expect(everything(store).map(([k, s]) => `${k}@${s}`)).toEqual(['c@200']);
  });

  it('refuses negative or fractional window starts', () => {
    expect(() => store.put(b('a'), b('x'), -1)).toThrow(/window start must be an integer >= 0/);
    expect(() => store.put(b('a'), b('x'), 1.5)).toThrow(RangeError);
  });
});

describe('window store options', () => {
  it('refuses a retention shorter than the window size', () => {
    expect(() => new InMemoryWindowStore('w', 5, 10)).toThrow(/retentionMs \(5\) must be at least the window size \(10\)/);
    expect(() => new InMemoryWindowStore('w', -1, 0)).toThrow(/retentionMs must be an integer >= 0/);
  });

  it('keeps lmdb windows and the mark across a clean restart with a checkpoint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rivulet-window-'));
    try {
      const first = new KeyValueWindowStore(new LmdbKeyValueStore('w'), RETENTION, SIZE);
      await first.init({ taskId: '0_0', taskDir: dir });
      first.put(b('a'), b('1'), 0);
      first.put(b('a'), b('2'), 150);
      first.setEmittedUpTo(140);
      first.checkpoint('3');
      await first.close();
      const again = new KeyValueWindowStore(new LmdbKeyValueStore('w'), RETENTION, SIZE);
      await again.init({ taskId: '0_0', taskDir: dir });
      expect(again.restoredOffset).toBe('3');
      expect(again.emittedUpTo()).toBe(140);
      // The newest start (150) was read back at init, so window 0 is expired.
      expect(again.fetch(b('a'), 0)).toBeUndefined();
      expect(again.fetch(b('a'), 150)?.toString()).toBe('2');
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
