import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryKeyValueStore } from '../key-value/in-memory-key-value-store.js';
import { InMemorySessionStore } from './in-memory-session-store.js';
import { KeyValueSessionStore } from './key-value-session-store.js';
import { LmdbKeyValueStore } from '../lmdb/lmdb-key-value-store.js';
import type { SessionBytesEntry, SessionBytesStore } from '../../session-bytes-store.js';
import { markBytes, sessionKeyBytes, STORE_MARK_KEY } from '../changelog/time-key-encoding.js';

/** The contract every session engine keeps. */

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const RETENTION = 100;

const engines: { engine: string; create: (name: string) => SessionBytesStore }[] = [
  { engine: 'in-memory', create: (name) => new InMemorySessionStore(name, RETENTION) },
  { engine: 'key-value (in-memory engine)', create: (name) => new KeyValueSessionStore(new InMemoryKeyValueStore(name), RETENTION) },
  { engine: 'key-value (lmdb)', create: (name) => new KeyValueSessionStore(new LmdbKeyValueStore(name, { writeBufferEntries: 3 }), RETENTION) },
];

const show = (sessions: readonly SessionBytesEntry[]): string[] => sessions.map((s) => `${s.key.toString('latin1')}[${s.start},${s.end}]=${s.value.toString()}`);

describe.each(engines)('$engine session store', ({ create }) => {
  let dir: string;
  let store: SessionBytesStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rivulet-session-'));
    store = create('sessions');
    await store.init({ taskId: '0_0', taskDir: dir });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches a session by key, start and end; null removes it', () => {
    store.put(b('a'), 0, 5, b('1'));
    store.put(b('a'), 0, 5, b('2'));
    expect(store.fetchSession(b('a'), 0, 5)?.toString()).toBe('2');
    expect(store.fetchSession(b('a'), 0, 6)).toBeUndefined();
    store.put(b('a'), 0, 5, null);
    expect(store.fetchSession(b('a'), 0, 5)).toBeUndefined();
  });

  it('finds the sessions a record merges with: end >= earliest end and start <= latest start, by end', () => {
    store.put(b('a'), 0, 10, b('s1'));
    store.put(b('a'), 20, 30, b('s2'));
    store.put(b('a'), 50, 60, b('s3'));
    store.put(b('b'), 20, 30, b('other'));
    // A record at 35 with a gap of 10 merges with sessions ending >= 25 and starting <= 45.
    expect(show(store.findSessions(b('a'), 25, 45))).toEqual(['a[20,30]=s2']);
    expect(show(store.findSessions(b('a'), 0, 100))).toEqual(['a[0,10]=s1', 'a[20,30]=s2', 'a[50,60]=s3']);
    expect(show(store.findSessions(b('a'), 11, 19))).toEqual([]);
  });

  it('never mixes keys that are prefixes of each other', () => {
    const longer = Buffer.concat([b('a'), Buffer.alloc(16, 0)]);
    store.put(longer, 0, 0, b('long'));
    store.put(b('a'), 5, 5, b('short'));
    expect(show(store.findSessions(b('a'), 0, 100))).toEqual(['a[5,5]=short']);
  });

  it('finds every key\'s sessions ending in a range, by end, key, start', () => {
    store.put(b('b'), 5, 10, b('1'));
    store.put(b('a'), 8, 10, b('2'));
    store.put(b('a'), 2, 10, b('3'));
    store.put(b('c'), 0, 3, b('4'));
    expect(show(store.findAllSessions(0, 100))).toEqual(['c[0,3]=4', 'a[2,10]=3', 'a[8,10]=2', 'b[5,10]=1']);
    expect(show(store.findAllSessions(4, 10))).toEqual(['a[2,10]=3', 'a[8,10]=2', 'b[5,10]=1']);
  });

  it('drops sessions that ended more than the retention before the newest end', () => {
    store.put(b('a'), 0, 0, b('old'));
    store.put(b('b'), 90, 100, b('edge'));
    expect(store.fetchSession(b('a'), 0, 0)?.toString()).toBe('old');
    store.put(b('c'), 101, 101, b('new'));
    expect(store.fetchSession(b('a'), 0, 0)).toBeUndefined();
    expect(show(store.findAllSessions(0, 1000))).toEqual(['b[90,100]=edge', 'c[101,101]=new']);
    store.put(b('a'), 0, 0, b('late'));
    expect(show(store.findSessions(b('a'), 0, 1000))).toEqual([]);
  });

  it('restores sessions and the mark from changelog records', async () => {
    await store.wipe();
    store.restoreBatch([
      { key: sessionKeyBytes(b('a'), 10, 0), value: b('1'), offset: '0' },
      { key: sessionKeyBytes(b('a'), 30, 20), value: b('2'), offset: '1' },
      { key: sessionKeyBytes(b('a'), 10, 0), value: null, offset: '2' },
      { key: STORE_MARK_KEY, value: markBytes(15), offset: '3' },
    ]);
    expect(show(store.findAllSessions(0, 1000))).toEqual(['a[20,30]=2']);
    expect(store.emittedUpTo()).toBe(15);
  });

  it('refuses a session that ends before it starts', () => {
    expect(() => store.put(b('a'), 5, 4, b('x'))).toThrow(/ends before it starts/);
  });
});
