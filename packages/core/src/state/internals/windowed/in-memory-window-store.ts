import { InMemoryTimeSlotEngine } from './in-memory-time-slot-engine.js';
import type { KeyValue } from '../../key-value-store.js';
import { assertStoreTime, TIME_BYTES } from '../changelog/time-key-encoding.js';
import type { WindowBytesEntry, WindowBytesStore } from '../../window-bytes-store.js';
import { assertRetention } from '../../window-store-options.js';

/**
 * The in-memory window engine, the default: windows indexed by key and by start (see
 * {@link TimeSlotIndex} for the cost model). Nothing survives a restart: the task restores the
 * store from its changelog, so `restoredOffset` is always undefined.
 *
 * Retention: the store tracks the newest window start written (or restored); a window whose start
 * is more than `retentionMs` older is expired: reads skip it, a write of it is dropped, and it is
 * removed as newer windows arrive (in time order, so the work is proportional to what expires).
 */
export class InMemoryWindowStore extends InMemoryTimeSlotEngine implements WindowBytesStore {
  constructor(
    name: string,
    retentionMs: number,
    readonly windowSizeMs: number,
  ) {
    assertRetention(name, retentionMs, windowSizeMs);
    super(name, retentionMs, TIME_BYTES);
  }

  put(key: Buffer, value: Buffer | null, windowStart: number): void {
    this.assertOpen();
    assertStoreTime(this.name, 'a window start', windowStart);
    this.write(key.toString('latin1'), windowStart, 0, value);
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
}
