import { Stores, changelogTopic, type KeyValueStore, type StateStoreContext, type StoreBuilder } from '@rivulet/core';
import { serdes, type Headers, type Serde } from '@rivulet/serde';
import { bufferedSize, decodeBufferedChange, encodeBufferedChange, type BufferedChange } from './buffered-change.js';

/** What every store builder builds: a store the runtime opens, restores, checkpoints and wipes. */
type RestorableStore = ReturnType<StoreBuilder['build']>;
type ChangelogRecords = Parameters<RestorableStore['restoreBatch']>[0];
type DefaultSerdes = Parameters<StoreBuilder['build']>[0];
type BytesStore = KeyValueStore<Buffer, Buffer> & RestorableStore;

/** A buffered key, by its serialized key: due at `time`, ordered by time, then key bytes (as Kafka Streams' `BufferKey`). */
interface IndexEntry {
  readonly time: number;
  readonly key: Buffer;
  change: BufferedChange;
  size: number;
}

/** An update of a key, as the suppress processor buffers it. */
export interface BufferedUpdate<K, V> {
  readonly key: K;
  readonly value: V | null;
  /** The old value of the update: null when the key had none, undefined when the parent does not know. */
  readonly oldValue: V | null | undefined;
  readonly timestamp: number;
  readonly headers: Headers | undefined;
  readonly topic: string;
}

/** An entry leaving the buffer: the latest update of its key, with the value before its first buffered update. */
export interface Eviction<K, V> {
  readonly key: K;
  readonly value: V | null;
  /** What downstream last saw of the key: null when nothing, undefined when not known. */
  readonly priorValue: V | null | undefined;
  readonly timestamp: number;
  readonly headers: Headers | undefined;
}

/**
 * The buffer of a suppress operator (Kafka Streams' `InMemoryTimeOrderedKeyValueChangeBuffer`): a
 * key-value store (serialized key -> buffered change, see {@link BufferedChange}), changelogged
 * through the usual changelogging layer so each buffered update and each eviction (a tombstone) is
 * written in the task's transaction with the outputs it goes with; plus an in-memory index by
 * buffer time, rebuilt from the store after it is opened or restored, so a restart neither loses
 * nor repeats an emitted result. Keeps the running count of keys and bytes for the bounds.
 *
 * @internal
 */
export class SuppressionBuffer<K, V> implements RestorableStore {
  readonly name: string;
  readonly persistent = false;
  private byKey = new Map<string, IndexEntry>();
  private heap: IndexEntry[] = [];
  private bytes = 0;
  private indexed = false;
  private topic = '';

  constructor(
    private readonly inner: BytesStore,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {
    this.name = inner.name;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  get restoredOffset(): string | undefined {
    return this.inner.restoredOffset;
  }

  init(context: StateStoreContext): Promise<void> | void {
    // Serdes get the changelog topic's name, as the store layers give it (a registry serde's subject).
    this.topic = context.changelog?.topic ?? (context.applicationId === undefined ? this.name : changelogTopic(context.applicationId, this.name));
    this.stale();
    return this.inner.init(context);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    this.stale();
    return this.inner.close();
  }

  restoreBatch(records: ChangelogRecords): void {
    this.stale();
    this.inner.restoreBatch(records);
  }

  checkpoint(offset: string): void {
    this.inner.checkpoint(offset);
  }

  wipe(): Promise<void> {
    this.stale();
    return this.inner.wipe();
  }

  async discardCheckpoint(): Promise<void> {
    await this.inner.discardCheckpoint?.();
  }

  /** The number of keys buffered. */
  get numRecords(): number {
    this.ensureIndexed();
    return this.byKey.size;
  }

  /** The bytes buffered, counted as Kafka Streams counts them (see {@link bufferedSize}). */
  get bufferSize(): number {
    this.ensureIndexed();
    return this.bytes;
  }

  /** The earliest buffer time, or +Infinity when empty. */
  get minTime(): number {
    this.ensureIndexed();
    return this.heap[0]?.time ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Buffers an update of a key. A key already buffered keeps its place (its buffer time and the
   * prior value of its first update) and takes the new value, timestamp and headers: Kafka Streams'
   * non-resetting semantics, so a key updated often is still emitted when its first update is due.
   */
  put(bufferTime: number, update: BufferedUpdate<K, V>): void {
    this.ensureIndexed();
    const key = this.serialize(this.keySerde, update.key, update.headers);
    const id = key.toString('latin1');
    const old = update.oldValue === undefined ? undefined : update.oldValue === null ? null : this.serialize(this.valueSerde, update.oldValue, update.headers);
    const value = update.value === null ? null : this.serialize(this.valueSerde, update.value, update.headers);
    const existing = this.byKey.get(id);
    const change: BufferedChange = {
      bufferTime: existing?.time ?? bufferTime,
      timestamp: update.timestamp,
      topic: update.topic,
      headers: update.headers,
      prior: existing === undefined ? old : existing.change.prior,
      old,
      oldIsPrior: existing === undefined,
      value,
    };
    const size = bufferedSize(key.length, change);
    if (existing === undefined) {
      const entry: IndexEntry = { time: bufferTime, key, change, size };
      this.byKey.set(id, entry);
      this.push(entry);
    } else {
      this.bytes -= existing.size;
      existing.change = change;
      existing.size = size;
    }
    this.bytes += size;
    this.inner.put(key, encodeBufferedChange(change));
  }

  /** Removes the entry with the earliest buffer time (ties: lowest key bytes) and returns it; the store logs a tombstone. */
  evictFirst(): Eviction<K, V> | undefined {
    this.ensureIndexed();
    const entry = this.pop();
    if (entry === undefined) return undefined;
    this.byKey.delete(entry.key.toString('latin1'));
    this.bytes -= entry.size;
    this.inner.put(entry.key, null);
    const c = entry.change;
    const headers = c.headers;
    return {
      key: this.deserialize(this.keySerde, entry.key, headers),
      value: c.value === null ? null : this.deserialize(this.valueSerde, c.value, headers),
      priorValue: c.prior === undefined || c.prior === null ? c.prior : this.deserialize(this.valueSerde, c.prior, headers),
      timestamp: c.timestamp,
      headers,
    };
  }

  private stale(): void {
    this.indexed = false;
    this.byKey = new Map();
    this.heap = [];
    this.bytes = 0;
  }

  /** Rebuilds the index from the store: after it is opened, restored or wiped (lazily, on the first use). */
  private ensureIndexed(): void {
    if (this.indexed) return;
    this.indexed = true;
    for (const { key, value } of this.inner.all()) {
      const change = decodeBufferedChange(value);
      const entry: IndexEntry = { time: change.bufferTime, key: Buffer.from(key), change, size: bufferedSize(key.length, change) };
      this.byKey.set(entry.key.toString('latin1'), entry);
      this.push(entry);
      this.bytes += entry.size;
    }
  }

  private serialize<T>(serde: Serde<T>, value: T, headers: Headers | undefined): Buffer {
    const bytes = serde.serialize(this.topic, value, headers);
    if (!Buffer.isBuffer(bytes)) {
      if (bytes instanceof Promise) bytes.catch(() => undefined);
      throw new TypeError(`suppression buffer '${this.name}': the serde '${serde.name}' is asynchronous (a schema-registry serde?); a state store needs a synchronous serde`);
    }
    return bytes;
  }

  private deserialize<T>(serde: Serde<T>, bytes: Buffer, headers: Headers | undefined): T {
    const value = serde.deserialize(this.topic, bytes, headers);
    if (value instanceof Promise) {
      value.catch(() => undefined);
      throw new TypeError(`suppression buffer '${this.name}': the serde '${serde.name}' is asynchronous (a schema-registry serde?); a state store needs a synchronous serde`);
    }
    return value;
  }

  // A binary min-heap by (time, key bytes). Entries leave only from the top (evictions); a restore
  // rebuilds the whole index, so no entry is ever removed from the middle.
  private static before(a: IndexEntry, b: IndexEntry): boolean {
    return a.time < b.time || (a.time === b.time && Buffer.compare(a.key, b.key) < 0);
  }

  private push(entry: IndexEntry): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (!SuppressionBuffer.before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): IndexEntry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && SuppressionBuffer.before(heap[right]!, heap[left]!) ? right : left;
      if (!SuppressionBuffer.before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

/**
 * Builds a {@link SuppressionBuffer} per task: an in-memory key-value store of bytes (changelogged
 * unless disabled), with the table's key and value serdes (the app's defaults when not known).
 *
 * @internal
 */
export class SuppressionBufferBuilder<K, V> implements StoreBuilder<SuppressionBuffer<K, V>> {
  readonly persistent = false;
  private readonly bytes;

  constructor(
    readonly name: string,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
  ) {
    this.bytes = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), serdes.bytes(), serdes.bytes());
  }

  get loggingEnabled(): boolean {
    return this.bytes.loggingEnabled;
  }

  get logConfig(): Readonly<Record<string, string>> {
    return this.bytes.logConfig;
  }

  get missingSerdes(): readonly ('key' | 'value')[] {
    return [...(this.keySerde === undefined ? (['key'] as const) : []), ...(this.valueSerde === undefined ? (['value'] as const) : [])];
  }

  withLoggingEnabled(topicConfig: Record<string, string> = {}): this {
    this.bytes.withLoggingEnabled(topicConfig);
    return this;
  }

  withLoggingDisabled(): this {
    this.bytes.withLoggingDisabled();
    return this;
  }

  build(defaults: DefaultSerdes = {}): SuppressionBuffer<K, V> {
    const keySerde = this.keySerde ?? (defaults.key as Serde<K> | undefined);
    const valueSerde = this.valueSerde ?? (defaults.value as Serde<V> | undefined);
    if (keySerde === undefined || valueSerde === undefined) {
      const part = keySerde === undefined ? 'key' : 'value';
      throw new TypeError(`state store '${this.name}' (a suppression buffer) has no ${part} serde and the app sets no default: set default${part === 'key' ? 'Key' : 'Value'}Serde, or give the table's serdes`);
    }
    return new SuppressionBuffer<K, V>(this.bytes.build() as unknown as BytesStore, keySerde, valueSerde);
  }
}
