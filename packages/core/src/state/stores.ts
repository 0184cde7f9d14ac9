/*
 * The state stores. This folder holds their public vocabulary, as Kafka Streams' `state` package:
 * the store interfaces (`StateStore`, key-value, window, session), the engine suppliers, the
 * `StoreBuilder` contract and its builders, options and errors, and this `Stores` factory. The
 * machinery is under `internals/`, one folder per concern: `typed/` (serdes over bytes),
 * `changelog/` (logging writes, changelog keys and topic, checkpoint files), the engines in
 * `key-value/`, `lmdb/` and `windowed/` (window and session engines), and `state-directory/` (the
 * locked directory of persistent stores). See docs/architecture.md#state.
 */
import type { Serde } from '@rivulet/serde';
import { assertValidStoreName } from './internals/changelog/changelog-topic.js';
import { InMemoryKeyValueStore } from './internals/key-value/in-memory-key-value-store.js';
import type { KeyValueBytesStoreSupplier } from './key-value-bytes-store.js';
import { KeyValueStoreBuilder } from './key-value-store-builder.js';
import { LmdbKeyValueStore } from './internals/lmdb/lmdb-key-value-store.js';
import type { LmdbKeyValueStoreOptions } from './window-store-options.js';
import { InMemorySessionStore } from './internals/windowed/in-memory-session-store.js';
import { InMemoryWindowStore } from './internals/windowed/in-memory-window-store.js';
import { KeyValueSessionStore } from './internals/windowed/key-value-session-store.js';
import { KeyValueWindowStore } from './internals/windowed/key-value-window-store.js';
import type { SessionBytesStoreSupplier } from './session-bytes-store.js';
import { SessionStoreBuilder } from './session-store-builder.js';
import { valueAndTimestampSerde, type ValueAndTimestamp } from './value-and-timestamp.js';
import type { WindowBytesStoreSupplier } from './window-bytes-store.js';
import { WindowStoreBuilder } from './window-store-builder.js';
import type { VersionedBytesStoreSupplier } from './versioned-bytes-store.js';
import { VersionedKeyValueStoreBuilder } from './versioned-key-value-store-builder.js';
import { VersionedKeyValueEngine } from './internals/versioned/versioned-key-value-engine.js';
import type {
  PersistentSessionStoreOptions,
  PersistentWindowStoreOptions,
  SessionStoreOptions,
  WindowStoreOptions,
} from './window-store-options.js';

export type { StoreBuilder } from './store-builder.js';

/**
 * Factories of state stores, as Kafka Streams' `Stores`: pick an engine (a supplier), then wrap it
 * in a builder with serdes and changelog settings, and add the builder to the topology.
 *
 * @example
 * const counts = Stores.keyValueStoreBuilder(
 *   Stores.persistentKeyValueStore('word-counts'),
 *   serdes.string(),
 *   serdes.int64(),
 * ).withLoggingEnabled({ 'min.insync.replicas': '2' });
 * topology.addStateStore(counts, 'count-words');
 */
export const Stores = {
  /** The in-memory engine, the default: fast, restored from its changelog in full after a restart. */
  inMemoryKeyValueStore(name: string): KeyValueBytesStoreSupplier {
    assertValidStoreName(name);
    return { name, persistent: false, get: () => new InMemoryKeyValueStore(name) };
  },

  /**
   * The persistent engine, on lmdb, under the app's `stateDir`: after a clean shutdown it restores
   * only the changelog records written since its checkpoint. `options` bound its write buffer.
   */
  persistentKeyValueStore(name: string, options: LmdbKeyValueStoreOptions = {}): KeyValueBytesStoreSupplier {
    // Built once here so that a bad name or option fails where the store is defined, not in a task.
    void new LmdbKeyValueStore(name, options);
    const copy = { ...options };
    return { name, persistent: true, get: () => new LmdbKeyValueStore(name, copy) };
  },

  /**
   * A builder of typed stores over the supplier's engine; logging is enabled by default. A serde
   * left out is the app's `defaultKeySerde` / `defaultValueSerde`.
   */
  keyValueStoreBuilder<K, V>(supplier: KeyValueBytesStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): KeyValueStoreBuilder<K, V> {
    return new KeyValueStoreBuilder(supplier, keySerde, valueSerde);
  },

  /**
   * A builder of key-value stores that keep each row's timestamp with its value
   * ({@link TimestampedKeyValueStore}; stored as `[8-byte timestamp][value]`), as the DSL's tables
   * and aggregations keep them. Reads through `app.store(name)` show the values alone.
   *
   * @example
   * const totals = Stores.timestampedKeyValueStoreBuilder(Stores.inMemoryKeyValueStore('totals'), serdes.string(), serdes.int64());
   */
  timestampedKeyValueStoreBuilder<K, V>(supplier: KeyValueBytesStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): KeyValueStoreBuilder<K, V> {
    return new KeyValueStoreBuilder(supplier, keySerde, valueSerde, true);
  },

  /**
   * The in-memory window engine, the default: windows indexed by key and by start, restored from
   * the changelog in full after a restart.
   *
   * @example
   * const perMinute = Stores.windowStoreBuilder(
   *   Stores.inMemoryWindowStore('clicks-per-minute', { retentionMs: 3_600_000, windowSizeMs: 60_000 }),
   *   serdes.string(),
   *   serdes.int64(),
   * );
   */
  inMemoryWindowStore(name: string, options: WindowStoreOptions): WindowBytesStoreSupplier {
    const { retentionMs, windowSizeMs } = options;
    void new InMemoryWindowStore(name, retentionMs, windowSizeMs);
    return { name, persistent: false, retentionMs, windowSizeMs, get: () => new InMemoryWindowStore(name, retentionMs, windowSizeMs) };
  },

  /**
   * The persistent window engine: windows as `[key][8-byte start]` entries of an lmdb key-value
   * engine, which brings its checkpoints (a clean restart restores only the changelog's tail).
   */
  persistentWindowStore(name: string, options: PersistentWindowStoreOptions): WindowBytesStoreSupplier {
    const { retentionMs, windowSizeMs, ...lmdb } = options;
    void new KeyValueWindowStore(new LmdbKeyValueStore(name, lmdb), retentionMs, windowSizeMs);
    return {
      name,
      persistent: true,
      retentionMs,
      windowSizeMs,
      get: () => new KeyValueWindowStore(new LmdbKeyValueStore(name, lmdb), retentionMs, windowSizeMs),
    };
  },

  /**
   * A builder of typed window stores over the supplier's engine; logging is enabled by default. A
   * serde left out is the app's default.
   */
  windowStoreBuilder<K, V>(supplier: WindowBytesStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): WindowStoreBuilder<K, V> {
    return new WindowStoreBuilder(supplier, keySerde, valueSerde);
  },

  /**
   * A builder of window stores whose values carry the timestamp of the newest record that made
   * them (`[8-byte timestamp][value]`), as the DSL's windowed aggregations keep them.
   */
  timestampedWindowStoreBuilder<K, V>(
    supplier: WindowBytesStoreSupplier,
    keySerde?: Serde<K>,
    valueSerde?: Serde<V>,
  ): WindowStoreBuilder<K, ValueAndTimestamp<V>> {
    const wrap = (inner: Serde<unknown>): Serde<ValueAndTimestamp<V>> => valueAndTimestampSerde(inner as Serde<V>);
    return new WindowStoreBuilder<K, ValueAndTimestamp<V>>(supplier, keySerde, valueSerde === undefined ? undefined : wrap(valueSerde), wrap);
  },

  /** The in-memory session engine, the default. */
  inMemorySessionStore(name: string, options: SessionStoreOptions): SessionBytesStoreSupplier {
    const { retentionMs } = options;
    void new InMemorySessionStore(name, retentionMs);
    return { name, persistent: false, retentionMs, get: () => new InMemorySessionStore(name, retentionMs) };
  },

  /** The persistent session engine: sessions as `[key][8-byte end][8-byte start]` entries of an lmdb engine. */
  persistentSessionStore(name: string, options: PersistentSessionStoreOptions): SessionBytesStoreSupplier {
    const { retentionMs, ...lmdb } = options;
    void new KeyValueSessionStore(new LmdbKeyValueStore(name, lmdb), retentionMs);
    return { name, persistent: true, retentionMs, get: () => new KeyValueSessionStore(new LmdbKeyValueStore(name, lmdb), retentionMs) };
  },

  /**
   * A builder of typed session stores over the supplier's engine; logging is enabled by default.
   *
   * @example
   * const sessions = Stores.sessionStoreBuilder(Stores.inMemorySessionStore('sessions', { retentionMs: 600_000 }), serdes.string(), serdes.int64());
   */
  sessionStoreBuilder<K, V>(supplier: SessionBytesStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): SessionStoreBuilder<K, V> {
    return new SessionStoreBuilder(supplier, keySerde, valueSerde);
  },

  /**
   * The in-memory versioned engine (KIP-889): per key, the versions of its value over time, history
   * kept for `historyRetentionMs` behind the store's observed stream time; restored from the
   * changelog in full (history included) after a restart.
   *
   * @example
   * const rates = Stores.versionedKeyValueStoreBuilder(Stores.inMemoryVersionedKeyValueStore('rates', 3_600_000), serdes.string(), serdes.json<number>());
   */
  inMemoryVersionedKeyValueStore(name: string, historyRetentionMs: number): VersionedBytesStoreSupplier {
    void new VersionedKeyValueEngine(new InMemoryKeyValueStore(name), historyRetentionMs);
    return { name, persistent: false, historyRetentionMs, get: () => new VersionedKeyValueEngine(new InMemoryKeyValueStore(name), historyRetentionMs) };
  },

  /**
   * The persistent versioned engine, on lmdb: each key's versions are one lmdb entry, so the store
   * keeps its history across a clean restart and restores only the changelog's tail. Keys may be
   * one byte shorter than a plain lmdb store's.
   */
  persistentVersionedKeyValueStore(name: string, historyRetentionMs: number, options: LmdbKeyValueStoreOptions = {}): VersionedBytesStoreSupplier {
    void new VersionedKeyValueEngine(new LmdbKeyValueStore(name, options), historyRetentionMs);
    const copy = { ...options };
    return { name, persistent: true, historyRetentionMs, get: () => new VersionedKeyValueEngine(new LmdbKeyValueStore(name, copy), historyRetentionMs) };
  },

  /**
   * A builder of typed versioned stores over the supplier's engine; logging is enabled by default
   * (each version goes to the changelog with its timestamp). A serde left out is the app's default.
   *
   * @example
   * topology.addStateStore(Stores.versionedKeyValueStoreBuilder(Stores.persistentVersionedKeyValueStore('rates', 86_400_000), serdes.string(), serdes.float64()), 'rates-updater');
   */
  versionedKeyValueStoreBuilder<K, V>(supplier: VersionedBytesStoreSupplier, keySerde?: Serde<K>, valueSerde?: Serde<V>): VersionedKeyValueStoreBuilder<K, V> {
    return new VersionedKeyValueStoreBuilder(supplier, keySerde, valueSerde);
  },
} as const;
