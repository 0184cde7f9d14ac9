import { Stores, Topology, type StoreBuilder } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import { NameGenerator } from './naming.js';

/** How a stateful operator's store is kept. */
export interface StoreOptions {
  /** The store's name (also its changelog's: `<applicationId>-<store>-changelog`). */
  store?: string;
  /** Keep the store on disk (lmdb) instead of in memory (the default). */
  persistent?: boolean;
  /** Turn the changelog off (the store then starts empty after every restart). Default: logged. */
  loggingDisabled?: boolean;
}

/**
 * What every DSL object of one StreamsBuilder shares: the core Topology being built and the name
 * generator. DSL operators add their nodes to the topology as they are called.
 */
export class BuilderContext {
  readonly topology = new Topology();
  readonly names: NameGenerator;

  constructor(readonly warn: (message: string) => void) {
    this.names = new NameGenerator(warn);
  }

  /** A key-value store builder for a stateful operator. */
  keyValueStore<K, V>(name: string, key: Serde<K> | undefined, value: Serde<V> | undefined, options: StoreOptions): StoreBuilder {
    const supplier = options.persistent ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
    const builder = Stores.keyValueStoreBuilder(supplier, key, value);
    return options.loggingDisabled ? builder.withLoggingDisabled() : builder;
  }

  /**
   * The store of a table or a non-windowed aggregation: a timestamped key-value store, which keeps
   * each row's timestamp with its value (aggregate updates and table-table join results are stamped
   * from it, as in Kafka Streams). Read as a plain key-value store, it shows values alone.
   */
  tableStore<K, V>(name: string, key: Serde<K> | undefined, value: Serde<V> | undefined, options: StoreOptions): StoreBuilder {
    const supplier = options.persistent ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
    const builder = Stores.timestampedKeyValueStoreBuilder(supplier, key, value);
    return options.loggingDisabled ? builder.withLoggingDisabled() : builder;
  }

  /**
   * Throws a clear error when an operator needs a serde it builds on (a windowed key serde is made
   * from the key serde) and the stream's is not known. Serdes that go straight to a topic or store
   * need no check here: left undefined, they are the app's `defaultKeySerde` / `defaultValueSerde`,
   * which the app checks at construction.
   */
  requireSerde<T>(serde: Serde<T> | undefined, what: string, where: string): Serde<T> {
    if (serde === undefined) {
      throw new Error(
        `${where} needs a ${what} serde to build on, and the stream's ${what} type is not known here (no serde was given at the ` +
          `source, or an operator before it changed the type; the app's default serdes do not reach here): pass { ${what}: serdes.<type>() }`,
      );
    }
    return serde;
  }
}
