import type { CapturedRecord, LocalTopologyRunner } from '@rivulet/core/internal';
import type { Headers, Serde } from '@rivulet/serde';

/** A record read from an output topic. */
export interface TestOutputRecord<K, V> {
  /** The deserialized key, or null. */
  readonly key: K | null;
  /** The deserialized value, or null (a tombstone). */
  readonly value: V | null;
  /** The record's timestamp, epoch milliseconds. */
  readonly timestamp: number;
  /** The record's headers. */
  readonly headers: Headers;
  /** The partition chosen by the sink's partitioner, when the driver knows the topic's partition count (`partitionCounts`). */
  readonly partition: number | undefined;
}

function fromBytes<T>(serde: Serde<T>, topic: string, bytes: Buffer | null, headers: Headers | undefined): T | null {
  if (bytes === null) return null;
  const value = serde.deserialize(topic, bytes, headers);
  if (value instanceof Promise) throw new Error(`serde '${serde.name}' is asynchronous: the TopologyTestDriver needs synchronous serdes`);
  return value;
}

/**
 * An output topic of a {@link TopologyTestDriver}: reading takes records off the topic, oldest
 * first, deserialized with the given serdes.
 */
export class TestOutputTopic<K, V> {
  /** @internal Made by {@link TopologyTestDriver}. */
  constructor(
    private readonly runner: LocalTopologyRunner,
    /** The topic's name, as the topology names it. */
    readonly topic: string,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
  ) {}

  /** True when nothing (more) was written to the topic. */
  isEmpty(): boolean {
    return this.runner.peekOutput(this.topic).length === 0;
  }

  /** How many records are waiting to be read. */
  getQueueSize(): number {
    return this.runner.peekOutput(this.topic).length;
  }

  /** Reads the oldest record; throws when the topic is empty. */
  readRecord(): TestOutputRecord<K, V> {
    const first = this.runner.shiftOutput(this.topic);
    if (first === undefined) throw new Error(`no record in output topic '${this.topic}'`);
    return this.decode(first);
  }

  /** Reads the oldest record's value. */
  readValue(): V | null {
    return this.readRecord().value;
  }

  /** Reads the oldest record as [key, value]. */
  readKeyValue(): [K | null, V | null] {
    const r = this.readRecord();
    return [r.key, r.value];
  }

  /** Reads every record written so far. */
  readRecordsToList(): TestOutputRecord<K, V>[] {
    return this.runner.takeOutput(this.topic).map((r) => this.decode(r));
  }

  /** Reads the values of every record written so far. */
  readValuesToList(): (V | null)[] {
    return this.readRecordsToList().map((r) => r.value);
  }

  /** Reads every record written so far as [key, value] pairs. */
  readKeyValuesToList(): [K | null, V | null][] {
    return this.readRecordsToList().map((r) => [r.key, r.value]);
  }

  /** Reads every record into a map: the last value per key wins, and a null value deletes the key. */
  readKeyValuesToMap(): Map<K | null, V> {
    const map = new Map<K | null, V>();
    for (const r of this.readRecordsToList()) {
      if (r.value === null) map.delete(r.key);
      else map.set(r.key, r.value);
    }
    return map;
  }

  private decode(r: CapturedRecord): TestOutputRecord<K, V> {
    return {
      key: fromBytes(this.keySerde, this.topic, r.key, r.headers),
      value: fromBytes(this.valueSerde, this.topic, r.value, r.headers),
      timestamp: r.timestamp,
      headers: r.headers ?? {},
      partition: r.partition,
    };
  }
}
