import { assertSession } from './in-memory-session-store.js';
import type { KeyValueBytesStore } from '../../key-value-bytes-store.js';
import type { SessionBytesEntry, SessionBytesStore } from '../../session-bytes-store.js';
import { RetainedKeyValueEngine } from './retained-key-value-engine.js';
import { hasKey, readTime, sessionKeyBytes, TIME_BYTES } from '../changelog/time-key-encoding.js';
import { assertRetention } from '../../window-store-options.js';

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
export class KeyValueSessionStore extends RetainedKeyValueEngine implements SessionBytesStore {
  constructor(inner: KeyValueBytesStore, retentionMs: number) {
    assertRetention(inner.name, retentionMs, 0);
    // Sessions age by their end, the first 8 bytes of the 16-byte suffix.
    super(inner, retentionMs, SESSION_TIME_BYTES);
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
}
