import { ConfigError, type DroppedRecordCounts, type KeyValueStore, type LocalTopologyRunnerOptions, type ReadOnlyKeyValueStore, type StateStore, type Topology } from '@rivulet/core';
import { LocalTopologyRunner } from '@rivulet/core/internal';
import type { Serde } from '@rivulet/serde';
import { TestInputTopic } from './test-input-topic.js';
import { TestOutputTopic } from './test-output-topic.js';
import type { ReadOnlySessionStore, ReadOnlyWindowStore, ValueAndTimestamp, VersionedKeyValueStore } from '@rivulet/core';
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
export class TopologyTestDriver {
  /**
   * The runtime engine behind the driver (the same task code the StreamsApp runs).
   *
   * @internal
   */
  readonly runner: LocalTopologyRunner;

  constructor(
    topology: Topology,
    private readonly options: TopologyTestDriverOptions = {},
  ) {
    checkOptions(options);
    this.runner = new LocalTopologyRunner(topology, { initialWallClockTimeMs: 0, ...options });
  }

  /**
   * Makes a driver for a topology whose stores open asynchronously (persistent stores) and waits
   * until they are open.
   */
  static async create(topology: Topology, options: TopologyTestDriverOptions = {}): Promise<TopologyTestDriver> {
    const driver = new TopologyTestDriver(topology, options);
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

  /** A key-value store of the topology (typed by you), for assertions on state. */
  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> & ReadOnlyKeyValueStore<K, V> {
    const store = this.getStateStore(name) as unknown as KeyValueStore<K, V>;
    if (typeof store.get !== 'function' || typeof store.put !== 'function') throw new Error(`store '${name}' is not a key-value store`);
    return store;
  }

  /**
   * A versioned key-value store of the topology (typed by you), e.g. a versioned table's: the latest
   * version of a key, or the version valid at a time.
   *
   * @example
   * expect(driver.getVersionedKeyValueStore<string, number>('rates').get('EUR', 1500)).toEqual({ value: 1.07, timestamp: 1000, validTo: 2000 });
   */
  getVersionedKeyValueStore<K, V>(name: string): VersionedKeyValueStore<K, V> {
    const store = this.getStateStore(name) as unknown as VersionedKeyValueStore<K, V> & { versioned?: boolean };
    if (store.versioned !== true) throw new Error(`store '${name}' is not a versioned key-value store`);
    return store;
  }

  /**
   * A window store of the topology (typed by you), e.g. a windowed aggregation's. The DSL keeps the
   * newest record timestamp with each aggregate: this view shows the values alone
   * ({@link TopologyTestDriver.getTimestampedWindowStore} shows both).
   *
   * @example
   * expect(driver.getWindowStore<string, bigint>('clicks-per-minute').fetch('user-1', 60_000)).toBe(3n);
   */
  getWindowStore<K, V>(name: string): ReadOnlyWindowStore<K, V> {
    const store = asWindowStore<K, unknown>(name, this.getStateStore(name));
    return store.timestamped === true ? withoutTimestamps(store as ReadOnlyWindowStore<K, ValueAndTimestamp<V>>) : (store as ReadOnlyWindowStore<K, V>);
  }

  /** A timestamped window store of the topology: each value with the timestamp of the newest record in its window. */
  getTimestampedWindowStore<K, V>(name: string): ReadOnlyWindowStore<K, ValueAndTimestamp<V>> {
    const store = asWindowStore<K, ValueAndTimestamp<V>>(name, this.getStateStore(name));
    if (store.timestamped !== true) throw new Error(`window store '${name}' does not keep timestamps: read it with getWindowStore`);
    return store;
  }

  /** A session store of the topology (typed by you), e.g. a session-windowed aggregation's. */
  getSessionStore<K, V>(name: string): ReadOnlySessionStore<K, V> {
    return asSessionStore<K, V>(name, this.getStateStore(name));
  }

  /** Any store of the topology by name, e.g. a window store. */
  getStateStore<S extends StateStore = StateStore>(name: string): S {
    const store = this.runner.store(name);
    if (store === undefined) throw new Error(`the topology has no state store named '${name}'`);
    return store as S;
  }

  /** Closes processors and stores. */
  close(): Promise<void> {
    return this.runner.close();
  }
}
