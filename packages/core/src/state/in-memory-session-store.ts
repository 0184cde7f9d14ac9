import { assertValidStoreName } from './changelog-topic.js';
import { assertCheckpointOffset } from './checkpoint-file.js';
import { InvalidStateStoreError } from './invalid-state-store-error.js';
import type { SessionBytesEntry, SessionBytesStore } from './session-bytes-store.js';
import type { ChangelogRecord, StateStoreContext } from './state-store.js';
import { assertStoreTime, readTime, TIME_BYTES } from './time-key-encoding.js';
import { TimeSlotIndex, type TimeSlot } from './time-slot-index.js';
import { assertRetention } from './window-store-options.js';

/**
 * The in-memory session engine, the default: sessions indexed by key and by end (see
 * {@link TimeSlotIndex}). Nothing survives a restart: the task restores it from its changelog.
 * A session whose end is more than `retentionMs` before the newest session end is expired: reads
 * skip it, a write of it is dropped, and it is removed as newer sessions arrive.
 */
export class InMemorySessionStore implements SessionBytesStore {
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
  ) {
    assertValidStoreName(name);
    assertRetention(name, retentionMs, 0);
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

  put(key: Buffer, start: number, end: number, value: Buffer | null): void {
    this.assertOpen();
    assertSession(this.name, start, end);
    this.write(key.toString('latin1'), start, end, value);
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

  emittedUpTo(): number | undefined {
    this.assertOpen();
    return this.mark;
  }

  setEmittedUpTo(time: number): void {
    this.assertOpen();
    assertStoreTime(this.name, 'the emitted-up-to mark', time);
    this.mark = time;
  }

  /** Applies changelog records: `[key][end][start]` sessions, and the store's mark (a 1-byte key). */
  restoreBatch(records: readonly ChangelogRecord[]): void {
    this.assertOpen();
    for (let i = 0; i < records.length; i++) {
      const { key, value } = records[i]!;
      if (key.length < 2 * TIME_BYTES) {
        this.mark = value === null ? undefined : readTime(value, 0);
        continue;
      }
      const keyEnd = key.length - 2 * TIME_BYTES;
      this.write(key.toString('latin1', 0, keyEnd), readTime(key, keyEnd + TIME_BYTES), readTime(key, keyEnd), value);
    }
  }

  checkpoint(offset: string): void {
    assertCheckpointOffset(this.name, offset);
  }

  async wipe(): Promise<void> {
    this.reset();
  }

  private write(key: string, start: number, end: number, value: Buffer | null): void {
    if (end > this.observed) {
      this.observed = end;
      this.index.removeBefore(this.liveFrom());
    } else if (end < this.liveFrom()) {
      return;
    }
    if (value === null) this.index.delete(key, end, start);
    else this.index.set(key, end, start, value);
  }

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

function entryOf(key: Buffer, slot: TimeSlot): SessionBytesEntry {
  return { key, start: slot.tiebreak, end: slot.time, value: slot.value };
}

/** @internal */
export function assertSession(store: string, start: number, end: number): void {
  assertStoreTime(store, 'a session start', start);
  assertStoreTime(store, 'a session end', end);
  if (end < start) throw new RangeError(`state store '${store}': a session ends before it starts: [${start}, ${end}]`);
}
