import type { Windowed } from '@rivulet/core';

/** What a full suppression buffer does: emit its oldest entries early, or stop the app. */
export type BufferFullStrategy = 'emit-early' | 'shut-down';

const UNBOUNDED = Number.MAX_SAFE_INTEGER;

function checkLimit(what: 'maxRecords' | 'maxBytes', value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`BufferConfig: ${what} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * The bounds of a suppression buffer (Kafka Streams' `Suppressed.BufferConfig`): how many keys
 * (`maxRecords`) and bytes (`maxBytes`: serialized key, values and record metadata, counted as Kafka
 * Streams counts them) it may hold, what it does when full, and whether it is changelogged (the
 * default: a restart neither loses nor repeats a suppressed result). Start from
 * {@link BufferConfig.unbounded}, {@link BufferConfig.maxRecords} or {@link BufferConfig.maxBytes}.
 *
 * @example
 * BufferConfig.maxRecords(10_000).withMaxBytes(1_000_000).shutDownWhenFull();
 */
export abstract class BufferConfig {
  /** @hidden */
  protected constructor(
    /** The most keys the buffer holds; `Number.MAX_SAFE_INTEGER` when unbounded. */
    readonly maxRecords: number,
    /** The most bytes the buffer holds; `Number.MAX_SAFE_INTEGER` when unbounded. */
    readonly maxBytes: number,
    /** True (the default) when the buffer is changelogged. */
    readonly loggingEnabled: boolean,
    /** Topic configs of the buffer's changelog topic. */
    readonly logConfig: Readonly<Record<string, string>>,
  ) {}

  /** What the buffer does when full. */
  abstract readonly strategy: BufferFullStrategy;

  /**
   * A buffer without bounds: it holds every key until its time comes, using as much memory as that
   * takes (strict: nothing is ever emitted early).
   *
   * @example
   * Suppressed.untilWindowCloses(BufferConfig.unbounded());
   */
  static unbounded(): StrictBufferConfig {
    return new StrictBufferConfig(UNBOUNDED, UNBOUNDED, true, {});
  }

  /**
   * A buffer of at most `maxRecords` keys, emitting its oldest entries early when full (call
   * `shutDownWhenFull()` to stop the app instead).
   *
   * @example
   * Suppressed.untilTimeLimit(60_000, BufferConfig.maxRecords(1_000));
   */
  static maxRecords(maxRecords: number): EagerBufferConfig {
    return new EagerBufferConfig(checkLimit('maxRecords', maxRecords), UNBOUNDED, true, {});
  }

  /**
   * A buffer of at most `maxBytes` bytes, emitting its oldest entries early when full (call
   * `shutDownWhenFull()` to stop the app instead).
   *
   * @example
   * Suppressed.untilTimeLimit(60_000, BufferConfig.maxBytes(10_000_000));
   */
  static maxBytes(maxBytes: number): EagerBufferConfig {
    return new EagerBufferConfig(UNBOUNDED, checkLimit('maxBytes', maxBytes), true, {});
  }

  /**
   * When full, emit the oldest entries before their time (a result may then not be final).
   *
   * @example
   * BufferConfig.maxRecords(100).emitEarlyWhenFull();
   */
  emitEarlyWhenFull(): EagerBufferConfig {
    return new EagerBufferConfig(this.maxRecords, this.maxBytes, this.loggingEnabled, this.logConfig);
  }

  /**
   * When full, stop the app with a fatal {@link SuppressionBufferFullError} rather than emit a
   * result early.
   *
   * @example
   * BufferConfig.maxRecords(100).shutDownWhenFull();
   */
  shutDownWhenFull(): StrictBufferConfig {
    return new StrictBufferConfig(this.maxRecords, this.maxBytes, this.loggingEnabled, this.logConfig);
  }

  /** @hidden A copy of this config (of the same kind) with other fields. */
  protected abstract copy(maxRecords: number, maxBytes: number, loggingEnabled: boolean, logConfig: Readonly<Record<string, string>>): this;

  /**
   * The same config with at most `maxRecords` keys.
   *
   * @example
   * BufferConfig.unbounded().withMaxRecords(10_000);
   */
  withMaxRecords(maxRecords: number): this {
    return this.copy(checkLimit('maxRecords', maxRecords), this.maxBytes, this.loggingEnabled, this.logConfig);
  }

  /**
   * The same config with at most `maxBytes` bytes.
   *
   * @example
   * BufferConfig.unbounded().withMaxBytes(50_000_000);
   */
  withMaxBytes(maxBytes: number): this {
    return this.copy(this.maxRecords, checkLimit('maxBytes', maxBytes), this.loggingEnabled, this.logConfig);
  }

  /**
   * No changelog for the buffer: a restart loses what it held (suppressed results are lost).
   *
   * @example
   * BufferConfig.unbounded().withLoggingDisabled();
   */
  withLoggingDisabled(): this {
    return this.copy(this.maxRecords, this.maxBytes, false, {});
  }

  /**
   * A changelogged buffer (the default), its changelog topic created with `topicConfig`.
   *
   * @example
   * BufferConfig.unbounded().withLoggingEnabled({ 'min.insync.replicas': '2' });
   */
  withLoggingEnabled(topicConfig: Record<string, string> = {}): this {
    return this.copy(this.maxRecords, this.maxBytes, true, Object.freeze({ ...topicConfig }));
  }
}

/**
 * A buffer config that never emits early: unbounded, or stopping the app when full. The only kind
 * `Suppressed.untilWindowCloses` takes, since it promises one final result per window.
 */
export class StrictBufferConfig extends BufferConfig {
  /** Always `'shut-down'`. */
  readonly strategy = 'shut-down' as const;

  /** @hidden */
  constructor(maxRecords: number, maxBytes: number, loggingEnabled: boolean, logConfig: Readonly<Record<string, string>>) {
    super(maxRecords, maxBytes, loggingEnabled, logConfig);
  }

  /** @hidden */
  protected copy(maxRecords: number, maxBytes: number, loggingEnabled: boolean, logConfig: Readonly<Record<string, string>>): this {
    return new StrictBufferConfig(maxRecords, maxBytes, loggingEnabled, logConfig) as this;
  }
}

/** A bounded buffer config that emits its oldest entries early when full. */
export class EagerBufferConfig extends BufferConfig {
  /** Always `'emit-early'`. */
  readonly strategy = 'emit-early' as const;

  /** @hidden */
  constructor(maxRecords: number, maxBytes: number, loggingEnabled: boolean, logConfig: Readonly<Record<string, string>>) {
    super(maxRecords, maxBytes, loggingEnabled, logConfig);
  }

  /** @hidden */
  protected copy(maxRecords: number, maxBytes: number, loggingEnabled: boolean, logConfig: Readonly<Record<string, string>>): this {
    return new EagerBufferConfig(maxRecords, maxBytes, loggingEnabled, logConfig) as this;
  }
}

/** How long a suppressed update waits: until its window closes, or a time limit after its key was first buffered. */
export type SuppressionTime =
  | {
      /** Emit when the window closes. */
      readonly kind: 'window-close';
    }
  | {
      /** Emit when the time limit has passed. */
      readonly kind: 'time-limit';
      /** How long, in ms of stream time, a key's first buffered update waits. */
      readonly timeToWaitForMoreEventsMs: number;
    };

/**
 * How `KTable.suppress` holds a table's updates back (Kafka Streams' `Suppressed`): it keeps the
 * latest update per key in a buffer and emits it once its time has come, by stream time (the
 * largest record timestamp the operator has seen; never the wall clock).
 *
 * - {@link Suppressed.untilWindowCloses}: one final result per window of a windowed aggregation,
 *   once stream time reaches the window's end + its grace.
 * - {@link Suppressed.untilTimeLimit}: the latest value of a key, once stream time is
 *   `timeToWaitForMoreEventsMs` past the first update buffered for the key (rate limiting).
 *
 * The buffer is a state store, changelogged unless the buffer config disables it, named
 * `<name>-store` after {@link Suppressed.withName} (its changelog `<applicationId>-<name>-store-changelog`),
 * else `KTABLE-SUPPRESS-STATE-STORE-<n>` with a warning (a generated name changes with the topology).
 *
 * @example
 * builder
 *   .source('clicks', { key: serdes.string(), value: serdes.string() })
 *   .groupByKey()
 *   .windowedBy(TimeWindows.ofSizeAndGrace(60_000, 10_000))
 *   .count({ store: 'clicks-per-minute' })
 *   .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final-clicks'))
 *   .toStream()
 *   .sink('clicks-per-minute-final', { value: serdes.int64() });
 */
export class Suppressed<K> {
  /**
   * @hidden Never set: ties the config to the keys it takes, contravariantly (a config for any key
   * fits every table, one for windowed keys only tables of windowed keys). Public, because a
   * private member loses its type in the published `.d.ts`.
   */
  declare readonly __keyType?: (key: K) => void;

  private constructor(
    /** When a buffered update is emitted. */
    readonly time: SuppressionTime,
    /** The buffer's bounds, full strategy and changelog. */
    readonly bufferConfig: BufferConfig,
    /** The operator's name (its buffer store is `<name>-store`); undefined: generated, with a warning. */
    readonly name: string | undefined,
  ) {}

  /**
   * Emits only the final result of each window: once stream time reaches the window's end plus the
   * grace period of the windowed aggregation the table comes from; updates before are held back and
   * deletions are dropped. Takes only a {@link StrictBufferConfig} (never emitting early, which would
   * break the promise of one result per window); a full bounded buffer stops the app.
   *
   * @example
   * counts.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final-counts'));
   */
  static untilWindowCloses<K extends Windowed<unknown> = Windowed<unknown>>(bufferConfig: StrictBufferConfig): Suppressed<K> {
    if (!(bufferConfig instanceof StrictBufferConfig)) {
      throw new TypeError(
        'Suppressed.untilWindowCloses takes a strict buffer config (BufferConfig.unbounded(), or a bounded one with .shutDownWhenFull()): ' +
          'emitting early when full would emit results before their window closes',
      );
    }
    return new Suppressed<K>({ kind: 'window-close' }, bufferConfig, undefined);
  }

  /**
   * Emits the latest value of a key once stream time is `timeToWaitForMoreEventsMs` past the first
   * update buffered for it: several updates in that time collapse into one. Deletions are emitted
   * too. A full bounded buffer emits its oldest keys early or stops the app, as `bufferConfig` says.
   *
   * @example
   * totals.suppress(Suppressed.untilTimeLimit(60_000, BufferConfig.maxRecords(10_000)).withName('totals-per-minute'));
   */
  static untilTimeLimit<K = unknown>(timeToWaitForMoreEventsMs: number, bufferConfig: BufferConfig): Suppressed<K> {
    if (!Number.isSafeInteger(timeToWaitForMoreEventsMs) || timeToWaitForMoreEventsMs < 0) {
      throw new RangeError(`Suppressed.untilTimeLimit: timeToWaitForMoreEventsMs must be an integer >= 0, got ${String(timeToWaitForMoreEventsMs)}`);
    }
    if (!(bufferConfig instanceof BufferConfig)) throw new TypeError('Suppressed.untilTimeLimit needs a BufferConfig (BufferConfig.unbounded(), .maxRecords(n) or .maxBytes(n))');
    return new Suppressed<K>({ kind: 'time-limit', timeToWaitForMoreEventsMs }, bufferConfig, undefined);
  }

  /**
   * Names the operator; its buffer store is then `<name>-store`, with the changelog
   * `<applicationId>-<name>-store-changelog`, stable across topology changes.
   *
   * @example
   * Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final-counts');
   */
  withName(name: string): Suppressed<K> {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`Suppressed.withName: the name must be a non-empty string, got ${JSON.stringify(name)}`);
    return new Suppressed<K>(this.time, this.bufferConfig, name);
  }
}
