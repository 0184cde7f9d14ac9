import type { LocalTopologyRunner } from '@rivulet/core';
import type { Headers, Serde } from '@rivulet/serde';

/** A record to pipe: key, value and optionally timestamp and headers. */
export interface TestRecord<K, V> {
  key: K | null;
  value: V | null;
  timestamp?: number;
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
 * through the topology before returning.
 */
export class TestInputTopic<K, V> {
  private nextTimestamp: number;

  constructor(
    private readonly runner: LocalTopologyRunner,
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
    let ts: number;
    if (timestamp === undefined) {
      ts = this.nextTimestamp;
      this.nextTimestamp += this.autoAdvanceMs;
    } else {
      ts = timestamp;
    }
    const name = this.runner.topicName(this.topic);
    this.runner.pipe(
      name,
      toBytes(this.keySerde, name, key, headers),
      toBytes(this.valueSerde, name, value, headers),
      ts,
      headers ?? {},
    );
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
}
