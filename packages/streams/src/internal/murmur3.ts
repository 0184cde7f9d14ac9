/**
 * MurmurHash3 x64 128-bit, as Kafka Streams' `Murmur3.hash128` computes it (the variant Hive
 * published): the foreign-key join hashes the serialized left value with it, so a response can be
 * matched against the value it was computed for. Same bytes and seed, same 128 bits as Java.
 *
 * The 64-bit lanes are BigInts cut to 64 bits after each step (Java's long arithmetic wraps the
 * same way, and the signed/unsigned reading of a lane does not change its bits).
 */

/** Kafka Streams' default seed of `Murmur3.hash128(byte[])`. */
export const MURMUR3_DEFAULT_SEED = 104729;

const MASK = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n;
const C2 = 0x4cf5ad432745937fn;

const wrap = (x: bigint): bigint => x & MASK;
const rotl = (x: bigint, r: bigint): bigint => wrap((x << r) | (x >> (64n - r)));

function fmix64(input: bigint): bigint {
  let h = input;
  h ^= h >> 33n;
  h = wrap(h * 0xff51afd7ed558ccdn);
  h ^= h >> 33n;
  h = wrap(h * 0xc4ceb9fe1a85ec53n);
  h ^= h >> 33n;
  return h;
}

/** The little-endian value of up to 8 bytes of `data` from `offset` (missing bytes are zero). */
function littleEndian(data: Uint8Array, offset: number, length: number): bigint {
  let k = 0n;
  for (let i = length - 1; i >= 0; i--) k = (k << 8n) | BigInt(data[offset + i]!);
  return k;
}

/**
 * The 128-bit MurmurHash3 (x64 variant) of `data`: 16 bytes, the first 64-bit half then the second,
 * each big-endian, as Kafka Streams writes the hash into its subscription and response records
 * (`putLong(hash[0])`, `putLong(hash[1])`).
 *
 * @example
 * hash128(Buffer.from('foobar'), 123).readBigInt64BE(0); // -351361463397418609n, as Java's Murmur3.hash128
 */
export function hash128(data: Uint8Array, seed: number = MURMUR3_DEFAULT_SEED): Buffer {
  // Java widens the int seed to a long: sign extension, then 64-bit arithmetic.
  let h1 = wrap(BigInt(seed | 0));
  let h2 = h1;
  const length = data.length;
  const blocks = length >>> 4;
  for (let i = 0; i < blocks; i++) {
    const at = i << 4;
    let k1 = littleEndian(data, at, 8);
    let k2 = littleEndian(data, at + 8, 8);
    k1 = wrap(rotl(wrap(k1 * C1), 31n) * C2);
    h1 ^= k1;
    h1 = wrap(wrap(rotl(h1, 27n) + h2) * 5n + 0x52dce729n);
    k2 = wrap(rotl(wrap(k2 * C2), 33n) * C1);
    h2 ^= k2;
    h2 = wrap(wrap(rotl(h2, 31n) + h1) * 5n + 0x38495ab5n);
  }
  const tail = blocks << 4;
  const rest = length - tail;
  if (rest > 8) {
    const k2 = littleEndian(data, tail + 8, rest - 8);
    h2 ^= wrap(rotl(wrap(k2 * C2), 33n) * C1);
  }
  if (rest > 0) {
    const k1 = littleEndian(data, tail, Math.min(rest, 8));
    h1 ^= wrap(rotl(wrap(k1 * C1), 31n) * C2);
  }
  const len = BigInt(length);
  h1 ^= len;
  h2 ^= len;
  h1 = wrap(h1 + h2);
  h2 = wrap(h2 + h1);
  h1 = fmix64(h1);
  h2 = fmix64(h2);
  h1 = wrap(h1 + h2);
  h2 = wrap(h2 + h1);
  const out = Buffer.allocUnsafe(16);
  out.writeBigUInt64BE(h1, 0);
  out.writeBigUInt64BE(h2, 8);
  return out;
}
