import type { Serde } from '@rivulet/serde';
import { serdeOrDefault, type DefaultSerdes } from './default-serdes.js';
import { ChangeloggingWindowStore } from './internals/changelog/changelogging-window-store.js';
import { RetainedStoreBuilder } from './retained-store-builder.js';
import { missingParts } from './store-builder.js';
import { TypedWindowStore } from './internals/typed/typed-window-store.js';
import type { WindowBytesStoreSupplier } from './window-bytes-store.js';

/**
 * Builds typed window stores from an engine supplier and two serdes: engine, then changelogging
 * when logging is enabled, then the serdes. The changelog topic is `compact,delete` with
 * `retention.ms` = the store's retention + 1 day unless `withLoggingEnabled` says otherwise.
 * Made by {@link Stores.windowStoreBuilder} and {@link Stores.timestampedWindowStoreBuilder}.
 */
export class WindowStoreBuilder<K, V> extends RetainedStoreBuilder<TypedWindowStore<K, V>> {
  /** The window size in ms, from the engine supplier. */
  readonly windowSizeMs: number;

  constructor(
    private readonly supplier: WindowBytesStoreSupplier,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
    /**
     * For timestamped stores: wraps the app's default value serde into the stored layout,
     * `[8-byte timestamp][value]`, when `valueSerde` (then already wrapped) is not given.
     */
    private readonly wrapValue?: (inner: Serde<unknown>) => Serde<V>,
  ) {
    super(supplier.name, supplier.persistent, supplier.retentionMs);
    this.windowSizeMs = supplier.windowSizeMs;
  }

  /** The serdes this builder was not given (see {@link StoreBuilder.missingSerdes}). */
  get missingSerdes(): readonly ('key' | 'value')[] {
    return missingParts(this.keySerde, this.valueSerde);
  }

  /** A new, unopened store for one task; `defaults` fill the serdes it was not given. */
  build(defaults: DefaultSerdes = {}): TypedWindowStore<K, V> {
    const keySerde = serdeOrDefault(this.keySerde, defaults.key, `state store '${this.name}'`, 'key');
    const own = this.valueSerde;
    const valueSerde =
      own !== undefined || this.wrapValue === undefined
        ? serdeOrDefault(own, defaults.value, `state store '${this.name}'`, 'value')
        : this.wrapValue(serdeOrDefault<unknown>(undefined, defaults.value, `state store '${this.name}'`, 'value'));
    const engine = this.supplier.get();
    this.checkEngine(engine);
    const bytes = this.loggingEnabled ? new ChangeloggingWindowStore(engine) : engine;
    return new TypedWindowStore(bytes, keySerde, valueSerde, this.wrapValue !== undefined);
  }
}
