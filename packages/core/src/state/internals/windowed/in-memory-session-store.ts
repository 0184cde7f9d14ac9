import { InMemoryTimeSlotEngine } from './in-memory-time-slot-engine.js';
import type { SessionBytesEntry, SessionBytesStore } from '../../session-bytes-store.js';
import { assertStoreTime, TIME_BYTES } from '../changelog/time-key-encoding.js';
import type { TimeSlot } from './time-slot-index.js';
import { assertRetention } from '../../window-store-options.js';

/**
 * The in-memory session engine, the default: sessions indexed by key and by end (see
 * {@link TimeSlotIndex}). Nothing survives a restart: the task restores it from its changelog.
 * A session whose end is more than `retentionMs` before the newest session end is expired: reads
 * skip it, a write of it is dropped, and it is removed as newer sessions arrive.
 */
export class InMemorySessionStore extends InMemoryTimeSlotEngine implements SessionBytesStore {
  constructor(name: string, retentionMs: number) {
    assertRetention(name, retentionMs, 0);
    // Sessions are indexed by end (they age by it), with the start as the tiebreak.
    super(name, retentionMs, 2 * TIME_BYTES);
  }

  put(key: Buffer, start: number, end: number, value: Buffer | null): void {
    this.assertOpen();
    assertSession(this.name, start, end);
    this.write(key.toString('latin1'), end, start, value);
  }

  fetchSession(key: Buffer, start: number, end: number): Buffer | undefined {
    this.assertOpen();
    if (end < this.liveFrom()) return undefined;
    return this.index.get(key.toString('latin1'), end, start);
  }

  findSessions(key: Buffer, earliestSessionEnd: number, latestSessionStart: number): SessionBytesEntry[] {
    this.assertOpen();
    const slots = this.index.forKey(key.toString('latin1'), Math.max(earliestSessionEnd, this.liveFrom()), Number.POSITIVE_INFINITY);
    const result: SessionBytesEntry[] = [];
    for (const slot of slots) if (slot.tiebreak <= latestSessionStart) result.push(entryOf(key, slot));
    return result;
  }

  findAllSessions(earliestSessionEnd: number, latestSessionEnd: number): SessionBytesEntry[] {
    this.assertOpen();
    return this.index
      .between(Math.max(earliestSessionEnd, this.liveFrom()), latestSessionEnd)
      .map(({ key, slot }) => entryOf(Buffer.from(key, 'latin1'), slot));
  }
}

function entryOf(key: Buffer, slot: TimeSlot): SessionBytesEntry {
  return { key, start: slot.tiebreak, end: slot.time, value: slot.value };
}

/** @internal */
export function assertSession(store: string, start: number, end: number): void {
  assertStoreTime(store, 'a session start', start);
  assertStoreTime(store, 'a session end', end);
  if (end < start) throw new RangeError(`state store '${store}': a session ends before it starts: [${start}, ${end}]`);
}
