import type { Serde } from '@rivulet/serde';
import { changelogTopic } from './changelog-topic.js';
import type { KeyValueBytesStore } from './key-value-bytes-store.js';
import type { KeyValue, KeyValueStore } from './key-value-store.js';
import type { ChangelogRecord, RestorableStateStore, StateStoreContext } from './state-store.js';
import { deserializeForStore, serializeForStore } from './store-serde.js';

/**
 * The typed face of a key-value store: serializes keys and values with the store's serdes and
 * hands bytes to the layer below (the changelogging layer, then the engine). What
 * {@link Stores.keyValueStoreBuilder} builds and what processors get from `getStateStore`.
 *
 * Serdes are called with the changelog topic name, as in Kafka Streams, and must be synchronous:
 * a serde returning a Promise fails the call with a TypeError that says so. Ranges are in the order
 * of the serialized keys' bytes.
 */
export class TypedKeyValueStore<K, V> implements KeyValueStore<K, V>, RestorableStateStore {
  readonly name: string;
  readonly persistent: boolean;
  private topic: string;

  constructor(
    private readonly inner: KeyValueBytesStore,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {
    // Copied once: the name goes into every serde call and error message.
    this.name = inner.name;
    this.persistent = inner.persistent;
    this.topic = inner.name;
  }


  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  get restoredOffset(): string | undefined {
    return this.inner.restoredOffset;
  }

  /** Synchronous when the engine opens synchronously (in memory), a Promise otherwise (lmdb). */
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

  get(key: K): V | undefined {
    const bytes = this.inner.get(this.keyBytes(key));
    return bytes === undefined ? undefined : this.valueOf(bytes);
  }

  put(key: K, value: V | null): void {
    this.inner.put(this.keyBytes(key), value === null ? null : this.valueBytes(value));
  }

  putIfAbsent(key: K, value: V): V | undefined {
    const existing = this.inner.putIfAbsent(this.keyBytes(key), this.valueBytes(value));
    return existing === undefined ? undefined : this.valueOf(existing);
  }

  putAll(entries: Iterable<KeyValue<K, V | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  delete(key: K): V | undefined {
    const previous = this.inner.delete(this.keyBytes(key));
    return previous === undefined ? undefined : this.valueOf(previous);
  }

  range(from?: K, to?: K): Iterable<KeyValue<K, V>> {
    const fromBytes = from === undefined ? undefined : this.keyBytes(from);
    const toBytes = to === undefined ? undefined : this.keyBytes(to);
    return this.typed(this.inner.range(fromBytes, toBytes));
  }

  all(): Iterable<KeyValue<K, V>> {
    return this.typed(this.inner.all());
  }

  approximateNumEntries(): number {
    return this.inner.approximateNumEntries();
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

  private *typed(entries: Iterable<KeyValue<Buffer, Buffer>>): Generator<KeyValue<K, V>, void, undefined> {
    for (const entry of entries) {
      yield { key: deserializeForStore(this.name, 'key', this.keySerde, this.topic, entry.key), value: this.valueOf(entry.value) };
    }
  }

  private keyBytes(key: K): Buffer {
    return serializeForStore(this.name, 'key', this.keySerde, this.topic, key);
  }

  private valueBytes(value: V): Buffer {
    return serializeForStore(this.name, 'value', this.valueSerde, this.topic, value);
  }

  private valueOf(bytes: Buffer): V {
    return deserializeForStore(this.name, 'value', this.valueSerde, this.topic, bytes);
  }
}
