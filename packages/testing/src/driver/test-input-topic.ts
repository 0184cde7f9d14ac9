import type { LocalTopologyRunner, PipedRecord } from '@rivulet/core/internal';
import type { Headers, Serde } from '@rivulet/serde';

/** A record to pipe: key, value and optionally timestamp and headers. */
export interface TestRecord<K, V> {
  /** The key, or null. */
  key: K | null;
  /** The value, or null (a tombstone). */
  value: V | null;
  /** Epoch milliseconds; default: the topic's current time, then advanced by `autoAdvanceMs`. */
  timestamp?: number;
  /** Record headers; default none. */
  headers?: Headers;
}

function toBytes<T>(serde: Serde<T>, topic: string, value: T | null, headers: Headers | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  const bytes = serde.serialize(topic, value, headers);
  if (bytes instanceof Promise) throw new Error(`serde '${serde.name}' is asynchronous: the TopologyTestDriver needs synchronous serdes`);
  return bytes;
}

/**
 * An input topic of a {@link TopologyTestDriver}: each `pipeInput` serializes the record and runs it
 * through the topology before returning. Topologies with async operators (mapAsync, flatMapAsync)
 * use the `...Async` variants, which resolve once that work is done; the list variants pipe their
 * records as one fetched batch, as the runtime would, so the async work of the records overlaps.
 *
 * @example
 * const input = driver.createInputTopic('orders', serdes.string(), serdes.json<Order>());
 * input.pipeInput('o-1', { total: 120 });
 * await input.pipeKeyValueListAsync([['o-2', { total: 5 }], ['o-3', { total: 70 }]]);
 */
export class TestInputTopic<K, V> {
  private nextTimestamp: number;

  /** @internal Made by {@link TopologyTestDriver}. */
  constructor(
    private readonly runner: LocalTopologyRunner,
    /** The topic's name, as the topology names it. */
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    startTimestampMs: number,
    private readonly autoAdvanceMs: number,
  ) {
    this.nextTimestamp = startTimestampMs;
  }

  /** Pipes one record; without a timestamp it gets the topic's current time (then advanced by autoAdvanceMs). */
  pipeInput(key: K | null, value: V | null, timestamp?: number, headers?: Headers): void {
    const r = this.serialize(key, value, timestamp, headers);
    this.runner.pipe(this.runner.topicName(this.topic), r.key, r.value, r.timestamp, r.headers);
  }

  /**
   * Pipes one record and resolves once its async work (mapAsync, flatMapAsync) is done and its
   * results went through the topology; rejects with the `ProcessingError` of a failed call under
   * the 'fail' handler.
   */
  pipeInputAsync(key: K | null, value: V | null, timestamp?: number, headers?: Headers): Promise<void> {
    return this.pipeBatchAsync([this.serialize(key, value, timestamp, headers)]);
  }

  /** Pipes records as one batch and waits for their async work (see {@link TestInputTopic.pipeInputAsync}). */
  pipeRecordListAsync(records: readonly TestRecord<K, V>[]): Promise<void> {
    return this.pipeBatchAsync(records.map((r) => this.serialize(r.key, r.value, r.timestamp, r.headers)));
  }

  /** Pipes key-value pairs as one batch and waits for their async work. */
  pipeKeyValueListAsync(pairs: readonly (readonly [K | null, V | null])[], timestamp?: number): Promise<void> {
    return this.pipeBatchAsync(pairs.map(([k, v]) => this.serialize(k, v, timestamp, undefined)));
  }

  /** Pipes values with null keys as one batch and waits for their async work. */
  pipeValueListAsync(values: readonly (V | null)[]): Promise<void> {
    return this.pipeBatchAsync(values.map((v) => this.serialize(null, v, undefined, undefined)));
  }

  /** Pipes a value with a null key. */
  pipeValue(value: V | null, timestamp?: number): void {
    this.pipeInput(null, value, timestamp);
  }

  /** Pipes records in order. */
  pipeRecordList(records: readonly TestRecord<K, V>[]): void {
    for (const r of records) this.pipeInput(r.key, r.value, r.timestamp, r.headers);
  }

  /** Pipes key-value pairs in order. */
  pipeKeyValueList(pairs: readonly (readonly [K | null, V | null])[], timestamp?: number): void {
    for (const [k, v] of pairs) this.pipeInput(k, v, timestamp);
  }

  /** Pipes values with null keys in order. */
  pipeValueList(values: readonly (V | null)[]): void {
    for (const v of values) this.pipeInput(null, v);
  }

  /** Moves this topic's automatic timestamp forward. */
  advanceTime(ms: number): void {
    this.nextTimestamp += ms;
  }

  private pipeBatchAsync(records: PipedRecord[]): Promise<void> {
    return this.runner.pipeAsync(this.runner.topicName(this.topic), records);
  }

  /** Serializes a record; without a timestamp it gets the topic's current time (then advanced by autoAdvanceMs). */
  private serialize(key: K | null, value: V | null, timestamp: number | undefined, headers: Headers | undefined): Required<PipedRecord> {
    let ts: number;
    if (timestamp === undefined) {
      ts = this.nextTimestamp;
      this.nextTimestamp += this.autoAdvanceMs;
    } else {
      ts = timestamp;
    }
    const name = this.runner.topicName(this.topic);
    return {
      key: toBytes(this.keySerde, name, key, headers),
      value: toBytes(this.valueSerde, name, value, headers),
      timestamp: ts,
      headers: headers ?? {},
    };
  }
}
