import type { Serde } from '@rivulet/serde';
import type { KeyValue } from '../../key-value-store.js';
import type { SessionBytesEntry, SessionBytesStore } from '../../session-bytes-store.js';
import type { SessionStore } from '../../session-store.js';
import { deserializeForStore, serializeForStore } from './store-serde.js';
import { TypedStoreLayer } from './typed-store-layer.js';
import type { Windowed } from '../../windowed.js';

/**
 * The typed face of a session store: serializes keys and values with the store's serdes and hands
 * bytes to the layer below (changelogging, then the engine). What {@link Stores.sessionStoreBuilder} builds.
 */
export class TypedSessionStore<K, V> extends TypedStoreLayer<SessionBytesStore> implements SessionStore<K, V> {
  /** How long sessions are kept, in ms, after the newest session end written. */
  readonly retentionMs: number;

  constructor(
    inner: SessionBytesStore,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {
    super(inner);
    this.retentionMs = inner.retentionMs;
  }

  put(session: Windowed<K>, value: V | null): void {
    const bytes = value === null ? null : serializeForStore(this.name, 'value', this.valueSerde, this.topic, value);
    this.inner.put(this.keyBytes(session.key), session.window.start, session.window.end, bytes);
  }

  remove(session: Windowed<K>): void {
    this.inner.put(this.keyBytes(session.key), session.window.start, session.window.end, null);
  }

  fetchSession(key: K, sessionStart: number, sessionEnd: number): V | undefined {
    const bytes = this.inner.fetchSession(this.keyBytes(key), sessionStart, sessionEnd);
    return bytes === undefined ? undefined : this.valueFrom(bytes);
  }

  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValue<Windowed<K>, V>[] {
    return this.typed(this.inner.findSessions(this.keyBytes(key), earliestSessionEnd, latestSessionStart), key);
  }

  fetch(key: K): KeyValue<Windowed<K>, V>[] {
    return this.findSessions(key, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  }

  findAllSessions(earliestSessionEnd: number, latestSessionEnd: number): KeyValue<Windowed<K>, V>[] {
    return this.typed(this.inner.findAllSessions(earliestSessionEnd, latestSessionEnd), undefined);
  }

  all(): KeyValue<Windowed<K>, V>[] {
    return this.findAllSessions(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  }

  emittedUpTo(): number | undefined {
    return this.inner.emittedUpTo();
  }

  /** Sets {@link TypedSessionStore.emittedUpTo} (a time >= 0); logged like a write. */
  setEmittedUpTo(time: number): void {
    this.inner.setEmittedUpTo(time);
  }

  /** `key`, when given, is every entry's key: it saves deserializing it again. */
  private typed(entries: readonly SessionBytesEntry[], key: K | undefined): KeyValue<Windowed<K>, V>[] {
    const result: KeyValue<Windowed<K>, V>[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const k = key !== undefined ? key : deserializeForStore(this.name, 'key', this.keySerde, this.topic, entry.key);
      result[i] = { key: { key: k, window: { start: entry.start, end: entry.end } }, value: this.valueFrom(entry.value) };
    }
    return result;
  }

  private keyBytes(key: K): Buffer {
    return serializeForStore(this.name, 'key', this.keySerde, this.topic, key);
  }

  private valueFrom(bytes: Buffer): V {
    return deserializeForStore(this.name, 'value', this.valueSerde, this.topic, bytes);
  }
}
