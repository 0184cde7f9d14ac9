import type { Serde } from '@rivulet/serde';
import { serdeOrDefault, type DefaultSerdes } from './default-serdes.js';
import { ChangeloggingVersionedStore } from './internals/changelog/changelogging-versioned-store.js';
import { TypedVersionedKeyValueStore } from './internals/typed/typed-versioned-key-value-store.js';
import { LoggedStoreBuilder } from './logged-store-builder.js';
import { CHANGELOG_ADDITIONAL_RETENTION_MS } from './retained-store-builder.js';
import { missingParts } from './store-builder.js';
import type { VersionedBytesStoreSupplier } from './versioned-bytes-store.js';

/**
 * Builds typed versioned key-value stores from a versioned engine supplier and two serdes: engine,
 * then the changelogging layer when logging is enabled, then the serdes. Made by
 * {@link Stores.versionedKeyValueStoreBuilder}.
 *
 * The changelog is compacted with `min.compaction.lag.ms` set to the history retention plus
 * one day (`CHANGELOG_ADDITIONAL_RETENTION_MS`), as Kafka Streams sets it: compaction keeps every
 * version a restore needs to rebuild the history.
 */
export class VersionedKeyValueStoreBuilder<K, V> extends LoggedStoreBuilder<TypedVersionedKeyValueStore<K, V>> {
  /** How long the built stores keep history. */
  readonly historyRetentionMs: number;

  constructor(
    private readonly supplier: VersionedBytesStoreSupplier,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
  ) {
    super(supplier.name, supplier.persistent);
    this.historyRetentionMs = supplier.historyRetentionMs;
  }

  /** The serdes this builder has none of, for the app to fill in with its defaults or report. */
  get missingSerdes(): readonly ('key' | 'value')[] {
    return missingParts(this.keySerde, this.valueSerde);
  }

  override get logConfig(): Readonly<Record<string, string>> {
    if (!this.loggingEnabled) return this.userConfig;
    return Object.freeze({
      'min.compaction.lag.ms': String(this.historyRetentionMs + CHANGELOG_ADDITIONAL_RETENTION_MS),
      ...this.userConfig,
    });
  }

  /** Builds the store, typed by its serdes (the app's `defaults` where this builder has none). */
  build(defaults: DefaultSerdes = {}): TypedVersionedKeyValueStore<K, V> {
    const keySerde = serdeOrDefault(this.keySerde, defaults.key, `state store '${this.name}'`, 'key');
    const valueSerde = serdeOrDefault(this.valueSerde, defaults.value, `state store '${this.name}'`, 'value');
    const engine = this.supplier.get();
    this.checkEngine(engine);
    const bytes = this.loggingEnabled ? new ChangeloggingVersionedStore(engine) : engine;
    return new TypedVersionedKeyValueStore(bytes, keySerde, valueSerde);
  }
}
