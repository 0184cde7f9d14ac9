import type { TimestampExtractor } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import type { BuilderContext } from './internal/builder-context.js';

/** Options of {@link StreamsBuilder.globalTable}. */
export interface GlobalTableOptions<K, V> {
  /** How the topic's keys are read; left out: the app's `defaultKeySerde`. */
  key?: Serde<K>;
  /** How the topic's values are read; left out: the app's `defaultValueSerde`. */
  value?: Serde<V>;
  /** The global store's name, for `app.store(name)` and the test driver; default: generated (with a warning). */
  store?: string;
  /** Names the table's nodes (`<name>-source`, `<name>`), and its store when `store` is not given. */
  name?: string;
  /** Chooses each record's event time; default: the record's own timestamp. */
  timestampExtractor?: TimestampExtractor;
  /** Keep the store on disk (lmdb) instead of in memory (the default). It is read again from the start of the topic at each start. */
  persistent?: boolean;
}

/**
 * A table replicated in full on every instance of the app (Kafka Streams' GlobalKTable): its store
 * is filled from every partition of its topic, is part of no task, and has no changelog (the topic
 * is its changelog). The app loads it to the end of the topic before it is RUNNING, and keeps it up
 * to date while it runs. Streams join it by a key they compute from each record, with no
 * repartitioning and no co-partitioning: `stream.join(globalTable, keySelector, joiner)`.
 *
 * @example
 * const countries = builder.globalTable('countries', { key: serdes.string(), value: serdes.json<Country>(), store: 'countries' });
 * orders.join(countries, (_id, order) => order.countryCode, (order, country) => ({ ...order, country: country.name }));
 */
export class GlobalKTable<K, V> {
  /** @internal */
  constructor(
    /** @internal The builder this table belongs to. */
    readonly ctx: BuilderContext,
    /** The name of the global store holding the table: what `app.store(name)` reads. */
    readonly queryableStoreName: string,
    /** The serde of this table's keys, when known. */
    readonly keySerde: Serde<K> | undefined,
    /** The serde of this table's values, when known. */
    readonly valueSerde: Serde<V> | undefined,
  ) {}
}
