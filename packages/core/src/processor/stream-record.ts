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
    readonly key: K,
    readonly value: V,
    readonly timestamp: number,
    readonly headers: Headers = NO_HEADERS,
  ) {}

  withKey<NK>(key: NK): StreamRecord<NK, V> {
    return new StreamRecord(key, this.value, this.timestamp, this.headers);
  }

  withValue<NV>(value: NV): StreamRecord<K, NV> {
    return new StreamRecord(this.key, value, this.timestamp, this.headers);
  }

  withTimestamp(timestamp: number): StreamRecord<K, V> {
    return new StreamRecord(this.key, this.value, timestamp, this.headers);
  }

  withHeaders(headers: Headers): StreamRecord<K, V> {
    return new StreamRecord(this.key, this.value, this.timestamp, headers);
  }
}

/** Where the record being processed came from: its source topic, partition and offset. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}
