import { Stores, type KeyValueStore } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { readTimestamp, writeTimestamp } from './join-bytes.js';
import { JoinWindowBuffer } from './join-window-buffer.js';
import { OuterJoinBuffer } from './outer-join-buffer.js';

function bytesStore(name = 'buffer'): KeyValueStore<Buffer, Buffer> {
  const store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), serdes.bytes(), serdes.bytes()).withLoggingDisabled().build();
  void store.init({ taskId: '0_0', taskDir: '/tmp/rivulet-join-buffer-test' });
  return store;
}

describe('join buffer timestamps', () => {
  it('encode in 8 bytes whose byte order is number order, negative numbers included', () => {
    const values = [-(2 ** 53) + 1, -(2 ** 32), -1, 0, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 1_700_000_000_000, 2 ** 53 - 1];
    const encoded = values.map((v) => {
      const b = Buffer.alloc(8);
      writeTimestamp(b, 0, v);
      return b;
    });
    expect(encoded.map((b) => readTimestamp(b, 0))).toEqual(values);
    for (let i = 1; i < encoded.length; i++) expect(Buffer.compare(encoded[i - 1]!, encoded[i]!)).toBe(-1);
  });
});

describe('JoinWindowBuffer', () => {
  it('finds the records of one key in a time range, oldest first, duplicates kept', () => {
    const buffer = new JoinWindowBuffer(bytesStore(), serdes.string(), serdes.string(), 1000, 'topic');
    buffer.put('a', 'a1', 10);
    buffer.put('a', 'a2', 20);
    buffer.put('a', 'a2-again', 20);
    buffer.put('b', 'b1', 15);
    expect(buffer.fetch('a', 10, 20)).toEqual([
      { timestamp: 10, value: 'a1' },
      { timestamp: 20, value: 'a2' },
      { timestamp: 20, value: 'a2-again' },
    ]);
    expect(buffer.fetch('a', 11, 19)).toEqual([]);
    expect(buffer.fetch('b', 0, 100)).toEqual([{ timestamp: 15, value: 'b1' }]);
    expect(buffer.fetch('a', 30, 20)).toEqual([]);
  });

  it('keeps apart keys whose bytes start with another key', () => {
    const buffer = new JoinWindowBuffer(bytesStore(), serdes.bytes(), serdes.string(), 10 ** 12, 'topic');
    const short = Buffer.from([0x61]);
    // Key bytes that, after 'a', read like a timestamp inside the range fetched for 'a'.
    const long = Buffer.alloc(13);
    long[0] = 0x61;
    writeTimestamp(long, 1, 50);
    buffer.put(short, 'short', 100);
    buffer.put(long, 'long', 100);
    expect(buffer.fetch(short, 0, 200)).toEqual([{ timestamp: 100, value: 'short' }]);
    expect(buffer.fetch(long, 0, 200)).toEqual([{ timestamp: 100, value: 'long' }]);
  });

  it('ignores and sweeps out records older than the retention, as a window store does', () => {
    const store = bytesStore();
    const buffer = new JoinWindowBuffer(store, serdes.string(), serdes.string(), 100, 'topic');
    expect(buffer.put('a', 'old', 0)).toBe(true);
    expect(buffer.put('a', 'new', 100)).toBe(true); // stream time 100: 'old' (0 <= 100 - 100) is expired
    expect(buffer.fetch('a', 0, 100)).toEqual([{ timestamp: 100, value: 'new' }]);
    expect(buffer.put('a', 'late', 0)).toBe(false);
    expect(store.approximateNumEntries()).toBe(2);
    buffer.put('b', 'far', 60_000); // a sweep runs every max(retention / 2, 60 s) of stream time
    expect([...store.all()].map((e) => e.value.toString())).toEqual(['far']);
  });

  it('takes up the stream time and the sequence of the records it finds in its store', () => {
    const store = bytesStore();
    const first = new JoinWindowBuffer(store, serdes.string(), serdes.string(), 100, 'topic');
    first.put('a', 'one', 500);
    first.put('a', 'two', 500);
    const reopened = new JoinWindowBuffer(store, serdes.string(), serdes.string(), 100, 'topic');
    expect(reopened.put('a', 'expired', 400)).toBe(false);
    reopened.put('a', 'three', 500); // a new sequence number: the restored records stay
    expect(reopened.fetch('a', 500, 500).map((r) => r.value)).toEqual(['one', 'two', 'three']);
  });
});

describe('OuterJoinBuffer', () => {
  const view = (entries: readonly { timestamp: number; side: string; key: unknown; values: readonly unknown[] }[]) =>
    entries.map(({ timestamp, side, key, values }) => ({ timestamp, side, key, values }));

  it('hands out the records whose window closed, in store order, and forgets those that found a partner', () => {
    const buffer = new OuterJoinBuffer(bytesStore(), serdes.string(), serdes.string(), serdes.int32(), 'topic');
    buffer.put('right', 'k1', 7, 20);
    buffer.put('left', 'k2', 'b', 10);
    buffer.put('left', 'k2', 'b-again', 10);
    buffer.put('left', 'k1', 'a', 20);
    buffer.put('left', 'k0', 'z', 20);
    buffer.remove('left', 'k1', 20); // found its partner
    buffer.remove('right', 'k1', 19); // no such record: nothing changes
    // Left windows stay open 5 ms after their timestamp, right ones 0 ms: at 25, only k2 (10) and
    // the right record (20) have closed.
    expect(view(buffer.closed(25, 5, 0))).toEqual([
      { timestamp: 10, side: 'left', key: 'k2', values: ['b', 'b-again'] },
      { timestamp: 20, side: 'right', key: 'k1', values: [7] },
    ]);
    expect(buffer.closed(25, 5, 0)).toEqual([]); // handed out once
    expect(view(buffer.closed(26, 5, 0))).toEqual([{ timestamp: 20, side: 'left', key: 'k0', values: ['z'] }]);
  });

  it('finds the records waiting in its store when it opens (after a restore)', () => {
    const store = bytesStore();
    const first = new OuterJoinBuffer(store, serdes.string(), serdes.string(), serdes.string(), 'topic');
    first.put('left', 'k1', 'a', 10);
    first.put('right', 'k2', 'x', 12);
    const closed = first.closed(100, 0, 0);
    first.delete(closed[0]!.storeKey); // emitted: gone from the store
    const reopened = new OuterJoinBuffer(store, serdes.string(), serdes.string(), serdes.string(), 'topic');
    expect(view(reopened.closed(100, 0, 0))).toEqual([{ timestamp: 12, side: 'right', key: 'k2', values: ['x'] }]);
  });
});
