import { ConfigError, type DroppedRecordCounts, type KeyValueStore, type LocalTopologyRunnerOptions, type StateStore, type Topology } from '@rivulet/core';
import { LocalTopologyRunner } from '@rivulet/core/internal';
import type { Serde } from '@rivulet/serde';
import { TestInputTopic } from './test-input-topic.js';
import { TestOutputTopic } from './test-output-topic.js';
import type { ReadOnlySessionStore, ReadOnlyWindowStore, ValueAndTimestamp, VersionedKeyValueStore } from '@rivulet/core';
import { UnknownStateStoreError } from '@rivulet/core';
import type { ExplicitKeyType, ExplicitStoreName, KeyValueStoreType, NamedStore, SessionStoreType, StoreNames, StoreTypes, VersionedStoreType, WindowStoreType } from '@rivulet/core';
import { asSessionStore, asWindowStore, withoutTimestamps } from './window-store-views.js';

/** Options of a {@link TopologyTestDriver}. */
export interface TopologyTestDriverOptions extends LocalTopologyRunnerOptions {
  /** The timestamp the first piped record gets when none is given (default 0); each next one adds `autoAdvanceMs`. */
  startTimestampMs?: number;
  /** How far the automatic record timestamp moves per piped record (default 0). */
  autoAdvanceMs?: number;
}

/**
 * Every option of the driver, so a misspelled one fails at construction rather than being ignored.
 * A new option that is not added here is a type error.
 */
const KNOWN_OPTIONS = Object.keys({
  applicationId: true,
  patternTopics: true,
  stateDir: true,
  partitionCounts: true,
  initialWallClockTimeMs: true,
  deserializationExceptionHandler: true,
  processingExceptionHandler: true,
  productionExceptionHandler: true,
  logger: true,
  defaultKeySerde: true,
  defaultValueSerde: true,
  traceContext: true,
  startTimestampMs: true,
  autoAdvanceMs: true,
} satisfies Record<keyof TopologyTestDriverOptions, true>);

/** Throws a ConfigError naming every unknown option and listing the known ones. */
function checkOptions(options: TopologyTestDriverOptions): void {
  const unknown = Object.keys(options).filter((key) => !KNOWN_OPTIONS.includes(key));
  if (unknown.length === 0) return;
  const issues = unknown.map((key) => ({
    setting: key,
    message: `${key} is not a TopologyTestDriver option; the options are ${KNOWN_OPTIONS.join(', ')}.`,
  }));
  throw new ConfigError(issues as [(typeof issues)[number], ...typeof issues]);
}

/**
 * Runs a topology synchronously, without a broker, through the same processor code as the
 * StreamsApp runtime: pipe records into input topics, read what the topology wrote from output
 * topics, inspect its stores, and move virtual wall-clock time. Records written to repartition
 * topics are fed back in at once. Async operators (mapAsync, flatMapAsync) take the async path:
 * `await inputTopic.pipeInputAsync(...)`, and {@link TopologyTestDriver.flushAsync}. An option it
 * does not know (a misspelling) is a `ConfigError` naming it and listing the known ones.
 *
 * @example
 * const driver = new TopologyTestDriver(builder.build());
 * const lines = driver.createInputTopic('text-lines', serdes.string(), serdes.string());
 * const counts = driver.createOutputTopic('word-counts', serdes.string(), serdes.int64());
 * lines.pipeInput(null, 'the cat and the hat');
 * expect(counts.readKeyValuesToMap().get('the')).toBe(2n);
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as StreamsApp's: the default accepts a driver of any stores
export class TopologyTestDriver<S extends StoreTypes = any> {
  /**
   * The runtime engine behind the driver (the same task code the StreamsApp runs).
   *
   * @internal
   */
  readonly runner: LocalTopologyRunner;

  constructor(
    private readonly topology: Topology<S>,
    private readonly options: TopologyTestDriverOptions = {},
  ) {
    checkOptions(options);
    this.runner = new LocalTopologyRunner(topology, { initialWallClockTimeMs: 0, ...options });
  }

  /**
   * Makes a driver for a topology whose stores open asynchronously (persistent stores) and waits
   * until they are open.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped unless the topology is typed
  static async create<S extends StoreTypes = any>(topology: Topology<S>, options: TopologyTestDriverOptions = {}): Promise<TopologyTestDriver<S>> {
    const driver = new TopologyTestDriver<S>(topology, options);
    await driver.runner.ready();
    return driver;
  }

  /** An input topic: serializes with the given serdes and pipes into the topology. */
  createInputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestInputTopic<K, V> {
    return new TestInputTopic(this.runner, topic, keySerde, valueSerde, this.options.startTimestampMs ?? 0, this.options.autoAdvanceMs ?? 0);
  }

  /** An output topic: reads what the topology wrote, deserialized with the given serdes. */
  createOutputTopic<K, V>(topic: string, keySerde: Serde<K>, valueSerde: Serde<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic(this.runner, topic, keySerde, valueSerde);
  }

  /**
   * Moves virtual wall-clock time and runs the wall-clock punctuators that are due. Throws when they
   * leave async work in flight: use {@link TopologyTestDriver.advanceWallClockTimeAsync}.
   */
  advanceWallClockTime(ms: number): void {
    this.runner.advanceWallClockTime(ms);
  }

  /** Moves virtual wall-clock time, runs the due punctuators and waits for the async work they started. */
  advanceWallClockTimeAsync(ms: number): Promise<void> {
    return this.runner.advanceWallClockTimeAsync(ms);
  }

  /**
   * Waits until no async work (mapAsync, flatMapAsync) is in flight and everything it wrote to
   * repartition topics went through; rejects with the `ProcessingError` of a failed call under the
   * 'fail' handler. The `...Async` pipes do this already.
   *
   * @example
   * expect(() => input.pipeInput('k', 'v')).toThrow(/pipeInputAsync/);
   * await driver.flushAsync();
   */
  flushAsync(): Promise<void> {
    return this.runner.flush();
  }

  /**
   * The records the topology dropped so far, in total and per reason: what the StreamsApp reports
   * as `droppedRecords` and `droppedRecordsByReason` in `app.metrics()` (Kafka Streams'
   * `dropped-records-total`). A dropped record went no further by design: a null key or value an
   * operator cannot use, a record too late for its window, one older than a join window's retention,
   * an invalid timestamp, or a record an exception handler skipped or dead-lettered. Each reason is
   * also logged at WARN through the driver's `logger`.
   *
   * @example
   * counts.pipeInput(null, 'no key'); // count() cannot group a null key
   * expect(driver.droppedRecords()).toEqual({ total: 1, byReason: { 'null-key-or-value': 1 } });
   */
  droppedRecords(): DroppedRecordCounts {
    return this.runner.droppedRecords();
  }

  /**
   * A key-value store of the topology, for assertions on state. Typed as `StreamsApp.store` is: by
   * the topology (`builder.build(...stores)`; a name it does not have is then a type error), by a
   * `NamedStore` (a table made with `{ store: name }`), or by type arguments on an untyped topology.
   *
   * @example
   * const driver = new TopologyTestDriver(builder.build(counts)); // counts = grouped.count({ store: 'word-counts' })
   * expect(driver.getKeyValueStore('word-counts').get('the')).toBe(2n);
   */
  getKeyValueStore<N extends StoreNames<S, 'key-value'>>(name: N): KeyValueStore<S[N & keyof S]['key'], S[N & keyof S]['value']>;
  /** The key-value store a `NamedStore` names, typed by it. */
  getKeyValueStore<K, V>(store: NamedStore<string, KeyValueStoreType<K, V>>): KeyValueStore<K, V>;
  /** A key-value store typed by the type arguments: `driver.getKeyValueStore<string, bigint>('word-counts')`. */
  getKeyValueStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>): KeyValueStore<ExplicitKeyType<K>, V>;
  getKeyValueStore(store: string | NamedStore): KeyValueStore<unknown, unknown> {
    const name = nameOf(store);
    const kv = this.getStateStore(name) as unknown as KeyValueStore<unknown, unknown>;
    if (typeof kv.get !== 'function' || typeof kv.put !== 'function') throw new Error(`store '${name}' is not a key-value store`);
    return kv;
  }

  /**
   * A versioned key-value store of the topology, e.g. a versioned table's: the latest version of a
   * key, or the version valid at a time. Typed as {@link TopologyTestDriver.getKeyValueStore} is.
   *
   * @example
   * expect(driver.getVersionedKeyValueStore<string, number>('rates').get('EUR', 1500)).toEqual({ value: 1.07, timestamp: 1000, validTo: 2000 });
   */
  getVersionedKeyValueStore<N extends StoreNames<S, 'versioned'>>(name: N): VersionedKeyValueStore<S[N & keyof S]['key'], S[N & keyof S]['value']>;
  /** The versioned store a `NamedStore` names, typed by it. */
  getVersionedKeyValueStore<K, V>(store: NamedStore<string, VersionedStoreType<K, V>>): VersionedKeyValueStore<K, V>;
  /** A versioned store typed by the type arguments. */
  getVersionedKeyValueStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>): VersionedKeyValueStore<ExplicitKeyType<K>, V>;
  getVersionedKeyValueStore(store: string | NamedStore): VersionedKeyValueStore<unknown, unknown> {
    const name = nameOf(store);
    const versioned = this.getStateStore(name) as unknown as VersionedKeyValueStore<unknown, unknown> & { versioned?: boolean };
    if (versioned.versioned !== true) throw new Error(`store '${name}' is not a versioned key-value store`);
    return versioned;
  }

  /**
   * A window store of the topology, e.g. a windowed aggregation's. The DSL keeps the newest record
   * timestamp with each aggregate: this view shows the values alone
   * ({@link TopologyTestDriver.getTimestampedWindowStore} shows both). Typed as
   * {@link TopologyTestDriver.getKeyValueStore} is.
   *
   * @example
   * expect(driver.getWindowStore<string, bigint>('clicks-per-minute').fetch('user-1', 60_000)).toBe(3n);
   */
  getWindowStore<N extends StoreNames<S, 'window'>>(name: N): ReadOnlyWindowStore<S[N & keyof S]['key'], S[N & keyof S]['value']>;
  /** The window store a `NamedStore` names, typed by it. */
  getWindowStore<K, V>(store: NamedStore<string, WindowStoreType<K, V>>): ReadOnlyWindowStore<K, V>;
  /** A window store typed by the type arguments. */
  getWindowStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>): ReadOnlyWindowStore<ExplicitKeyType<K>, V>;
  getWindowStore(store: string | NamedStore): ReadOnlyWindowStore<unknown, unknown> {
    const name = nameOf(store);
    const window = asWindowStore<unknown, unknown>(name, this.getStateStore(name));
    return window.timestamped === true ? withoutTimestamps(window as ReadOnlyWindowStore<unknown, ValueAndTimestamp<unknown>>) : window;
  }

  /** A timestamped window store of the topology: each value with the timestamp of the newest record in its window. */
  getTimestampedWindowStore<N extends StoreNames<S, 'window'>>(name: N): ReadOnlyWindowStore<S[N & keyof S]['key'], ValueAndTimestamp<S[N & keyof S]['value']>>;
  /** The timestamped window store a `NamedStore` names, typed by it. */
  getTimestampedWindowStore<K, V>(store: NamedStore<string, WindowStoreType<K, V>>): ReadOnlyWindowStore<K, ValueAndTimestamp<V>>;
  /** A timestamped window store typed by the type arguments. */
  getTimestampedWindowStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>): ReadOnlyWindowStore<ExplicitKeyType<K>, ValueAndTimestamp<V>>;
  getTimestampedWindowStore(store: string | NamedStore): ReadOnlyWindowStore<unknown, ValueAndTimestamp<unknown>> {
    const name = nameOf(store);
    const window = asWindowStore<unknown, ValueAndTimestamp<unknown>>(name, this.getStateStore(name));
    if (window.timestamped !== true) throw new Error(`window store '${name}' does not keep timestamps: read it with getWindowStore`);
    return window;
  }

  /** A session store of the topology, e.g. a session-windowed aggregation's. Typed as {@link TopologyTestDriver.getKeyValueStore} is. */
  getSessionStore<N extends StoreNames<S, 'session'>>(name: N): ReadOnlySessionStore<S[N & keyof S]['key'], S[N & keyof S]['value']>;
  /** The session store a `NamedStore` names, typed by it. */
  getSessionStore<K, V>(store: NamedStore<string, SessionStoreType<K, V>>): ReadOnlySessionStore<K, V>;
  /** A session store typed by the type arguments. */
  getSessionStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>): ReadOnlySessionStore<ExplicitKeyType<K>, V>;
  getSessionStore(store: string | NamedStore): ReadOnlySessionStore<unknown, unknown> {
    const name = nameOf(store);
    return asSessionStore<unknown, unknown>(name, this.getStateStore(name));
  }

  /** Any store of the topology by name, e.g. a window store. */
  getStateStore<S extends StateStore = StateStore>(name: string): S {
    const store = this.runner.store(name);
    if (store === undefined) throw new UnknownStateStoreError(name, [...this.topology.stores().keys(), ...this.topology.globalStores().keys()]);
    return store as S;
  }

  /** Closes processors and stores. */
  close(): Promise<void> {
    return this.runner.close();
  }
}

/** The name of a store given by name or as a `NamedStore`. */
function nameOf(store: string | NamedStore): string {
  return typeof store === 'string' ? store : store.queryableStoreName;
}
