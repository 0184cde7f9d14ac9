import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serdes } from '@rivulet/serde';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangelogRecord, ChangelogSink, StateStoreContext } from '../../state-store.js';
import { Stores } from '../../stores.js';
import type { VersionedBytesStoreSupplier } from '../../versioned-bytes-store.js';
import { PUT_RETURN_CODE_NOT_PUT, PUT_RETURN_CODE_VALID_TO_UNDEFINED, type VersionedKeyValueStore } from '../../versioned-key-value-store.js';

/** The contract both versioned engines keep (KIP-889), through the typed store and its changelogging layer. */

interface Logged {
  key: string;
  value: string | null;
  timestamp: number;
}

function recordingSink(): ChangelogSink & { appended: Logged[]; records(): ChangelogRecord[] } {
  const appended: Logged[] = [];
  return {
    topic: 'app-rates-changelog',
    partition: 0,
    appended,
    append(key, value, timestamp) {
      appended.push({ key: key.toString(), value: value === null ? null : value.toString(), timestamp });
    },
    records: () =>
      appended.map((r, i) => ({ key: Buffer.from(r.key), value: r.value === null ? null : Buffer.from(r.value), offset: String(i), timestamp: r.timestamp })),
  };
}

const engines: { engine: string; supplier: (retentionMs: number) => VersionedBytesStoreSupplier }[] = [
  { engine: 'in-memory', supplier: (ms) => Stores.inMemoryVersionedKeyValueStore('rates', ms) },
  { engine: 'lmdb', supplier: (ms) => Stores.persistentVersionedKeyValueStore('rates', ms) },
  { engine: 'lmdb with a write buffer of 2', supplier: (ms) => Stores.persistentVersionedKeyValueStore('rates', ms, { writeBufferEntries: 2 }) },
];

describe.each(engines)('$engine versioned key-value store', ({ supplier }) => {
  let dir: string;
  let changelog: ReturnType<typeof recordingSink>;
  let open: VersionedKeyValueStore<string, string>[];

  const context = (sink?: ChangelogSink): StateStoreContext => ({ taskId: '0_0', taskDir: dir, ...(sink ? { changelog: sink } : {}), currentTimestamp: () => 999_999 });
  async function create(retentionMs: number, sink: ChangelogSink | undefined = changelog) {
    const store = Stores.versionedKeyValueStoreBuilder(supplier(retentionMs), serdes.string(), serdes.string()).build();
    await store.init(context(sink));
    open.push(store);
    return store;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rivulet-versioned-'));
    changelog = recordingSink();
    open = [];
  });

  afterEach(async () => {
    for (const store of open) if (store.isOpen) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers as of a time with the version valid then, inclusive of its start and exclusive of its end', async () => {
    const store = await create(10_000);
    expect(store.put('EUR', 'v1', 1000)).toBe(PUT_RETURN_CODE_VALID_TO_UNDEFINED);
    expect(store.put('EUR', 'v2', 2000)).toBe(PUT_RETURN_CODE_VALID_TO_UNDEFINED);
    expect(store.get('EUR', 999)).toBeUndefined();
    expect(store.get('EUR', 1000)).toEqual({ value: 'v1', timestamp: 1000, validTo: 2000 });
    expect(store.get('EUR', 1999)).toEqual({ value: 'v1', timestamp: 1000, validTo: 2000 });
    expect(store.get('EUR', 2000)).toEqual({ value: 'v2', timestamp: 2000 });
    expect(store.get('EUR', 50_000)).toEqual({ value: 'v2', timestamp: 2000 });
    expect(store.get('EUR')).toEqual({ value: 'v2', timestamp: 2000 });
    expect(store.get('USD')).toBeUndefined();
    expect(store.get('USD', 1500)).toBeUndefined();
  });

  it('puts out-of-order versions into the history, returning the next version timestamp; the same timestamp replaces', async () => {
    const store = await create(10_000);
    store.put('EUR', 'v1', 1000);
    store.put('EUR', 'v3', 3000);
    expect(store.put('EUR', 'v2', 2000)).toBe(3000);
    expect(store.get('EUR')).toEqual({ value: 'v3', timestamp: 3000 });
    expect(store.get('EUR', 1500)).toEqual({ value: 'v1', timestamp: 1000, validTo: 2000 });
    expect(store.get('EUR', 2500)).toEqual({ value: 'v2', timestamp: 2000, validTo: 3000 });
    expect(store.put('EUR', 'v2b', 2000)).toBe(3000);
    expect(store.get('EUR', 2000)).toEqual({ value: 'v2b', timestamp: 2000, validTo: 3000 });
    expect(store.put('EUR', 'v0', 500)).toBe(1000);
    expect(store.get('EUR', 700)).toEqual({ value: 'v0', timestamp: 500, validTo: 1000 });
  });

  it('keeps deletes as tombstone versions: nothing as of the deletion, the value before it still answers', async () => {
    const store = await create(10_000);
    store.put('EUR', 'v1', 1000);
    store.put('EUR', 'v2', 2000);
    expect(store.delete('EUR', 3000)).toEqual({ value: 'v2', timestamp: 2000 });
    expect(store.get('EUR')).toBeUndefined();
    expect(store.get('EUR', 3000)).toBeUndefined();
    expect(store.get('EUR', 2999)).toEqual({ value: 'v2', timestamp: 2000, validTo: 3000 });
    // A null put is a deletion too, here out of order: v1 now ends at 1500.
    expect(store.put('EUR', null, 1500)).toBe(2000);
    expect(store.get('EUR', 1499)).toEqual({ value: 'v1', timestamp: 1000, validTo: 1500 });
    expect(store.get('EUR', 1500)).toBeUndefined();
    expect(store.put('EUR', 'v4', 4000)).toBe(PUT_RETURN_CODE_VALID_TO_UNDEFINED);
    expect(store.get('EUR', 3500)).toBeUndefined();
    expect(store.get('EUR')).toEqual({ value: 'v4', timestamp: 4000 });
    // Deleting as of a time nothing was valid returns nothing.
    expect(store.delete('USD', 4000)).toBeUndefined();
  });

  it('drops history older than the retention behind observed stream time, refuses puts older than it, keeps the latest version', async () => {
    const store = await create(1000);
    store.put('EUR', 'v1', 1000);
    store.put('EUR', 'v2', 2000);
    store.put('GBP', 'g1', 1500);
    store.put('USD', 'u1', 5000); // stream time 5000: history before 4000 is gone
    expect(store.get('EUR', 3999)).toBeUndefined();
    expect(store.get('EUR', 4000)).toEqual({ value: 'v2', timestamp: 2000 });
    expect(store.get('GBP')).toEqual({ value: 'g1', timestamp: 1500 });
    expect(store.put('EUR', 'late', 3999)).toBe(PUT_RETURN_CODE_NOT_PUT);
    expect(store.get('EUR', 4500)).toEqual({ value: 'v2', timestamp: 2000 });
    expect(store.put('EUR', 'at-boundary', 4000)).toBe(PUT_RETURN_CODE_VALID_TO_UNDEFINED);
    expect(store.put('EUR', 'v5', 5000)).toBe(PUT_RETURN_CODE_VALID_TO_UNDEFINED);
    expect(store.get('EUR', 4999)).toEqual({ value: 'at-boundary', timestamp: 4000, validTo: 5000 });
    expect(store.delete('EUR', 3000)).toBeUndefined();
    expect(store.get('EUR')).toEqual({ value: 'v5', timestamp: 5000 });
    // A zero retention keeps only the latest version.
    const latestOnly = await create(0, undefined);
    latestOnly.put('k', 'a', 100);
    latestOnly.put('k', 'b', 200);
    expect(latestOnly.get('k', 199)).toBeUndefined();
    expect(latestOnly.get('k', 200)).toEqual({ value: 'b', timestamp: 200 });
    expect(latestOnly.put('k', 'old', 150)).toBe(PUT_RETURN_CODE_NOT_PUT);
  });

  it('logs each version with its own timestamp as the record timestamp; a refused put is not logged', async () => {
    const store = await create(1000);
    store.put('EUR', 'v2', 2000);
    store.put('EUR', 'v1', 1000);
    store.put('USD', 'u', 5000);
    store.put('EUR', 'too-old', 3000);
    store.delete('EUR', 6000);
    expect(changelog.appended).toEqual([
      { key: 'EUR', value: 'v2', timestamp: 2000 },
      { key: 'EUR', value: 'v1', timestamp: 1000 },
      { key: 'USD', value: 'u', timestamp: 5000 },
      { key: 'EUR', value: null, timestamp: 6000 },
    ]);
  });

  it('restores the history and the stream time from its changelog', async () => {
    const store = await create(1000);
    store.put('EUR', 'v1', 1000);
    store.put('EUR', 'v3', 3000);
    store.put('EUR', 'v2', 2000);
    store.delete('EUR', 3500);
    store.put('EUR', 'v4', 3800);
    store.put('GBP', 'g', 3900);
    await store.close();
    rmSync(dir, { recursive: true, force: true });

    const restored = await create(1000, recordingSink());
    expect(restored.get('EUR')).toBeUndefined(); // a fresh store, no checkpoint: empty until restored
    // Two batches, as the runtime reads them.
    const records = changelog.records();
    restored.restoreBatch(records.slice(0, 3));
    restored.restoreBatch(records.slice(3));
    expect(restored.get('EUR')).toEqual({ value: 'v4', timestamp: 3800 });
    expect(restored.get('EUR', 2999)).toEqual({ value: 'v2', timestamp: 2000, validTo: 3000 });
    expect(restored.get('EUR', 3000)).toEqual({ value: 'v3', timestamp: 3000, validTo: 3500 });
    expect(restored.get('EUR', 3600)).toBeUndefined();
    expect(restored.get('GBP', 3900)).toEqual({ value: 'g', timestamp: 3900 });
    // Stream time came back with the history (3900): before 2900 is out of retention.
    expect(restored.get('EUR', 2899)).toBeUndefined();
    expect(restored.put('EUR', 'late', 2899)).toBe(PUT_RETURN_CODE_NOT_PUT);
  });
});

describe('lmdb versioned key-value store across a clean restart', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rivulet-versioned-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps history and stream time on disk under its checkpoint', async () => {
    const build = () => Stores.versionedKeyValueStoreBuilder(Stores.persistentVersionedKeyValueStore('rates', 1000), serdes.string(), serdes.string()).withLoggingDisabled().build();
    const first = build();
    await first.init({ taskId: '0_0', taskDir: dir });
    first.put('EUR', 'v1', 1000);
    first.put('EUR', 'v2', 2000);
    first.checkpoint('7');
    await first.close();

    const second = build();
    await second.init({ taskId: '0_0', taskDir: dir });
    expect(second.restoredOffset).toBe('7');
    expect(second.get('EUR', 1500)).toEqual({ value: 'v1', timestamp: 1000, validTo: 2000 });
    expect(second.put('EUR', 'late', 999)).toBe(PUT_RETURN_CODE_NOT_PUT);
    await second.close();
  });
});

describe('Stores.versionedKeyValueStoreBuilder', () => {
  it('compacts the changelog no sooner than the history retention plus a day, under the user configs', () => {
    const builder = Stores.versionedKeyValueStoreBuilder(Stores.inMemoryVersionedKeyValueStore('rates', 60_000), serdes.string(), serdes.string());
    expect(builder.logConfig).toEqual({ 'min.compaction.lag.ms': String(60_000 + 86_400_000) });
    expect(builder.withLoggingEnabled({ 'min.insync.replicas': '2' }).logConfig).toEqual({ 'min.compaction.lag.ms': '86460000', 'min.insync.replicas': '2' });
    expect(builder.withLoggingDisabled().logConfig).toEqual({});
  });

  it('refuses a negative history retention where the store is defined', () => {
    expect(() => Stores.inMemoryVersionedKeyValueStore('rates', -1)).toThrow(/historyRetentionMs must be a non-negative integer, got -1/);
  });
});
