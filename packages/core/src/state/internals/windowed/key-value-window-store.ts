import type { KeyValueBytesStore } from '../../key-value-bytes-store.js';
import type { KeyValue } from '../../key-value-store.js';
import { RetainedKeyValueEngine } from './retained-key-value-engine.js';
import { assertStoreTime, hasKey, readTime, TIME_BYTES, windowKeyBytes } from '../changelog/time-key-encoding.js';
import type { WindowBytesEntry, WindowBytesStore } from '../../window-bytes-store.js';
import { assertRetention } from '../../window-store-options.js';

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
export class KeyValueWindowStore extends RetainedKeyValueEngine implements WindowBytesStore {
  constructor(
    inner: KeyValueBytesStore,
    retentionMs: number,
    readonly windowSizeMs: number,
  ) {
    assertRetention(inner.name, retentionMs, windowSizeMs);
    super(inner, retentionMs, TIME_BYTES);
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
}
