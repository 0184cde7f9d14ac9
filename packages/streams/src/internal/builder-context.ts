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
  keyValueStore<K, V>(name: string, key: Serde<K>, value: Serde<V>, options: StoreOptions): StoreBuilder {
    const supplier = options.persistent ? Stores.persistentKeyValueStore(name) : Stores.inMemoryKeyValueStore(name);
    const builder = Stores.keyValueStoreBuilder(supplier, key, value);
    return options.loggingDisabled ? builder.withLoggingDisabled() : builder;
  }

  /** Throws a clear error when a serde an operator needs is not known. */
  requireSerde<T>(serde: Serde<T> | undefined, what: string, where: string): Serde<T> {
    if (serde === undefined) {
      throw new Error(
        `${where} needs a ${what} serde, and the stream's ${what} type is not known here (an operator before it changed it): ` +
          `pass { ${what}: serdes.<type>() }`,
      );
    }
    return serde;
  }
}
