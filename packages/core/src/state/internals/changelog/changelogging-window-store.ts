import { ChangeloggingLayer } from './changelogging-layer.js';
import type { KeyValue } from '../../key-value-store.js';
import { markBytes, STORE_MARK_KEY, windowKeyBytes } from './time-key-encoding.js';
import type { WindowBytesEntry, WindowBytesStore } from '../../window-bytes-store.js';

/**
 * Sends every write of a window engine to its changelog: `put(key, value, start)` appends
 * `([key][8-byte big-endian start], value)`, a null value a tombstone, as Kafka Streams'
 * `ChangeLoggingWindowBytesStore` does; the mark goes under its 1-byte key. The engine is written
 * first, then the changelog. Restoring goes straight to the engine and is not logged. Windows that
 * expire are not logged: the changelog topic (`compact,delete`) expires them by its own retention.
 */
export class ChangeloggingWindowStore extends ChangeloggingLayer<WindowBytesStore> implements WindowBytesStore {
  readonly retentionMs: number;
  readonly windowSizeMs: number;

  constructor(inner: WindowBytesStore) {
    super(inner);
    this.retentionMs = inner.retentionMs;
    this.windowSizeMs = inner.windowSizeMs;
  }

  put(key: Buffer, value: Buffer | null, windowStart: number): void {
    this.inner.put(key, value, windowStart);
    this.log(windowKeyBytes(key, windowStart), value);
  }

  fetch(key: Buffer, windowStart: number): Buffer | undefined {
    return this.inner.fetch(key, windowStart);
  }

  fetchRange(key: Buffer, timeFrom: number, timeTo: number): KeyValue<number, Buffer>[] {
    return this.inner.fetchRange(key, timeFrom, timeTo);
  }

  fetchAll(timeFrom: number, timeTo: number): WindowBytesEntry[] {
    return this.inner.fetchAll(timeFrom, timeTo);
  }

  emittedUpTo(): number | undefined {
    return this.inner.emittedUpTo();
  }

  setEmittedUpTo(time: number): void {
    this.inner.setEmittedUpTo(time);
    this.log(STORE_MARK_KEY, markBytes(time));
  }
}
