import type { KeyValueBytesStore } from '../../key-value-bytes-store.js';
import { DelegatingStore } from '../delegating-store.js';
import type { ChangelogRecord } from '../../state-store.js';
import { assertStoreTime, markBytes, readTime, STORE_MARK_KEY } from '../changelog/time-key-encoding.js';

/** Expired entries are swept at most once per this much of store time, or half the retention if longer (Kafka Streams' segment interval). */
const MIN_SWEEP_INTERVAL_MS = 60_000;

/**
 * What the window and session engines on a key-value engine share. Each entry's key ends in a time
 * suffix whose first 8 bytes are the time that ages it (a window's start, a session's end); the
 * store's emitted-up-to mark is the entry under a 1-byte key. This layer tracks the newest time
 * seen, says which times are live (within the retention of it), sweeps expired entries from the
 * engine (not logged: the changelog has its own retention) once per max(retention / 2, 1 minute)
 * of store time, and passes open, flush, close, restore and checkpoints to the engine. `init`
 * reads the engine once to learn the newest time and the mark.
 *
 * @internal
 */
export abstract class RetainedKeyValueEngine extends DelegatingStore<KeyValueBytesStore> {
  private observed = Number.NEGATIVE_INFINITY;
  private nextSweep = Number.NEGATIVE_INFINITY;
  private readonly sweepIntervalMs: number;
  private mark: number | undefined;

  protected constructor(
    inner: KeyValueBytesStore,
    readonly retentionMs: number,
    /** Bytes of the time suffix at the end of each entry's key. */
    private readonly suffixBytes: number,
  ) {
    super(inner);
    this.sweepIntervalMs = Math.max(Math.floor(retentionMs / 2), MIN_SWEEP_INTERVAL_MS);
  }

  emittedUpTo(): number | undefined {
    return this.mark;
  }

  setEmittedUpTo(time: number): void {
    assertStoreTime(this.name, 'the emitted-up-to mark', time);
    this.inner.put(STORE_MARK_KEY, markBytes(time));
    this.mark = time;
  }

  override restoreBatch(records: readonly ChangelogRecord[]): void {
    this.inner.restoreBatch(records);
    for (let i = 0; i < records.length; i++) {
      const { key, value } = records[i]!;
      if (key.length < this.suffixBytes) this.mark = value === null ? undefined : readTime(value, 0);
      else if (value !== null) this.observe(this.timeOf(key));
    }
  }

  override async wipe(): Promise<void> {
    await this.inner.wipe();
    this.observed = Number.NEGATIVE_INFINITY;
    this.nextSweep = Number.NEGATIVE_INFINITY;
    this.mark = undefined;
  }

  /** The time that ages an entry, from its key (not the mark's). */
  protected timeOf(key: Buffer): number {
    return readTime(key, key.length - this.suffixBytes);
  }

  /** True for an entry's key, false for the mark's. */
  protected isEntry(key: Buffer): boolean {
    return key.length >= this.suffixBytes;
  }

  /** Moves the newest time seen (sweeping when due); false when `time` is already expired. */
  protected observe(time: number): boolean {
    if (time > this.observed) {
      this.observed = time;
      const liveFrom = this.liveFrom();
      if (this.nextSweep === Number.NEGATIVE_INFINITY) this.nextSweep = liveFrom + this.sweepIntervalMs;
      else if (liveFrom >= this.nextSweep) this.sweep(liveFrom);
      return true;
    }
    return time >= this.liveFrom();
  }

  /** The oldest time still live: entries before it are expired. */
  protected liveFrom(): number {
    return this.observed - this.retentionMs;
  }

  /** Once the engine is open, reads it once: the newest time, and the mark. */
  protected opened(): void {
    this.observed = Number.NEGATIVE_INFINITY;
    this.nextSweep = Number.NEGATIVE_INFINITY;
    const mark = this.inner.get(STORE_MARK_KEY);
    this.mark = mark === undefined ? undefined : readTime(mark, 0);
    let newest = Number.NEGATIVE_INFINITY;
    for (const entry of this.inner.all()) {
      if (this.isEntry(entry.key)) newest = Math.max(newest, this.timeOf(entry.key));
    }
    if (newest > Number.NEGATIVE_INFINITY) this.observe(newest);
  }

  private sweep(liveFrom: number): void {
    this.nextSweep = liveFrom + this.sweepIntervalMs;
    const expired: Buffer[] = [];
    for (const entry of this.inner.all()) {
      if (this.isEntry(entry.key) && this.timeOf(entry.key) < liveFrom) expired.push(entry.key);
    }
    for (const key of expired) this.inner.delete(key);
  }
}
