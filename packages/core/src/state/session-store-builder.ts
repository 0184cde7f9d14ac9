import type { Serde } from '@rivulet/serde';
import { ChangeloggingSessionStore } from './changelogging-session-store.js';
import { RetainedStoreBuilder } from './retained-store-builder.js';
import type { SessionBytesStoreSupplier } from './session-bytes-store.js';
import { TypedSessionStore } from './typed-session-store.js';

/**
 * Builds typed session stores from an engine supplier and two serdes: engine, then changelogging
 * when logging is enabled, then the serdes; the changelog topic is `compact,delete` with the
 * store's retention + 1 day. Made by {@link Stores.sessionStoreBuilder}.
 */
export class SessionStoreBuilder<K, V> extends RetainedStoreBuilder<TypedSessionStore<K, V>> {
  constructor(
    private readonly supplier: SessionBytesStoreSupplier,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {
    super(supplier.name, supplier.persistent, supplier.retentionMs);
  }

  build(): TypedSessionStore<K, V> {
    const engine = this.supplier.get();
    this.checkEngine(engine);
    const bytes = this.loggingEnabled ? new ChangeloggingSessionStore(engine) : engine;
    return new TypedSessionStore(bytes, this.keySerde, this.valueSerde);
  }
}
