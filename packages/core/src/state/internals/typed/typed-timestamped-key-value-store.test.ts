import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serdes } from '@rivulet/serde';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compositeKeyValueStore } from '../../../runtime/internals/stores/composite-store.js';
import type { KeyValueBytesStoreSupplier } from '../../key-value-bytes-store.js';
import type { ChangelogRecord, ChangelogSink, StateStoreContext } from '../../state-store.js';
import { Stores } from '../../stores.js';
import { isTimestampedKeyValueStore } from '../../timestamped-key-value-store.js';
import type { TypedTimestampedKeyValueStore } from './typed-timestamped-key-value-store.js';

/** The timestamped key-value store (value + row timestamp per key) on both engines, through changelogging and restore. */

interface Logged {
  key: Buffer;
  value: Buffer | null;
  timestamp: number;
}

function recordingSink(): ChangelogSink & { appended: Logged[]; records(): ChangelogRecord[] } {
  const appended: Logged[] = [];
  return {
    topic: 'app-totals-changelog',
    partition: 0,
    appended,
    append: (key, value, timestamp) => appended.push({ key, value, timestamp }),
    records: () => appended.map((r, i) => ({ key: r.key, value: r.value, offset: String(i), timestamp: r.timestamp })),
  };
}

const engines: { engine: string; supplier: () => KeyValueBytesStoreSupplier }[] = [
  { engine: 'in-memory', supplier: () => Stores.inMemoryKeyValueStore('totals') },
  { engine: 'lmdb', supplier: () => Stores.persistentKeyValueStore('totals') },
];

describe.each(engines)('$engine timestamped key-value store', ({ supplier }) => {
  let dirs: string[];
  let open: TypedTimestampedKeyValueStore<string, bigint>[];
  let now: number;

  async function create(sink?: ChangelogSink): Promise<TypedTimestampedKeyValueStore<string, bigint>> {
    const dir = mkdtempSync(join(tmpdir(), 'rivulet-timestamped-'));
    dirs.push(dir);
    return openIn(dir, sink);
  }

  async function openIn(dir: string, sink?: ChangelogSink): Promise<TypedTimestampedKeyValueStore<string, bigint>> {
    const store = Stores.timestampedKeyValueStoreBuilder(supplier(), serdes.string(), serdes.int64()).build() as TypedTimestampedKeyValueStore<string, bigint>;
    const context: StateStoreContext = { taskId: '0_0', taskDir: dir, applicationId: 'app', ...(sink ? { changelog: sink } : {}), currentTimestamp: () => now };
    await store.init(context);
    open.push(store);
    return store;
  }

  beforeEach(() => {
    dirs = [];
    open = [];
    now = 500;
  });

  afterEach(async () => {
    for (const store of open) if (store.isOpen) await store.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a timestamp with each value; the plain methods read and write values alone', async () => {
    const store = await create();
    expect(isTimestampedKeyValueStore(store)).toBe(true);
    store.putWithTimestamp('a', 3n, 1_700_000_000_123);
    now = 42;
    store.put('b', 7n); // a plain put is stamped with the record being processed
    expect(store.getWithTimestamp('a')).toEqual({ value: 3n, timestamp: 1_700_000_000_123 });
    expect(store.getWithTimestamp('b')).toEqual({ value: 7n, timestamp: 42 });
    expect(store.getWithTimestamp('c')).toBeUndefined();
    expect(store.get('a')).toBe(3n);
    expect([...store.all()]).toEqual([
      { key: 'a', value: 3n },
      { key: 'b', value: 7n },
    ]);
    expect([...store.range('b', 'z')]).toEqual([{ key: 'b', value: 7n }]);
    expect(store.putIfAbsent('a', 9n)).toBe(3n);
    expect(store.delete('b')).toBe(7n);
    store.putWithTimestamp('a', null, 50);
    expect(store.get('a')).toBeUndefined();
    expect(store.approximateNumEntries()).toBe(0);
  });

  it('logs [8-byte timestamp][value] to the changelog, and a restore from it rebuilds values and timestamps', async () => {
    const sink = recordingSink();
    const store = await create(sink);
    store.putWithTimestamp('a', 258n, 1000);
    now = 2000;
    store.put('b', 1n);
    store.putWithTimestamp('c', 5n, 3000);
    store.delete('c');
    expect(sink.appended.map((r) => [r.key.toString(), r.value?.toString('hex') ?? null, r.timestamp])).toEqual([
      ['a', '00000000000003e8' + '0000000000000102', 500],
      ['b', '00000000000007d0' + '0000000000000001', 2000],
      ['c', '0000000000000bb8' + '0000000000000005', 2000],
      ['c', null, 2000],
    ]);

    const restored = await create();
    restored.restoreBatch(sink.records());
    expect(restored.getWithTimestamp('a')).toEqual({ value: 258n, timestamp: 1000 });
    expect(restored.getWithTimestamp('b')).toEqual({ value: 1n, timestamp: 2000 });
    expect(restored.get('c')).toBeUndefined();
  });

  it('shows values alone through interactive queries (app.store(name))', async () => {
    const store = await create();
    store.putWithTimestamp('a', 3n, 10);
    const view = compositeKeyValueStore<string, bigint>('totals', () => [store]);
    expect(view.get('a')).toBe(3n);
    expect([...view.all()]).toEqual([{ key: 'a', value: 3n }]);
  });
});

describe('Stores.timestampedKeyValueStoreBuilder', () => {
  it("takes the app's default value serde into the timestamped layout", async () => {
    const builder = Stores.timestampedKeyValueStoreBuilder<string, string>(Stores.inMemoryKeyValueStore('names'));
    expect(builder.missingSerdes).toEqual(['key', 'value']);
    const store = builder.build({ key: serdes.string(), value: serdes.string() }) as TypedTimestampedKeyValueStore<string, string>;
    await store.init({ taskId: '0_0', taskDir: '/unused', currentTimestamp: () => 77 });
    store.put('k', 'v');
    expect(store.getWithTimestamp('k')).toEqual({ value: 'v', timestamp: 77 });
    expect(isTimestampedKeyValueStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('plain'), serdes.string(), serdes.string()).build())).toBe(false);
  });
});

describe('lmdb timestamped key-value store on disk', () => {
  it('keeps the timestamps across a checkpointed close and reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rivulet-timestamped-'));
    const build = () => Stores.timestampedKeyValueStoreBuilder(Stores.persistentKeyValueStore('totals'), serdes.string(), serdes.int64()).build() as TypedTimestampedKeyValueStore<string, bigint>;
    try {
      const store = build();
      await store.init({ taskId: '0_0', taskDir: dir });
      store.putWithTimestamp('a', 4n, 123_456_789_012);
      store.checkpoint('0');
      await store.close();
      const reopened = build();
      await reopened.init({ taskId: '0_0', taskDir: dir });
      expect(reopened.getWithTimestamp('a')).toEqual({ value: 4n, timestamp: 123_456_789_012 });
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
