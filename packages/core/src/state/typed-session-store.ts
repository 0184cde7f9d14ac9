import type { Serde } from '@rivulet/serde';
import { changelogTopic } from './changelog-topic.js';
import type { KeyValue } from './key-value-store.js';
import type { SessionBytesEntry, SessionBytesStore } from './session-bytes-store.js';
import type { SessionStore } from './session-store.js';
import type { ChangelogRecord, RestorableStateStore, StateStoreContext } from './state-store.js';
import { deserializeForStore, serializeForStore } from './store-serde.js';
import type { Windowed } from './windowed.js';

/**
 * The typed face of a session store: serializes keys and values with the store's serdes and hands
 * bytes to the layer below (changelogging, then the engine). What {@link Stores.sessionStoreBuilder} builds.
 */
export class TypedSessionStore<K, V> implements SessionStore<K, V>, RestorableStateStore {
  /** The store's name. */
  readonly name: string;
  readonly persistent: boolean;
  /** How long sessions are kept, in ms, after the newest session end written. */
  readonly retentionMs: number;
  private topic: string;

  constructor(
    private readonly inner: SessionBytesStore,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {
    this.name = inner.name;
    this.persistent = inner.persistent;
    this.retentionMs = inner.retentionMs;
    this.topic = inner.name;
  }

  /** True between a successful `init` and `close`. */
  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  get restoredOffset(): string | undefined {
    return this.inner.restoredOffset;
  }

  init(context: StateStoreContext): Promise<void> | void {
    const opened = this.inner.init(context);
    const done = (): void => {
      this.topic =
        context.changelog?.topic ?? (context.applicationId === undefined ? this.name : changelogTopic(context.applicationId, this.name));
    };
    if (opened instanceof Promise) return opened.then(done);
    done();
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
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
    return bytes === undefined ? undefined : this.valueOf(bytes);
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

  restoreBatch(records: readonly ChangelogRecord[]): void {
    this.inner.restoreBatch(records);
  }

  checkpoint(offset: string): void {
    this.inner.checkpoint(offset);
  }

  wipe(): Promise<void> {
    return this.inner.wipe();
  }

  /** `key`, when given, is every entry's key: it saves deserializing it again. */
  private typed(entries: readonly SessionBytesEntry[], key: K | undefined): KeyValue<Windowed<K>, V>[] {
    const result: KeyValue<Windowed<K>, V>[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      const k = key !== undefined ? key : deserializeForStore(this.name, 'key', this.keySerde, this.topic, entry.key);
      result[i] = { key: { key: k, window: { start: entry.start, end: entry.end } }, value: this.valueOf(entry.value) };
    }
    return result;
  }

  private keyBytes(key: K): Buffer {
    return serializeForStore(this.name, 'key', this.keySerde, this.topic, key);
  }

  private valueOf(bytes: Buffer): V {
    return deserializeForStore(this.name, 'value', this.valueSerde, this.topic, bytes);
  }
}
