import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryKeyValueStore } from './in-memory-key-value-store.js';
import { InvalidStateStoreError } from '../../invalid-state-store-error.js';
import type { KeyValueBytesStore } from '../../key-value-bytes-store.js';
import type { KeyValue } from '../../key-value-store.js';
import { LmdbKeyValueStore } from '../lmdb/lmdb-key-value-store.js';

/** The contract both engines keep, so that switching engines never changes what a topology computes. */

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const keys = (entries: Iterable<KeyValue<Buffer, Buffer>>): string[] => [...entries].map((e) => e.key.toString('latin1'));
const pairs = (entries: Iterable<KeyValue<Buffer, Buffer>>): [string, string][] =>
  [...entries].map((e) => [e.key.toString('latin1'), e.value.toString('latin1')]);

const engines: { engine: string; create: (name: string) => KeyValueBytesStore }[] = [
  { engine: 'in-memory', create: (name) => new InMemoryKeyValueStore(name) },
  { engine: 'lmdb', create: (name) => new LmdbKeyValueStore(name) },
  // Spills every other write, so reads merge the buffer, transactions in flight and lmdb.
  { engine: 'lmdb with a write buffer of 2', create: (name) => new LmdbKeyValueStore(name, { writeBufferEntries: 2 }) },
];

describe.each(engines)('$engine key-value store', ({ create }) => {
  let dir: string;
  let store: KeyValueBytesStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rivulet-kv-'));
    store = create('store');
    await store.init({ taskId: '0_0', taskDir: dir });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gets what was put, the latest value winning, and undefined for absent keys', () => {
    expect(store.get(b('k'))).toBeUndefined();
    store.put(b('k'), b('1'));
    store.put(b('other'), b('x'));
    store.put(b('k'), b('2'));
    expect(store.get(b('k'))?.toString()).toBe('2');
    expect(store.get(b('other'))?.toString()).toBe('x');
  });

  it('keeps the empty key and empty values', () => {
    store.put(b(''), b(''));
    expect(store.get(b(''))).toEqual(Buffer.alloc(0));
    expect(keys(store.all())).toEqual(['']);
  });

  it('deletes with delete() and with a null put, returning the previous value', () => {
    store.put(b('a'), b('1'));
    store.put(b('b'), b('2'));
    expect(store.delete(b('a'))?.toString()).toBe('1');
    expect(store.delete(b('a'))).toBeUndefined();
    expect(store.delete(b('never'))).toBeUndefined();
    store.put(b('b'), null);
    expect(store.get(b('a'))).toBeUndefined();
    expect(store.get(b('b'))).toBeUndefined();
    expect(keys(store.all())).toEqual([]);
  });

  it('putIfAbsent sets only absent keys and returns the existing value', () => {
    expect(store.putIfAbsent(b('k'), b('first'))).toBeUndefined();
    expect(store.putIfAbsent(b('k'), b('second'))?.toString()).toBe('first');
    expect(store.get(b('k'))?.toString()).toBe('first');
    store.delete(b('k'));
    expect(store.putIfAbsent(b('k'), b('third'))).toBeUndefined();
    expect(store.get(b('k'))?.toString()).toBe('third');
  });

  it('putAll applies entries in order, null deleting', () => {
    store.put(b('gone'), b('x'));
    store.putAll([
      { key: b('a'), value: b('1') },
      { key: b('a'), value: b('2') },
      { key: b('gone'), value: null },
      { key: b('c'), value: b('3') },
    ]);
    expect(pairs(store.all())).toEqual([
      ['a', '2'],
      ['c', '3'],
    ]);
  });

  it('orders keys by unsigned bytes, shorter first on a common prefix', () => {
    for (const k of ['b', 'a\0', '\xff', 'a', 'ab', 'a\0\0', '', '\x7f', '\x80']) store.put(b(k), b(`v${k}`));
    expect(keys(store.all())).toEqual(['', 'a', 'a\0', 'a\0\0', 'ab', 'b', '\x7f', '\x80', '\xff']);
  });

  it('ranges with both bounds inclusive and optional', () => {
    for (const k of ['a', 'a\0', 'aa', 'ab', 'b', 'b\0', 'c']) store.put(b(k), b(k.toUpperCase()));
    expect(keys(store.range(b('a'), b('b')))).toEqual(['a', 'a\0', 'aa', 'ab', 'b']);
    expect(keys(store.range(b('a\0'), b('ab')))).toEqual(['a\0', 'aa', 'ab']);
    expect(keys(store.range(b('a\x01'), b('a\xff')))).toEqual(['aa', 'ab']);
    expect(keys(store.range(undefined, b('a\0')))).toEqual(['a', 'a\0']);
    expect(keys(store.range(b('b'), undefined))).toEqual(['b', 'b\0', 'c']);
    expect(keys(store.range())).toEqual(['a', 'a\0', 'aa', 'ab', 'b', 'b\0', 'c']);
    expect(keys(store.range(b('ab'), b('ab')))).toEqual(['ab']);
    expect(keys(store.range(b('b'), b('a')))).toEqual([]);
    expect(keys(store.range(b('x'), b('z')))).toEqual([]);
    expect(pairs(store.range(b('c'), b('c')))).toEqual([['c', 'C']]);
  });

  it('ranges see overwrites, deletes and keys added since the last range', () => {
    for (const k of ['a', 'b', 'c', 'd']) store.put(b(k), b('1'));
    expect(keys(store.all())).toEqual(['a', 'b', 'c', 'd']);
    store.delete(b('b'));
    store.put(b('c'), b('2'));
    store.put(b('bb'), b('1'));
    store.put(b('b'), b('3'));
    expect(pairs(store.all())).toEqual([
      ['a', '1'],
      ['b', '3'],
      ['bb', '1'],
      ['c', '2'],
      ['d', '1'],
    ]);
  });

  it('iterates lazily: a key deleted before the iteration reaches it is skipped, and break stops it', () => {
    for (const k of ['a', 'b', 'c', 'd']) store.put(b(k), b(k));
    const seen: string[] = [];
    for (const { key } of store.all()) {
      seen.push(key.toString());
      if (key.toString() === 'a') store.delete(b('c'));
      if (key.toString() === 'd') break;
    }
    expect(seen).toEqual(['a', 'b', 'd']);
    const first = store.all()[Symbol.iterator]().next();
    expect(first.done === true ? undefined : first.value.key.toString()).toBe('a');
  });

  it('counts entries', () => {
    expect(store.approximateNumEntries()).toBe(0);
    store.put(b('a'), b('1'));
    store.put(b('b'), b('1'));
    store.put(b('a'), b('2'));
    store.put(b('c'), b('1'));
    store.delete(b('b'));
    store.delete(b('absent'));
    expect(store.approximateNumEntries()).toBe(2);
  });

  it('restores changelog records in order, a null value deleting', () => {
    store.put(b('stale'), b('x'));
    store.restoreBatch([
      { key: b('a'), value: b('1'), offset: '0' },
      { key: b('stale'), value: null, offset: '1' },
      { key: b('a'), value: b('2'), offset: '2' },
      { key: b('b'), value: b('3'), offset: '3' },
    ]);
    expect(pairs(store.all())).toEqual([
      ['a', '2'],
      ['b', '3'],
    ]);
  });

  it('keeps its data through flush()', async () => {
    store.put(b('a'), b('1'));
    await store.flush();
    store.put(b('b'), b('2'));
    store.delete(b('a'));
    await store.flush();
    expect(pairs(store.all())).toEqual([['b', '2']]);
  });

  it('wipe() empties an open store, which stays usable', async () => {
    store.put(b('a'), b('1'));
    await store.flush();
    store.put(b('b'), b('2'));
    await store.wipe();
    expect(store.isOpen).toBe(true);
    expect(keys(store.all())).toEqual([]);
    store.put(b('c'), b('3'));
    expect(pairs(store.all())).toEqual([['c', '3']]);
  });

  it('refuses use once closed, naming the store', async () => {
    await store.close();
    expect(store.isOpen).toBe(false);
    expect(() => store.get(b('a'))).toThrow(InvalidStateStoreError);
    expect(() => store.put(b('a'), b('1'))).toThrow(/state store 'store': is not open/);
    expect(() => store.all()).toThrow(InvalidStateStoreError);
  });

  it('refuses a second init while open', async () => {
    // In memory, init is synchronous and throws; lmdb's returns a rejected Promise.
    await expect(Promise.resolve().then(() => store.init({ taskId: '0_0', taskDir: dir }))).rejects.toThrow(/already open/);
  });

  it('agrees with a sorted-map model over random writes, flushes and ranges', async () => {
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = ['\0', 'a', 'b', '\xff'];
    const randomKey = (): string => {
      let k = '';
      const length = random(4);
      for (let i = 0; i < length; i++) k += alphabet[random(alphabet.length)]!;
      return k;
    };
    const model = new Map<string, string>();
    const expected = (from?: string, to?: string): [string, string][] =>
      [...model]
        .filter(([k]) => (from === undefined || k >= from) && (to === undefined || k <= to))
        .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    for (let step = 0; step < 2000; step++) {
      const op = random(10);
      const k = randomKey();
      if (op < 5) {
        const v = String(step);
        store.put(b(k), b(v));
        model.set(k, v);
      } else if (op < 7) {
        expect(store.delete(b(k))?.toString('latin1')).toBe(model.get(k));
        model.delete(k);
      } else if (op < 8) {
        const from = randomKey();
        const to = randomKey();
        expect(pairs(store.range(b(from), b(to)))).toEqual(expected(from, to));
      } else if (op < 9) {
        expect(store.get(b(k))?.toString('latin1')).toBe(model.get(k));
      } else if (step % 7 === 0) {
        await store.flush();
      }
    }
    expect(pairs(store.all())).toEqual(expected());
    expect(store.approximateNumEntries()).toBe(model.size);
  });
});
