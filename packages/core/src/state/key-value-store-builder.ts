import type { Serde } from '@rivulet/serde';
import { serdeOrDefault, type DefaultSerdes } from '../topology/default-serdes.js';
import { ChangeloggingKeyValueStore } from './changelogging-key-value-store.js';
import type { KeyValueBytesStore, KeyValueBytesStoreSupplier } from './key-value-bytes-store.js';
import { missingParts, type StoreBuilder } from './store-builder.js';
import { TypedKeyValueStore } from './typed-key-value-store.js';

const NO_CONFIG: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Builds typed key-value stores from an engine supplier and two serdes: engine, then the
 * changelogging layer when logging is enabled, then the serdes. Made by
 * {@link Stores.keyValueStoreBuilder}.
 */
export class KeyValueStoreBuilder<K, V> implements StoreBuilder<TypedKeyValueStore<K, V>> {
  private logging = true;
  private topicConfig: Readonly<Record<string, string>> = NO_CONFIG;
  /** Engines already built: a supplier handing out one twice would make two tasks share state. */
  private readonly built = new WeakSet<KeyValueBytesStore>();

  constructor(
    private readonly supplier: KeyValueBytesStoreSupplier,
    private readonly keySerde: Serde<K> | undefined,
    private readonly valueSerde: Serde<V> | undefined,
  ) {}

  get name(): string {
    return this.supplier.name;
  }

  get persistent(): boolean {
    return this.supplier.persistent;
  }

  get loggingEnabled(): boolean {
    return this.logging;
  }

  get logConfig(): Readonly<Record<string, string>> {
    return this.topicConfig;
  }

  get missingSerdes(): readonly ('key' | 'value')[] {
    return missingParts(this.keySerde, this.valueSerde);
  }

  withLoggingEnabled(topicConfig: Record<string, string> = {}): this {
    for (const [key, value] of Object.entries(topicConfig)) {
      if (key.length === 0 || typeof value !== 'string') {
        throw new TypeError(
          `state store '${this.name}': changelog topic config ${JSON.stringify(key)} must map to a string, got ${JSON.stringify(value)}`,
        );
      }
    }
    this.logging = true;
    this.topicConfig = Object.freeze({ ...topicConfig });
    return this;
  }

  withLoggingDisabled(): this {
    this.logging = false;
    this.topicConfig = NO_CONFIG;
    return this;
  }

  build(defaults: DefaultSerdes = {}): TypedKeyValueStore<K, V> {
    const keySerde = serdeOrDefault(this.keySerde, defaults.key, `state store '${this.name}'`, 'key');
    const valueSerde = serdeOrDefault(this.valueSerde, defaults.value, `state store '${this.name}'`, 'value');
    const engine = this.supplier.get();
    if (engine.name !== this.supplier.name) {
      throw new TypeError(`state store supplier '${this.supplier.name}' built a store named '${engine.name}'`);
    }
    if (this.built.has(engine)) {
      throw new TypeError(`state store supplier '${this.supplier.name}' returned the same store twice: each task needs its own instance`);
    }
    this.built.add(engine);
    const bytes = this.logging ? new ChangeloggingKeyValueStore(engine) : engine;
    return new TypedKeyValueStore(bytes, keySerde, valueSerde);
  }
}
