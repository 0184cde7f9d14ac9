import type { Serde } from '@rivulet/serde';
import type { KeyValue } from '../../key-value-store.js';
import { deserializeForStore, serializeForStore } from './store-serde.js';
import { TypedStoreLayer } from './typed-store-layer.js';
import type { WindowBytesStore } from '../../window-bytes-store.js';
import type { WindowStore } from '../../window-store.js';
import type { Windowed } from '../../windowed.js';

/**
 * The typed face of a window store: serializes keys and values with the store's serdes (called
 * with the changelog topic name, synchronous, as for key-value stores) and hands bytes to the layer
 * below (changelogging, then the engine). What {@link Stores.windowStoreBuilder} builds.
 */
export class TypedWindowStore<K, V> extends TypedStoreLayer<WindowBytesStore> implements WindowStore<K, V> {
  /** How long windows are kept, in ms, after the newest window start written. */
  readonly retentionMs: number;
  /** The size of the store's windows, in ms. */
  readonly windowSizeMs: number;

  constructor(
    inner: WindowBytesStore,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    /** True when the values are {@link ValueAndTimestamp}s (a timestamped store, as the DSL's). */
    readonly timestamped = false,
  ) {
    super(inner);
    this.retentionMs = inner.retentionMs;
    this.windowSizeMs = inner.windowSizeMs;
  }

  put(key: K, value: V | null, windowStart: number): void {
    this.inner.put(this.keyBytes(key), value === null ? null : serializeForStore(this.name, 'value', this.valueSerde, this.topic, value), windowStart);
  }

  fetch(key: K, windowStart: number): V | undefined;
  fetch(key: K, timeFrom: number, timeTo: number): KeyValue<number, V>[];
  fetch(key: K, from: number, to?: number): V | undefined | KeyValue<number, V>[] {
    const keyBytes = this.keyBytes(key);
    if (to === undefined) {
      const bytes = this.inner.fetch(keyBytes, from);
      return bytes === undefined ? undefined : this.valueFrom(bytes);
    }
    const windows = this.inner.fetchRange(keyBytes, from, to);
    const result: KeyValue<number, V>[] = new Array(windows.length);
    for (let i = 0; i < windows.length; i++) result[i] = { key: windows[i]!.key, value: this.valueFrom(windows[i]!.value) };
    return result;
  }

  fetchAll(timeFrom: number, timeTo: number): KeyValue<Windowed<K>, V>[] {
    const size = this.windowSizeMs;
    return this.inner.fetchAll(timeFrom, timeTo).map((entry) => ({
      key: {
        key: deserializeForStore(this.name, 'key', this.keySerde, this.topic, entry.key),
        window: { start: entry.windowStart, end: entry.windowStart + size },
      },
      value: this.valueFrom(entry.value),
    }));
  }

  all(): KeyValue<Windowed<K>, V>[] {
    return this.fetchAll(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  }

  emittedUpTo(): number | undefined {
    return this.inner.emittedUpTo();
  }

  setEmittedUpTo(time: number): void {
    this.inner.setEmittedUpTo(time);
  }

  private keyBytes(key: K): Buffer {
    return serializeForStore(this.name, 'key', this.keySerde, this.topic, key);
  }

  private valueFrom(bytes: Buffer): V {
    return deserializeForStore(this.name, 'value', this.valueSerde, this.topic, bytes);
  }
}
