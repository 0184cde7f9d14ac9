import { assertValidStoreName } from '../changelog/changelog-topic.js';
import { assertCheckpointOffset } from '../changelog/checkpoint-file.js';
import { InvalidStateStoreError } from '../../invalid-state-store-error.js';
import type { ChangelogRecord, StateStoreContext } from '../../state-store.js';
import { assertStoreTime, readTime, TIME_BYTES } from '../changelog/time-key-encoding.js';
import { TimeSlotIndex } from './time-slot-index.js';

/**
 * What the in-memory window and session engines share: a {@link TimeSlotIndex} of entries by key,
 * time (a window's start, a session's end) and tiebreak (0, a session's start); the newest time
 * written, with entries more than `retentionMs` older expired (reads skip them, writes of them are
 * dropped, and they are removed as newer ones arrive); the emitted-up-to mark; open and close; and
 * restoring from changelog keys `[key][8-byte time][8-byte tiebreak, sessions only]`. Nothing
 * survives a restart, so `restoredOffset` is always undefined.
 *
 * @internal
 */
export abstract class InMemoryTimeSlotEngine {
  readonly name: string;
  readonly persistent = false;
  readonly restoredOffset: string | undefined = undefined;
  protected readonly index = new TimeSlotIndex();
  private observed = Number.NEGATIVE_INFINITY;
  private mark: number | undefined;
  private opened = false;

  protected constructor(
    name: string,
    readonly retentionMs: number,
    /** Bytes of the time suffix of a changelog key: 8 (window start) or 16 (session end, start). */
    private readonly suffixBytes: number,
  ) {
    assertValidStoreName(name);
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

  emittedUpTo(): number | undefined {
    this.assertOpen();
    return this.mark;
  }

  setEmittedUpTo(time: number): void {
    this.assertOpen();
    assertStoreTime(this.name, 'the emitted-up-to mark', time);
    this.mark = time;
  }

  /** Applies changelog records: entries, and the store's mark (a 1-byte key). */
  restoreBatch(records: readonly ChangelogRecord[]): void {
    this.assertOpen();
    for (let i = 0; i < records.length; i++) {
      const { key, value } = records[i]!;
      if (key.length < this.suffixBytes) {
        this.mark = value === null ? undefined : readTime(value, 0);
        continue;
      }
      const keyEnd = key.length - this.suffixBytes;
      const tiebreak = this.suffixBytes > TIME_BYTES ? readTime(key, keyEnd + TIME_BYTES) : 0;
      this.write(key.toString('latin1', 0, keyEnd), readTime(key, keyEnd), tiebreak, value);
    }
  }

  checkpoint(offset: string): void {
    assertCheckpointOffset(this.name, offset);
  }

  async wipe(): Promise<void> {
    this.reset();
  }

  /** Writes (or deletes, for null) an entry; an expired one is dropped, as Kafka Streams does. */
  protected write(key: string, time: number, tiebreak: number, value: Buffer | null): void {
    if (time > this.observed) {
      this.observed = time;
      this.index.removeBefore(this.liveFrom());
    } else if (time < this.liveFrom()) {
      return;
    }
    if (value === null) this.index.delete(key, time, tiebreak);
    else this.index.set(key, time, tiebreak, value);
  }

  /** The oldest time still kept. */
  protected liveFrom(): number {
    return this.observed - this.retentionMs;
  }

  protected assertOpen(): void {
    if (!this.opened) throw new InvalidStateStoreError(this.name, 'is not open');
  }

  private reset(): void {
    this.index.clear();
    this.observed = Number.NEGATIVE_INFINITY;
    this.mark = undefined;
  }
}
