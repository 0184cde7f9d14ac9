import type { Serde } from '@rivulet/serde';

/**
 * Byte helpers of the join buffers: order-preserving timestamps and synchronous serdes.
 *
 * Timestamps take 8 bytes, big-endian, with the high word biased by 2^31 so that byte order is
 * number order for every safe integer, negative ones included (Kafka timestamps are never negative;
 * a timestamp extractor's might be).
 */
const TWO_32 = 0x1_0000_0000;
const BIAS = 0x8000_0000;

export const TIMESTAMP_BYTES = 8;

export function writeTimestamp(target: Buffer, offset: number, timestamp: number): void {
  const high = Math.floor(timestamp / TWO_32);
  target.writeUInt32BE(high + BIAS, offset);
  target.writeUInt32BE(timestamp - high * TWO_32, offset + 4);
}

export function readTimestamp(source: Buffer, offset: number): number {
  return (source.readUInt32BE(offset) - BIAS) * TWO_32 + source.readUInt32BE(offset + 4);
}

/** Serializes for a join buffer, which must not wait: the per-record path is synchronous. */
export function serializeSync<T>(store: string, part: string, serde: Serde<T>, topic: string, value: T): Buffer {
  const bytes = serde.serialize(topic, value);
  if (Buffer.isBuffer(bytes)) return bytes;
  if (bytes instanceof Promise) bytes.catch(() => undefined);
  throw new TypeError(
    `join store '${store}': the ${part} serde '${serde.name}' is asynchronous (a schema registry serde?); ` +
      'join buffers are read and written on the per-record path and need a synchronous serde: pass one in the join options',
  );
}

/** Deserializes from a join buffer; see {@link serializeSync}. */
export function deserializeSync<T>(store: string, part: string, serde: Serde<T>, topic: string, bytes: Buffer): T {
  const value = serde.deserialize(topic, bytes);
  if (value instanceof Promise) {
    value.catch(() => undefined);
    throw new TypeError(`join store '${store}': the ${part} serde '${serde.name}' is asynchronous; join buffers need a synchronous serde`);
  }
  return value as T;
}
