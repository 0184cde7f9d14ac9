import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InvalidStateStoreError } from '../../invalid-state-store-error.js';
import type { KeyValue } from '../../key-value-store.js';
import { LMDB_MAX_KEY_BYTES, LmdbKeyValueStore } from './lmdb-key-value-store.js';
import type { ChangelogSink, StateStoreContext } from '../../state-store.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const pairs = (entries: Iterable<KeyValue<Buffer, Buffer>>): [string, string][] =>
  [...entries].map((e) => [e.key.toString('latin1'), e.value.toString('latin1')]);

const sink = (topic: string, partition: number): ChangelogSink => ({ topic, partition, append: () => undefined });

/** Reads lmdb directly, as another process would after a crash; keys are stored behind a 0 byte. */
async function readRaw(path: string, key: string): Promise<string | undefined> {
  const raw = open<Buffer, Buffer>({ path, keyEncoding: 'binary', encoding: 'binary', readOnly: true });
  try {
    return raw.get(Buffer.concat([Buffer.from([0]), b(key)]))?.toString('latin1');
  } finally {
    await raw.close();
  }
}

describe('LmdbKeyValueStore', () => {
  let taskDir: string;
  let context: StateStoreContext;
  const stores: LmdbKeyValueStore[] = [];

  const openStore = async (options = {}, ctx: StateStoreContext = context): Promise<LmdbKeyValueStore> => {
    const store = new LmdbKeyValueStore('counts', options);
    stores.push(store);
    await store.init(ctx);
    return store;
  };

  beforeEach(() => {
    taskDir = mkdtempSync(join(tmpdir(), 'rivulet-lmdb-'));
    context = { taskId: '0_1', taskDir, changelog: sink('app-counts-changelog', 1) };
  });

  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    rmSync(taskDir, { recursive: true, force: true });
  });

  it('keeps its data across close and reopen, with the checkpoint offset read back', async () => {
    const first = await openStore();
    expect(first.restoredOffset).toBeUndefined();
    first.put(b('a'), b('1'));
    first.put(b('b'), b('2'));
    first.delete(b('b'));
    first.checkpoint('42');
    await first.close();
    expect(JSON.parse(readFileSync(join(taskDir, 'counts.checkpoint'), 'utf8'))).toEqual({
      version: 1,
      offset: '42',
      topic: 'app-counts-changelog',
      partition: 1,
    });

    const second = await openStore();
    expect(second.restoredOffset).toBe('42');
    expect(pairs(second.all())).toEqual([['a', '1']]);
    // From here on the data moves past offset 42: a crash must not leave the old checkpoint behind.
    expect(existsSync(join(taskDir, 'counts.checkpoint'))).toBe(false);
  });

  it('writes the checkpoint on flush, after the data', async () => {
    const store = await openStore();
    store.put(b('a'), b('1'));
    store.checkpoint('7');
    await store.flush();
    expect(JSON.parse(readFileSync(join(taskDir, 'counts.checkpoint'), 'utf8')).offset).toBe('7');
    expect(await readRaw(join(taskDir, 'counts'), 'a')).toBe('1');
  });

  it('drops data found without a checkpoint (a crash or a dirty close): its position is unknown', async () => {
    const first = await openStore();
    first.put(b('a'), b('1'));
    await first.close(); // no checkpoint() call: as after a dirty close
    const second = await openStore();
    expect(second.restoredOffset).toBeUndefined();
    expect(pairs(second.all())).toEqual([]);
  });

  it('ignores a checkpoint of another changelog partition, or an unreadable one', async () => {
    const first = await openStore();
    first.put(b('a'), b('1'));
    first.checkpoint('5');
    await first.close();
    const other = await openStore({}, { ...context, changelog: sink('app-counts-changelog', 2) });
    expect(other.restoredOffset).toBeUndefined();
    expect(pairs(other.all())).toEqual([]);
    await other.close();

    writeFileSync(join(taskDir, 'counts.checkpoint'), '{not json');
    const third = await openStore();
    expect(third.restoredOffset).toBeUndefined();
  });

  it('ignores a checkpoint whose data folder is gone', async () => {
    const first = await openStore();
    first.put(b('a'), b('1'));
    first.checkpoint('5');
    await first.close();
    rmSync(join(taskDir, 'counts'), { recursive: true });
    const second = await openStore();
    expect(second.restoredOffset).toBeUndefined();
  });

  it('wipe() deletes the data and the checkpoint', async () => {
    const first = await openStore();
    first.put(b('a'), b('1'));
    first.checkpoint('9');
    await first.flush();
    first.put(b('b'), b('2'));
    await first.wipe();
    expect(existsSync(join(taskDir, 'counts.checkpoint'))).toBe(false);
    expect(first.restoredOffset).toBeUndefined();
    expect(pairs(first.all())).toEqual([]);
    first.checkpoint('0');
    await first.close();

    const second = await openStore();
    expect(pairs(second.all())).toEqual([]);
  });

  it('wipe() on a closed store deletes its files and leaves it closed', async () => {
    const store = await openStore();
    store.put(b('a'), b('1'));
    store.checkpoint('3');
    await store.close();
    await store.wipe();
    expect(store.isOpen).toBe(false);
    expect(existsSync(join(taskDir, 'counts'))).toBe(false);
    expect(existsSync(join(taskDir, 'counts.checkpoint'))).toBe(false);
  });

  it('deletes only its own data folder and checkpoint: not a file in its place, its neighbours, or what a link points to', async () => {
    const counts = await openStore();
    counts.put(b('a'), b('1'));
    counts.checkpoint('7');
    await counts.close();
    const checkpoint = readFileSync(join(taskDir, 'counts.checkpoint'), 'utf8');
    writeFileSync(join(taskDir, 'notes.txt'), 'the user’s');
    // A store named 'counts.checkpoint' finds the checkpoint of 'counts' where its data folder would be.
    const clash = new LmdbKeyValueStore('counts.checkpoint');
    await expect(clash.init(context)).rejects.toThrow(/'counts\.checkpoint': expects its data directory at .*, but a file is there/);
    expect(readFileSync(join(taskDir, 'counts.checkpoint'), 'utf8')).toBe(checkpoint);
    await counts.wipe();
    expect(readFileSync(join(taskDir, 'notes.txt'), 'utf8')).toBe('the user’s');

    // A data folder that is a link to a folder elsewhere: the link goes, what it points to stays.
    const elsewhere = mkdtempSync(join(tmpdir(), 'rivulet-lmdb-elsewhere-'));
    try {
      writeFileSync(join(elsewhere, 'keep.txt'), 'keep');
      symlinkSync(elsewhere, join(taskDir, 'counts'));
      const reopened = await openStore();
      expect(pairs(reopened.all())).toEqual([]);
      expect(lstatSync(join(taskDir, 'counts')).isDirectory()).toBe(true);
      expect(readFileSync(join(elsewhere, 'keep.txt'), 'utf8')).toBe('keep');
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('writes its buffer to lmdb when it holds writeBufferEntries keys, without a flush', async () => {
    const store = await openStore({ writeBufferEntries: 3 });
    store.put(b('a'), b('1'));
    store.put(b('b'), b('2'));
    store.put(b('a'), b('3')); // same key: still two entries
    expect(store.bufferedEntries).toBe(2);
    store.put(b('c'), b('4'));
    await vi.waitFor(() => expect(store.bufferedEntries).toBe(0));
    expect(await readRaw(join(taskDir, 'counts'), 'a')).toBe('3');
    expect(await readRaw(join(taskDir, 'counts'), 'c')).toBe('4');
    expect(pairs(store.all())).toEqual([
      ['a', '3'],
      ['b', '2'],
      ['c', '4'],
    ]);
  });

  it('writes its buffer to lmdb when it holds writeBufferBytes of keys and values', async () => {
    const store = await openStore({ writeBufferBytes: 16 });
    store.put(b('k'), b('12345678'));
    expect(store.bufferedEntries).toBe(1);
    store.put(b('k'), b('123456789012345'));
    await vi.waitFor(() => expect(store.bufferedEntries).toBe(0));
    expect(await readRaw(join(taskDir, 'counts'), 'k')).toBe('123456789012345');
  });

  it('keeps deletes buffered until written, and then removes the key from lmdb', async () => {
    const store = await openStore();
    store.put(b('a'), b('1'));
    await store.flush();
    expect(store.delete(b('a'))?.toString()).toBe('1');
    expect(store.get(b('a'))).toBeUndefined();
    expect(await readRaw(join(taskDir, 'counts'), 'a')).toBe('1');
    await store.flush();
    expect(await readRaw(join(taskDir, 'counts'), 'a')).toBeUndefined();
  });

  it('rejects keys longer than lmdb allows when written, and finds none of them', async () => {
    const store = await openStore();
    const longest = Buffer.alloc(LMDB_MAX_KEY_BYTES, 0x61);
    store.put(longest, b('ok'));
    await store.flush();
    expect(store.get(longest)?.toString()).toBe('ok');
    const tooLong = Buffer.alloc(LMDB_MAX_KEY_BYTES + 1, 0x61);
    expect(() => store.put(tooLong, b('x'))).toThrow(InvalidStateStoreError);
    expect(() => store.put(tooLong, b('x'))).toThrow(/longer than the 1977 bytes/);
    expect(store.get(tooLong)).toBeUndefined();
    expect(store.delete(tooLong)).toBeUndefined();
    // Range bounds longer than any key still bound exactly.
    expect([...store.range(tooLong)].length).toBe(0);
    expect([...store.range(undefined, tooLong)].map((e) => e.key.length)).toEqual([LMDB_MAX_KEY_BYTES]);
    expect([...store.range(Buffer.alloc(LMDB_MAX_KEY_BYTES + 5, 0x60))].map((e) => e.key.length)).toEqual([LMDB_MAX_KEY_BYTES]);
  });

  it('validates its options and checkpoint offsets', async () => {
    expect(() => new LmdbKeyValueStore('s', { writeBufferEntries: 0 })).toThrow(/writeBufferEntries must be a positive integer, got 0/);
    expect(() => new LmdbKeyValueStore('s', { writeBufferBytes: 1.5 })).toThrow(/writeBufferBytes/);
    expect(() => new LmdbKeyValueStore('a/b')).toThrow(/state store name "a\/b" is not allowed/);
    const store = await openStore();
    expect(() => store.checkpoint('-1')).toThrow(/non-negative integer string/);
  });

  it('close() is idempotent', async () => {
    const store = await openStore();
    await store.close();
    await store.close();
    expect(store.isOpen).toBe(false);
  });
});
