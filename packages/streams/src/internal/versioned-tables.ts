import { Stores, type Processor, type ProcessorContext, type StateStore, type StoreBuilder, type VersionedKeyValueStore } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import type { BuilderContext, StoreOptions } from './builder-context.js';
import type { JoinBufferSettings } from './stream-table-join-buffer.js';

/** How a versioned table keeps its history: `builder.table(topic, { versioned: { historyRetentionMs } })`. */
export interface VersionedTableOptions {
  /**
   * How long versions that are no longer the latest stay queryable, behind the newest timestamp the
   * store has seen (Kafka Streams' history retention). An update older than that is not applied.
   */
  historyRetentionMs: number;
}

/** The versioned stores of each builder, by name, with their history retention: the DSL nodes that read a table's store ask here. */
const versionedStores = new WeakMap<BuilderContext, Map<string, number>>();

/**
 * The builder of a versioned table's store, registered as versioned so that joins read it as of
 * their records' timestamps and other readers read its latest versions.
 *
 * @internal
 */
export function versionedTableStore<K, V>(
  ctx: BuilderContext,
  name: string,
  key: Serde<K> | undefined,
  value: Serde<V> | undefined,
  options: StoreOptions & { versioned: VersionedTableOptions },
): StoreBuilder {
  const { historyRetentionMs } = options.versioned;
  const supplier = options.persistent
    ? Stores.persistentVersionedKeyValueStore(name, historyRetentionMs)
    : Stores.inMemoryVersionedKeyValueStore(name, historyRetentionMs);
  const builder = Stores.versionedKeyValueStoreBuilder(supplier, key, value);
  let names = versionedStores.get(ctx);
  if (names === undefined) versionedStores.set(ctx, (names = new Map()));
  names.set(name, historyRetentionMs);
  return options.loggingDisabled ? builder.withLoggingDisabled() : builder;
}

/** Whether `store` is a versioned table's store of this builder. @internal */
export function isVersionedStore(ctx: BuilderContext, store: string): boolean {
  return versionedStores.get(ctx)?.has(store) === true;
}

/**
 * The buffer settings of a stream-table join with `gracePeriodMs`, checked as Kafka Streams checks
 * them: the table must be versioned, and the grace period within its history retention (older
 * versions would be gone when the buffered records are joined). The buffer needs the stream's
 * serdes.
 *
 * @internal
 */
export function streamTableJoinGrace<K, V>(
  ctx: BuilderContext,
  tableStore: string,
  what: string,
  options: { name?: string; gracePeriodMs: number },
  keySerde: Serde<K> | undefined,
  valueSerde: Serde<V> | undefined,
): JoinBufferSettings<K, V> {
  const { gracePeriodMs } = options;
  const retention = versionedStores.get(ctx)?.get(tableStore);
  if (!Number.isSafeInteger(gracePeriodMs) || gracePeriodMs < 0) {
    throw new RangeError(`${what}: gracePeriodMs must be an integer number of milliseconds >= 0, got ${String(gracePeriodMs)}`);
  }
  if (retention === undefined) {
    throw new Error(`${what}: a grace period needs a versioned table (builder.table(topic, { versioned: { historyRetentionMs } })); table store '${tableStore}' is not versioned`);
  }
  if (gracePeriodMs > retention) {
    throw new RangeError(`${what}: gracePeriodMs (${gracePeriodMs}) must not exceed the table's historyRetentionMs (${retention})`);
  }
  const base = ctx.names.stateful('KSTREAM-JOIN', options.name, `the grace buffer of a ${what}`);
  return {
    storeName: `${base}-buffer-store`,
    keySerde: ctx.requireSerde(keySerde, 'key', `${what} with a grace period (its buffer)`),
    valueSerde: ctx.requireSerde(valueSerde, 'value', `${what} with a grace period (its buffer)`),
    gracePeriodMs,
  };
}

/**
 * A processor that reads table stores as plain key-value stores (a table-table join), made to read
 * the latest versions of the versioned ones among `stores`: its context hands it, for those names,
 * a read-only view whose `get(key)` is the latest value (Kafka Streams' value getter of a versioned
 * table reads the latest version the same way).
 *
 * @internal
 */
export function readingLatestVersions<KIn, VIn, KOut, VOut>(
  processor: Processor<KIn, VIn, KOut, VOut>,
  stores: ReadonlySet<string>,
): Processor<KIn, VIn, KOut, VOut> {
  if (stores.size === 0) return processor;
  return {
    init(context: ProcessorContext<KOut, VOut>): void {
      const view = new Proxy(context, {
        get(target, property) {
          if (property === 'getStateStore') {
            return <S extends StateStore>(name: string): S => {
              const store = target.getStateStore<S>(name);
              return (stores.has(name) ? latestView(store as unknown as VersionedKeyValueStore<unknown, unknown>) : store) as S;
            };
          }
          const member = Reflect.get(target, property, target) as unknown;
          return typeof member === 'function' ? (member as (...args: unknown[]) => unknown).bind(target) : member;
        },
      });
      processor.init?.(view);
    },
    process: (record) => processor.process(record),
    pending: () => processor.pending?.(),
    close: () => processor.close?.(),
  };
}

/** A versioned store seen as a key-value store of its latest values, for reading only. */
function latestView<K, V>(store: VersionedKeyValueStore<K, V>): StateStore & { get(key: K): V | undefined } {
  return {
    name: store.name,
    persistent: store.persistent,
    get isOpen() {
      return store.isOpen;
    },
    init: () => {
      throw new Error(`the latest-value view of versioned store '${store.name}' cannot be opened`);
    },
    flush: () => store.flush(),
    close: () => store.close(),
    get: (key: K) => store.get(key)?.value,
  };
}
