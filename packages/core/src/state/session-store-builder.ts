import type { Serde } from '@rivulet/serde';
import { serdeOrDefault, type DefaultSerdes } from './default-serdes.js';
import { ChangeloggingSessionStore } from './internals/changelog/changelogging-session-store.js';
import { RetainedStoreBuilder } from './retained-store-builder.js';
import { missingParts } from './store-builder.js';
import type { SessionBytesStoreSupplier } from './session-bytes-store.js';
import { TypedSessionStore } from './internals/typed/typed-session-store.js';

/**
 * Builds typed session stores from an engine supplier and two serdes: engine, then changelogging
 * when logging is enabled, then the serdes; the changelog topic is `compact,delete` with the
 * store's retention + 1 day. Made by {@link Stores.sessionStoreBuilder}.
 */
export class SessionStoreBuilder<K, V> extends RetainedStoreBuilder<TypedSessionStore<K, V>> {
  constructor(
    private readonly supplier: SessionBytesStoreSupplier,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
  ) {
    super(supplier.name, supplier.persistent, supplier.retentionMs);
  }

  /** The serdes this builder was not given (see {@link StoreBuilder.missingSerdes}). */
  get missingSerdes(): readonly ('key' | 'value')[] {
    return missingParts(this.keySerde, this.valueSerde);
  }

  /** A new, unopened store for one task; `defaults` fill the serdes it was not given. */
  build(defaults: DefaultSerdes = {}): TypedSessionStore<K, V> {
    const keySerde = serdeOrDefault(this.keySerde, defaults.key, `state store '${this.name}'`, 'key');
    const valueSerde = serdeOrDefault(this.valueSerde, defaults.value, `state store '${this.name}'`, 'value');
    const engine = this.supplier.get();
    this.checkEngine(engine);
    const bytes = this.loggingEnabled ? new ChangeloggingSessionStore(engine) : engine;
    return new TypedSessionStore(bytes, keySerde, valueSerde);
  }
}
