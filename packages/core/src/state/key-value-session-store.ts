import { assertSession } from './in-memory-session-store.js';
import type { KeyValueBytesStore } from './key-value-bytes-store.js';
import type { SessionBytesEntry, SessionBytesStore } from './session-bytes-store.js';
import type { ChangelogRecord, StateStoreContext } from './state-store.js';
import { assertStoreTime, hasKey, markBytes, readTime, sessionKeyBytes, STORE_MARK_KEY, TIME_BYTES } from './time-key-encoding.js';
import { assertRetention } from './window-store-options.js';

const MIN_SWEEP_INTERVAL_MS = 60_000;
const SESSION_TIME_BYTES = 2 * TIME_BYTES;

/**
 * A session engine on a key-value engine (the persistent one uses lmdb): each session is the entry
 * `[key][8-byte big-endian end][8-byte big-endian start]`, the changelog's own key layout, so
 * restoring and checkpoints go straight to the key-value engine; the mark is under a 1-byte key.
 *
 * Cost model: `fetchSession` is one get, `findSessions` one range over the key's sessions,
 * `findAllSessions` reads the whole engine. Expired sessions are skipped by reads and swept
 * (unlogged) once per max(retention / 2, 1 minute) of session time; `init` reads the engine once.
 */
export class KeyValueSessionStore implements SessionBytesStore {
  readonly name: string;
  readonly persistent: boolean;
  private observed = Number.NEGATIVE_INFINITY;
  private nextSweep = Number.NEGATIVE_INFINITY;
  private readonly sweepIntervalMs: number;
  private mark: number | undefined;

  constructor(
    private readonly inner: KeyValueBytesStore,
    readonly retentionMs: number,
  ) {
    assertRetention(inner.name, retentionMs, 0);
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

  put(key: Buffer, start: number, end: number, value: Buffer | null): void {
    assertSession(this.name, start, end);
    if (!this.observe(end)) return;
    this.inner.put(sessionKeyBytes(key, end, start), value);
  }

  fetchSession(key: Buffer, start: number, end: number): Buffer | undefined {
    if (end < this.liveFrom() || start < 0 || end < start) return undefined;
    return this.inner.get(sessionKeyBytes(key, end, start));
  }

  findSessions(key: Buffer, earliestSessionEnd: number, latestSessionStart: number): SessionBytesEntry[] {
    const from = Math.ceil(Math.max(earliestSessionEnd, this.liveFrom(), 0));
    const result: SessionBytesEntry[] = [];
    if (from > Number.MAX_SAFE_INTEGER) return result;
    const upper = Buffer.alloc(key.length + SESSION_TIME_BYTES, 0xff);
    key.copy(upper, 0);
    for (const entry of this.inner.range(sessionKeyBytes(key, from, 0), upper)) {
      if (!hasKey(entry.key, key, SESSION_TIME_BYTES)) continue;
      const start = readTime(entry.key, key.length + TIME_BYTES);
      if (start <= latestSessionStart) result.push({ key, start, end: readTime(entry.key, key.length), value: entry.value });
    }
    return result;
  }

  findAllSessions(earliestSessionEnd: number, latestSessionEnd: number): SessionBytesEntry[] {
    const from = Math.max(earliestSessionEnd, this.liveFrom());
    const result: SessionBytesEntry[] = [];
    if (from > latestSessionEnd) return result;
    for (const entry of this.inner.all()) {
      if (entry.key.length < SESSION_TIME_BYTES) continue;
      const keyEnd = entry.key.length - SESSION_TIME_BYTES;
      const end = readTime(entry.key, keyEnd);
      if (end >= from && end <= latestSessionEnd) {
        result.push({ key: entry.key.subarray(0, keyEnd), start: readTime(entry.key, keyEnd + TIME_BYTES), end, value: entry.value });
      }
    }
    result.sort((a, b) => a.end - b.end || Buffer.compare(a.key, b.key) || a.start - b.start);
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
      if (key.length < SESSION_TIME_BYTES) this.mark = value === null ? undefined : readTime(value, 0);
      else if (value !== null) this.observe(readTime(key, key.length - SESSION_TIME_BYTES));
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

  private load(): void {
    this.observed = Number.NEGATIVE_INFINITY;
    this.nextSweep = Number.NEGATIVE_INFINITY;
    const mark = this.inner.get(STORE_MARK_KEY);
    this.mark = mark === undefined ? undefined : readTime(mark, 0);
    let newest = Number.NEGATIVE_INFINITY;
    for (const entry of this.inner.all()) {
      if (entry.key.length >= SESSION_TIME_BYTES) newest = Math.max(newest, readTime(entry.key, entry.key.length - SESSION_TIME_BYTES));
    }
    if (newest > Number.NEGATIVE_INFINITY) this.observe(newest);
  }

  private observe(end: number): boolean {
    if (end > this.observed) {
      this.observed = end;
      const liveFrom = this.liveFrom();
      if (this.nextSweep === Number.NEGATIVE_INFINITY) this.nextSweep = liveFrom + this.sweepIntervalMs;
      else if (liveFrom >= this.nextSweep) this.sweep(liveFrom);
      return true;
    }
    return end >= this.liveFrom();
  }

  private sweep(liveFrom: number): void {
    this.nextSweep = liveFrom + this.sweepIntervalMs;
    const expired: Buffer[] = [];
    for (const entry of this.inner.all()) {
      if (entry.key.length >= SESSION_TIME_BYTES && readTime(entry.key, entry.key.length - SESSION_TIME_BYTES) < liveFrom) expired.push(entry.key);
    }
    for (const key of expired) this.inner.delete(key);
  }

  private liveFrom(): number {
    return this.observed - this.retentionMs;
  }
}
