import { assertValidStoreName } from './changelog-topic.js';
import { assertCheckpointOffset } from './checkpoint-file.js';
import { InvalidStateStoreError } from './invalid-state-store-error.js';
import type { KeyValue } from './key-value-store.js';
import type { ChangelogRecord, StateStoreContext } from './state-store.js';
import { assertStoreTime, readTime, TIME_BYTES } from './time-key-encoding.js';
import { TimeSlotIndex } from './time-slot-index.js';
import type { WindowBytesEntry, WindowBytesStore } from './window-bytes-store.js';
import { assertRetention } from './window-store-options.js';

/**
 * The in-memory window engine, the default: windows indexed by key and by start (see
 * {@link TimeSlotIndex} for the cost model). Nothing survives a restart: the task restores the
 * store from its changelog, so `restoredOffset` is always undefined.
 *
 * Retention: the store tracks the newest window start written (or restored); a window whose start
 * is more than `retentionMs` older is expired: reads skip it, a write of it is dropped, and it is
 * removed as newer windows arrive (in time order, so the work is proportional to what expires).
 */
export class InMemoryWindowStore implements WindowBytesStore {
  readonly name: string;
  readonly persistent = false;
  readonly restoredOffset: string | undefined = undefined;
  private readonly index = new TimeSlotIndex();
  private observed = Number.NEGATIVE_INFINITY;
  private mark: number | undefined;
  private opened = false;

  constructor(
    name: string,
    readonly retentionMs: number,
    readonly windowSizeMs: number,
  ) {
    assertValidStoreName(name);
    assertRetention(name, retentionMs, windowSizeMs);
    this.name = name;
  }

  get isOpen(): boolean {
    return this.opened;
  }

  /** Synchronous: an in-memory store is open at once (the test driver relies on it). */
  init(_context: StateStoreContext): void {
    if (this.opened) throw new InvalidStateStoreError(this.name, 'is already open');
    this.reset();
    this.opened = true;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.opened = false;
    this.reset();
  }

  put(key: Buffer, value: Buffer | null, windowStart: number): void {
    this.assertOpen();
    assertStoreTime(this.name, 'a window start', windowStart);
    this.write(key.toString('latin1'), value, windowStart);
  }

  fetch(key: Buffer, windowStart: number): Buffer | undefined {
    this.assertOpen();
    if (windowStart < this.liveFrom()) return undefined;
    return this.index.get(key.toString('latin1'), windowStart, 0);
  }

  fetchRange(key: Buffer, timeFrom: number, timeTo: number): KeyValue<number, Buffer>[] {
    this.assertOpen();
    const slots = this.index.forKey(key.toString('latin1'), Math.max(timeFrom, this.liveFrom()), timeTo);
    const result: KeyValue<number, Buffer>[] = new Array(slots.length);
    for (let i = 0; i < slots.length; i++) result[i] = { key: slots[i]!.time, value: slots[i]!.value };
    return result;
  }

  fetchAll(timeFrom: number, timeTo: number): WindowBytesEntry[] {
    this.assertOpen();
    const slots = this.index.between(Math.max(timeFrom, this.liveFrom()), timeTo);
    const result: WindowBytesEntry[] = new Array(slots.length);
    for (let i = 0; i < slots.length; i++) {
      const { key, slot } = slots[i]!;
      result[i] = { key: Buffer.from(key, 'latin1'), windowStart: slot.time, value: slot.value };
    }
    return result;
  }

  emittedUpTo(): number | undefined {
    this.assertOpen();
    return this.mark;
  }

  setEmittedUpTo(time: number): void {
    this.assertOpen();
    assertStoreTime(this.name, 'the emitted-up-to mark', time);
    this.mark = time;
  }

  /** Applies changelog records: `[key][start]` windows, and the store's mark (a 1-byte key). */
  restoreBatch(records: readonly ChangelogRecord[]): void {
    this.assertOpen();
    for (let i = 0; i < records.length; i++) {
      const { key, value } = records[i]!;
      if (key.length < TIME_BYTES) {
        this.mark = value === null ? undefined : readTime(value, 0);
        continue;
      }
      const keyEnd = key.length - TIME_BYTES;
      this.write(key.toString('latin1', 0, keyEnd), value, readTime(key, keyEnd));
    }
  }

  checkpoint(offset: string): void {
    assertCheckpointOffset(this.name, offset);
  }

  async wipe(): Promise<void> {
    this.reset();
  }

  private write(key: string, value: Buffer | null, windowStart: number): void {
    if (windowStart > this.observed) {
      this.observed = windowStart;
      this.index.removeBefore(this.liveFrom());
    } else if (windowStart < this.liveFrom()) {
      return; // Expired: Kafka Streams drops such a write too.
    }
    if (value === null) this.index.delete(key, windowStart, 0);
    else this.index.set(key, windowStart, 0, value);
  }

  /** The oldest window start still kept. */
  private liveFrom(): number {
    return this.observed - this.retentionMs;
  }

  private reset(): void {
    this.index.clear();
    this.observed = Number.NEGATIVE_INFINITY;
    this.mark = undefined;
  }

  private assertOpen(): void {
    if (!this.opened) throw new InvalidStateStoreError(this.name, 'is not open');
  }
}
