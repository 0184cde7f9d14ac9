/**
 * The 32-bit murmur2 hash exactly as the Java client computes it in
 * `org.apache.kafka.common.utils.Utils.murmur2`, so that a key sent by Rivulet lands on the same
 * partition as the same key sent by a Java producer or a Kafka Streams app: co-partitioned joins
 * and repartition topics shared with Java services depend on it.
 */

// Seed and mixing constants of Kafka's murmur2 (MurmurHash2, 32-bit, seed 0x9747b28c).
const SEED = 0x9747b28c | 0;
const M = 0x5bd1e995;
const R = 24;

/**
 * Hashes bytes with Kafka's murmur2 and returns the same signed 32-bit integer as the Java
 * `Utils.murmur2(byte[])`.
 *
 * Pure and allocation-free: it reads the bytes in place. Pass {@link toPositive} of the result
 * `% partitionCount` to get Kafka's default partition for a key.
 *
 * @param bytes - The serialized key (a `Buffer` or any `Uint8Array`).
 * @returns The hash as a Java `int`, in [-2^31, 2^31).
 *
 * @example
 * ```ts
 * murmur2(Buffer.from('21')); // -973932308, as in Kafka's UtilsTest
 * ```
 */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  // Java's int arithmetic wraps on overflow: Math.imul multiplies modulo 2^32 and `| 0` / `^`
  // bring every intermediate back to a signed 32-bit value, so no step leaves the int32 range.
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;

  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    // Little-endian word, as Java assembles it from the unsigned bytes.
    let k = bytes[i4]! | (bytes[i4 + 1]! << 8) | (bytes[i4 + 2]! << 16) | (bytes[i4 + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }

  // The tail: Java's `switch (length % 4)` falls through from case 3 to case 1, so each shorter
  // tail applies a suffix of the same steps. The cascaded `if`s below reproduce that order
  // (TypeScript's noFallthroughCasesInSwitch forbids the literal fall-through).
  const tail = length & 3;
  const offset = length & ~3;
  if (tail === 3) h ^= bytes[offset + 2]! << 16;
  if (tail >= 2) h ^= bytes[offset + 1]! << 8;
  if (tail >= 1) {
    h ^= bytes[offset]!;
    h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Clears the sign bit of a 32-bit integer, as Kafka's `Utils.toPositive` does. This is not the
 * absolute value: `toPositive(-1)` is `2147483647`. Kafka uses it rather than `Math.abs`, which
 * would leave `Integer.MIN_VALUE` negative.
 *
 * @param n - A signed 32-bit integer, such as a {@link murmur2} hash.
 * @returns `n & 0x7fffffff`, in [0, 2^31).
 *
 * @example
 * ```ts
 * const partition = toPositive(murmur2(keyBytes)) % partitionCount;
 * ```
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}
