import type { Serde } from '@rivulet/serde';
import { ChangeloggingWindowStore } from './changelogging-window-store.js';
import { RetainedStoreBuilder } from './retained-store-builder.js';
import { TypedWindowStore } from './typed-window-store.js';
import type { WindowBytesStoreSupplier } from './window-bytes-store.js';

/**
 * Builds typed window stores from an engine supplier and two serdes: engine, then changelogging
 * when logging is enabled, then the serdes. The changelog topic is `compact,delete` with
 * `retention.ms` = the store's retention + 1 day unless `withLoggingEnabled` says otherwise.
 * Made by {@link Stores.windowStoreBuilder} and {@link Stores.timestampedWindowStoreBuilder}.
 */
export class WindowStoreBuilder<K, V> extends RetainedStoreBuilder<TypedWindowStore<K, V>> {
  readonly windowSizeMs: number;

  constructor(
    private readonly supplier: WindowBytesStoreSupplier,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    private readonly timestamped = false,
  ) {
    super(supplier.name, supplier.persistent, supplier.retentionMs);
    this.windowSizeMs = supplier.windowSizeMs;
  }

  build(): TypedWindowStore<K, V> {
    const engine = this.supplier.get();
    this.checkEngine(engine);
    const bytes = this.loggingEnabled ? new ChangeloggingWindowStore(engine) : engine;
    return new TypedWindowStore(bytes, this.keySerde, this.valueSerde, this.timestamped);
  }
}
