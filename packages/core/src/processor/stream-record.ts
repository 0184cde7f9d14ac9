import type { Headers } from '@rivulet/serde';

const NO_HEADERS: Headers = Object.freeze({}) as Headers;

/**
 * One record flowing through a topology: key, value, event timestamp (ms) and headers. Immutable:
 * a processor that changes a record forwards a copy made with `withKey`, `withValue`,
 * `withTimestamp` or `withHeaders`. (Kafka Streams calls this `Record`; the name would shadow
 * TypeScript's `Record` utility type.)
 *
 * @example
 * context.forward(record.withValue(record.value.toUpperCase()));
 */
export class StreamRecord<K, V> {
  constructor(
    /** The record's key (null when the Kafka record had none). */
    readonly key: K,
    /** The record's value (null for a tombstone). */
    readonly value: V,
    /** The event timestamp, epoch milliseconds. */
    readonly timestamp: number,
    /** The record's headers; empty by default. */
    readonly headers: Headers = NO_HEADERS,
  ) {}

  /** A copy with this key. */
  withKey<NK>(key: NK): StreamRecord<NK, V> {
    return new StreamRecord(key, this.value, this.timestamp, this.headers);
  }

  /** A copy with this value. */
  withValue<NV>(value: NV): StreamRecord<K, NV> {
    return new StreamRecord(this.key, value, this.timestamp, this.headers);
  }

  /** A copy with this timestamp (epoch milliseconds). */
  withTimestamp(timestamp: number): StreamRecord<K, V> {
    return new StreamRecord(this.key, this.value, timestamp, this.headers);
  }

  /** A copy with these headers. */
  withHeaders(headers: Headers): StreamRecord<K, V> {
    return new StreamRecord(this.key, this.value, this.timestamp, headers);
  }
}

/** Where the record being processed came from: its source topic, partition and offset. */
export interface RecordMetadata {
  /** The source topic. */
  readonly topic: string;
  /** The source partition. */
  readonly partition: number;
  /** The record's offset as a decimal string. */
  readonly offset: string;
}
