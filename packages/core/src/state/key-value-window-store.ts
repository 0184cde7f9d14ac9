import type { KeyValueBytesStore } from './key-value-bytes-store.js';
import type { KeyValue } from './key-value-store.js';
import type { ChangelogRecord, StateStoreContext } from './state-store.js';
import { assertStoreTime, hasKey, markBytes, readTime, STORE_MARK_KEY, TIME_BYTES, windowKeyBytes } from './time-key-encoding.js';
import type { WindowBytesEntry, WindowBytesStore } from './window-bytes-store.js';
import { assertRetention } from './window-store-options.js';

/** Expired windows are swept at most once per this much of window time, or half the retention if longer (Kafka Streams' segment interval). */
const MIN_SWEEP_INTERVAL_MS = 60_000;

/**
 * A window engine on a key-value engine (the persistent one uses lmdb): each window is the entry
 * `[key][8-byte big-endian start]`, the changelog's own key layout, so restoring and checkpoints go
 * straight to the key-value engine. The store's mark is the entry under a 1-byte key.
 *
 * Cost model: `fetch` is one get; `fetchRange` one range over the key's entries; `fetchAll`,
 * whose windows are spread over all keys, reads the whole engine. Expired windows are skipped by
 * reads at once and deleted (from the engine, not logged: the changelog has its own retention) by
 * a sweep over the engine once per max(retention / 2, 1 minute) of window time. `init` reads the
 * engine once to learn the newest window start.
 */
export class KeyValueWindowStore implements WindowBytesStore {
  readonly name: string;
  readonly persistent: boolean;
  private observed = Number.NEGATIVE_INFINITY;
  private nextSweep = Number.NEGATIVE_INFINITY;
  private readonly sweepIntervalMs: number;
  private mark: number | undefined;

  constructor(
    private readonly inner: KeyValueBytesStore,
    readonly retentionMs: number,
    readonly windowSizeMs: number,
  ) {
    assertRetention(inner.name, retentionMs, windowSizeMs);
    this.name = inner.name;
    this.persistent = inner.persistent;
    this.sweepIntervalMs = Math.max(Math.floor(retentionMs / 2), MIN_SWEEP_INTERVAL_MS);
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  get restoredOffset(): string | undefined {
    return this.inner.restoredOffset;
  }

  /** Synchronous when the engine opens synchronously, a Promise otherwise (lmdb). */
  init(context: StateStoreContext): Promise<void> | void {
    const opened = this.inner.init(context);
    if (opened instanceof Promise) return opened.then(() => this.load());
    this.load();
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  put(key: Buffer, value: Buffer | null, windowStart: number): void {
    assertStoreTime(this.name, 'a window start', windowStart);
    if (!this.observe(windowStart)) return;
    this.inner.put(windowKeyBytes(key, windowStart), value);
  }

  fetch(key: Buffer, windowStart: number): Buffer | undefined {
    if (windowStart < this.liveFrom() || windowStart < 0) return undefined;
    return this.inner.get(windowKeyBytes(key, windowStart));
  }

  fetchRange(key: Buffer, timeFrom: number, timeTo: number): KeyValue<number, Buffer>[] {
    const from = Math.max(timeFrom, this.liveFrom(), 0);
    const result: KeyValue<number, Buffer>[] = [];
    if (from > timeTo) return result;
    const to = Math.min(timeTo, Number.MAX_SAFE_INTEGER);
    for (const entry of this.inner.range(windowKeyBytes(key, Math.ceil(from)), windowKeyBytes(key, Math.floor(to)))) {
      // Longer keys that start with this key's bytes can sort inside the range: skip them.
      if (hasKey(entry.key, key, TIME_BYTES)) result.push({ key: readTime(entry.key, key.length), value: entry.value });
    }
    return result;
  }

  fetchAll(timeFrom: number, timeTo: number): WindowBytesEntry[] {
    const from = Math.max(timeFrom, this.liveFrom());
    const result: WindowBytesEntry[] = [];
    if (from > timeTo) return result;
    for (const entry of this.inner.all()) {
      if (entry.key.length < TIME_BYTES) continue;
      const keyEnd = entry.key.length - TIME_BYTES;
      const start = readTime(entry.key, keyEnd);
      if (start >= from && start <= timeTo) result.push({ key: entry.key.subarray(0, keyEnd), windowStart: start, value: entry.value });
    }
    // The engine orders by key, then start; windows across keys read by start first.
    result.sort((a, b) => a.windowStart - b.windowStart || Buffer.compare(a.key, b.key));
    return result;
  }

  emittedUpTo(): number | undefined {
    return this.mark;
  }

  setEmittedUpTo(time: number): void {
    assertStoreTime(this.name, 'the emitted-up-to mark', time);
    this.inner.put(STORE_MARK_KEY, markBytes(time));
    this.mark = time;
  }

  restoreBatch(records: readonly ChangelogRecord[]): void {
    this.inner.restoreBatch(records);
    for (let i = 0; i < records.length; i++) {
      const { key, value } = records[i]!;
      if (key.length < TIME_BYTES) this.mark = value === null ? undefined : readTime(value, 0);
      else if (value !== null) this.observe(readTime(key, key.length - TIME_BYTES));
    }
  }

  checkpoint(offset: string): void {
    this.inner.checkpoint(offset);
  }

  async wipe(): Promise<void> {
    await this.inner.wipe();
    this.observed = Number.NEGATIVE_INFINITY;
    this.nextSweep = Number.NEGATIVE_INFINITY;
    this.mark = undefined;
  }

  /** Reads the engine once: the newest window start, and the mark. */
  private load(): void {
    this.observed = Number.NEGATIVE_INFINITY;
    this.nextSweep = Number.NEGATIVE_INFINITY;
    this.mark = undefined;
    const mark = this.inner.get(STORE_MARK_KEY);
    if (mark !== undefined) this.mark = readTime(mark, 0);
    let newest = Number.NEGATIVE_INFINITY;
    for (const entry of this.inner.all()) {
      if (entry.key.length >= TIME_BYTES) newest = Math.max(newest, readTime(entry.key, entry.key.length - TIME_BYTES));
    }
    if (newest > Number.NEGATIVE_INFINITY) this.observe(newest);
  }

  /** Moves the newest window start; false when `windowStart` is already expired. */
  private observe(windowStart: number): boolean {
    if (windowStart > this.observed) {
      this.observed = windowStart;
      const liveFrom = this.liveFrom();
      if (this.nextSweep === Number.NEGATIVE_INFINITY) this.nextSweep = liveFrom + this.sweepIntervalMs;
      else if (liveFrom >= this.nextSweep) this.sweep(liveFrom);
      return true;
    }
    return windowStart >= this.liveFrom();
  }

  private sweep(liveFrom: number): void {
    this.nextSweep = liveFrom + this.sweepIntervalMs;
    const expired: Buffer[] = [];
    for (const entry of this.inner.all()) {
      if (entry.key.length >= TIME_BYTES && readTime(entry.key, entry.key.length - TIME_BYTES) < liveFrom) expired.push(entry.key);
    }
    for (const key of expired) this.inner.delete(key);
  }

  private liveFrom(): number {
    return this.observed - this.retentionMs;
  }
}
