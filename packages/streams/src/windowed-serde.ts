import type { Windowed } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';

const TIME_BYTES = 8;
const TWO_32 = 2 ** 32;

function writeLong(bytes: Buffer, offset: number, value: number): void {
  if (value >= 0) {
    bytes.writeUInt32BE(Math.floor(value / TWO_32), offset);
    bytes.writeUInt32BE(value >>> 0, offset + 4);
  } else {
    bytes.writeBigInt64BE(BigInt(value), offset);
  }
}

function readLong(bytes: Buffer, offset: number): number {
  const high = bytes.readInt32BE(offset);
  return high * TWO_32 + bytes.readUInt32BE(offset + 4);
}

/** Calls `then` on a result that may be a Promise (a registry serde), directly otherwise. */
function map<T, R>(value: T | Promise<T>, then: (v: T) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(then) : then(value);
}

/**
 * The serde of time-windowed keys, in Kafka Streams' `TimeWindowedSerde` layout:
 * `[inner key bytes][8-byte big-endian window start]`, so Java consumers read Rivulet's windowed
 * topics and the other way round. The end is not written: the deserializer adds `windowSizeMs` to
 * the start (sliding windows: their time difference).
 *
 * @example
 * counts.toStream().sink('clicks-per-minute', { key: windowedSerde(serdes.string(), 60_000), value: serdes.int64() });
 */
export function windowedSerde<K>(inner: Serde<K>, windowSizeMs: number): Serde<Windowed<K>> {
  if (!Number.isSafeInteger(windowSizeMs) || windowSizeMs < 0) throw new RangeError(`windowedSerde: windowSizeMs must be an integer >= 0, got ${windowSizeMs}`);
  return {
    name: `timeWindowed(${inner.name})`,
    serialize(topic, windowed, headers) {
      return map(inner.serialize(topic, windowed.key, headers), (key) => {
        const bytes = Buffer.allocUnsafe(key.length + TIME_BYTES);
        key.copy(bytes, 0);
        writeLong(bytes, key.length, windowed.window.start);
        return bytes;
      });
    },
    deserialize(topic, bytes, headers) {
      if (bytes.length < TIME_BYTES) throw new RangeError(`timeWindowed(${inner.name}): ${bytes.length} bytes are too few for a windowed key (at least 8)`);
      const keyEnd = bytes.length - TIME_BYTES;
      const start = readLong(bytes, keyEnd);
      return map(inner.deserialize(topic, bytes.subarray(0, keyEnd), headers), (key): Windowed<K> => ({ key, window: { start, end: start + windowSizeMs } }));
    },
  };
}

/**
 * The serde of session-windowed keys, in Kafka Streams' `SessionWindowedSerde` layout:
 * `[inner key bytes][8-byte big-endian end][8-byte big-endian start]`.
 *
 * @example
 * sessions.toStream().sink('clicks-per-session', { key: sessionWindowedSerde(serdes.string()), value: serdes.int64() });
 */
export function sessionWindowedSerde<K>(inner: Serde<K>): Serde<Windowed<K>> {
  return {
    name: `sessionWindowed(${inner.name})`,
    serialize(topic, windowed, headers) {
      return map(inner.serialize(topic, windowed.key, headers), (key) => {
        const bytes = Buffer.allocUnsafe(key.length + 2 * TIME_BYTES);
        key.copy(bytes, 0);
        writeLong(bytes, key.length, windowed.window.end);
        writeLong(bytes, key.length + TIME_BYTES, windowed.window.start);
        return bytes;
      });
    },
    deserialize(topic, bytes, headers) {
      if (bytes.length < 2 * TIME_BYTES) throw new RangeError(`sessionWindowed(${inner.name}): ${bytes.length} bytes are too few for a session key (at least 16)`);
      const keyEnd = bytes.length - 2 * TIME_BYTES;
      const end = readLong(bytes, keyEnd);
      const start = readLong(bytes, keyEnd + TIME_BYTES);
      return map(inner.deserialize(topic, bytes.subarray(0, keyEnd), headers), (key): Windowed<K> => ({ key, window: { start, end } }));
    },
  };
}
