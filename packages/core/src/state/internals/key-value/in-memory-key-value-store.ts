import { assertValidStoreName } from '../changelog/changelog-topic.js';
import { assertCheckpointOffset } from '../changelog/checkpoint-file.js';
import { InvalidStateStoreError } from '../../invalid-state-store-error.js';
import type { KeyValueBytesStore } from '../../key-value-bytes-store.js';
import type { KeyValue } from '../../key-value-store.js';
import { lowerBound, SortedKeyMap, upperBound } from './sorted-key-map.js';
import type { ChangelogRecord, StateStoreContext } from '../../state-store.js';

/**
 * The in-memory storage engine, the default: a Map keyed by the key bytes (as latin1 strings),
 * with a sorted key index that ranges build lazily (see {@link SortedKeyMap} for the cost model).
 * Nothing survives a restart: the task restores the store from its changelog from the beginning,
 * so `restoredOffset` is always undefined and `checkpoint` records nothing.
 *
 * Ranges walk the current index without copying it; an iteration keeps the index it started with
 * and reads each value when it reaches its key, so it yields current values and skips keys
 * deleted meanwhile.
 */
export class InMemoryKeyValueStore implements KeyValueBytesStore {
  readonly name: string;
  readonly persistent = false;
  readonly restoredOffset: string | undefined = undefined;
  private readonly data = new SortedKeyMap<Buffer>();
  private opened = false;

  constructor(name: string) {
    assertValidStoreName(name);
    this.name = name;
  }

  get isOpen(): boolean {
    return this.opened;
  }

  /** Synchronous: an in-memory store is open at once (the test driver relies on it). */
  init(_context: StateStoreContext): void {
    if (this.opened) throw new InvalidStateStoreError(this.name, 'is already open');
    this.data.clear();
    this.opened = true;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.opened = false;
    this.data.clear();
  }

  get(key: Buffer): Buffer | undefined {
    this.assertOpen();
    return this.data.get(key.toString('latin1'));
  }

  put(key: Buffer, value: Buffer | null): void {
    this.assertOpen();
    if (value === null) this.data.delete(key.toString('latin1'));
    else this.data.set(key.toString('latin1'), value);
  }

  putIfAbsent(key: Buffer, value: Buffer): Buffer | undefined {
    this.assertOpen();
    const k = key.toString('latin1');
    const existing = this.data.get(k);
    if (existing !== undefined) return existing;
    this.data.set(k, value);
    return undefined;
  }

  putAll(entries: Iterable<KeyValue<Buffer, Buffer | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  delete(key: Buffer): Buffer | undefined {
    this.assertOpen();
    return this.data.delete(key.toString('latin1'));
  }

  range(from?: Buffer, to?: Buffer): Iterable<KeyValue<Buffer, Buffer>> {
    this.assertOpen();
    return this.entriesBetween(from?.toString('latin1'), to?.toString('latin1'));
  }

  all(): Iterable<KeyValue<Buffer, Buffer>> {
    this.assertOpen();
    return this.entriesBetween(undefined, undefined);
  }

  approximateNumEntries(): number {
    this.assertOpen();
    return this.data.size;
  }

  restoreBatch(records: readonly ChangelogRecord[]): void {
    this.assertOpen();
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      if (record.value === null) this.data.delete(record.key.toString('latin1'));
      else this.data.set(record.key.toString('latin1'), record.value);
    }
  }

  checkpoint(offset: string): void {
    assertCheckpointOffset(this.name, offset);
  }

  async wipe(): Promise<void> {
    this.data.clear();
  }

  private *entriesBetween(from: string | undefined, to: string | undefined): Generator<KeyValue<Buffer, Buffer>, void, undefined> {
    if (from !== undefined && to !== undefined && from > to) return;
    const keys = this.data.sortedKeys();
    const end = upperBound(keys, to);
    for (let i = lowerBound(keys, from); i < end; i++) {
      const key = keys[i]!;
      const value = this.data.get(key);
      if (value !== undefined) yield { key: Buffer.from(key, 'latin1'), value };
    }
  }

  private assertOpen(): void {
    if (!this.opened) throw new InvalidStateStoreError(this.name, 'is not open');
  }
}
