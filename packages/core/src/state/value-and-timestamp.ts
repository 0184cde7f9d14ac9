import type { Serde } from '@rivulet/serde';

/**
 * A value with the timestamp of the newest record that made it: what timestamped window stores hold
 * (the DSL's windowed aggregations keep their aggregates this way, as Kafka Streams does).
 */
export interface ValueAndTimestamp<V> {
  /** The stored value. */
  readonly value: V;
  /** The timestamp of the record that last wrote it, epoch milliseconds. */
  readonly timestamp: number;
}

const TIMESTAMP_BYTES = 8;
const TWO_32 = 2 ** 32;

/**
 * The serde of a {@link ValueAndTimestamp}: `[8-byte big-endian timestamp][value bytes]`, Kafka
 * Streams' layout for timestamped stores. The inner serde must be synchronous (a store's is).
 *
 * @internal
 */
export function valueAndTimestampSerde<V>(inner: Serde<V>): Serde<ValueAndTimestamp<V>> {
  return {
    name: `valueAndTimestamp(${inner.name})`,
    serialize(topic, data) {
      const value = inner.serialize(topic, data.value);
      // An async inner serde is passed through: the store refuses it with an error that says why.
      if (!Buffer.isBuffer(value)) return value;
      const bytes = Buffer.allocUnsafe(TIMESTAMP_BYTES + value.length);
      const ts = data.timestamp < 0 ? 0 : data.timestamp;
      bytes.writeUInt32BE(Math.floor(ts / TWO_32), 0);
      bytes.writeUInt32BE(ts >>> 0, 4);
      value.copy(bytes, TIMESTAMP_BYTES);
      return bytes;
    },
    deserialize(topic, bytes) {
      const timestamp = bytes.readUInt32BE(0) * TWO_32 + bytes.readUInt32BE(4);
      const value = inner.deserialize(topic, bytes.subarray(TIMESTAMP_BYTES));
      if (value instanceof Promise) return value.then((v: V) => ({ value: v, timestamp }));
      return { value: value as V, timestamp };
    },
  };
}
