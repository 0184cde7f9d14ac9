/**
 * The cpu-heavy pipeline of the comparison bench (compare.ts), written with the DSL: a
 * `mapValues` whose per-record work dominates, so that stream threads have CPU work to share and
 * the broker is lightly loaded (issue 17: "throughput grows with numStreamThreads up to the cores
 * available"). Per input record it computes {@link cpuHeavyDigest}, FNV-1a 32-bit over the value's
 * bytes iterated {@link CPU_HEAVY_ROUNDS} times, and writes `<8 hex digits>|<the input value>`.
 *
 * The input value is kept in the output so that each output names its input (`seq=`): with 1M
 * records, distinct values share a 32-bit digest (about a hundred pairs, by the birthday bound),
 * so the digest alone could not tell a duplicate from a collision. kstreams/KStreamsBench.java runs
 * the same function in Kafka Streams (`mapValues`), with the rounds passed on its command line
 * (kstreams-process.ts), and output-check.ts checks both outputs against {@link cpuHeavyOutput}.
 */
import type { Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import type { FirstRecordProbe } from './topologies.js';

/**
 * Rounds of FNV-1a over the value: about 55 µs per 100-byte value in Node 20 and in Java 17 on the
 * bench machine (2.45 GHz EPYC), several times what the framework itself costs per record.
 */
export const CPU_HEAVY_ROUNDS = 400;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const BAR = 0x7c;

/**
 * FNV-1a 32-bit over `bytes`, `rounds` times in a row (each round goes on from the previous hash,
 * the first from the offset basis), as a 32-bit unsigned integer. One round is plain FNV-1a.
 *
 * @example
 * cpuHeavyDigest(Buffer.from('a'), 1).toString(16); // 'e40c292c'
 */
export function cpuHeavyDigest(bytes: Uint8Array, rounds: number = CPU_HEAVY_ROUNDS): number {
  let h = FNV_OFFSET_BASIS;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * The output value for a digest and an input value: the digest as 8 lower-case hex digits, `|`,
 * then the value.
 *
 * @example
 * cpuHeavyValue(0xe40c292c, Buffer.from('seq=7;')).toString(); // 'e40c292c|seq=7;'
 */
export function cpuHeavyValue(digest: number, value: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(9 + value.length);
  let h = digest;
  for (let i = 7; i >= 0; i--) {
    out[i] = HEX[h & 0xf]!;
    h >>>= 4;
  }
  out[8] = BAR;
  out.set(value, 9);
  return out;
}

/**
 * The map: {@link cpuHeavyValue} of the value's {@link cpuHeavyDigest}.
 *
 * @example
 * cpuHeavyOutput(Buffer.from('seq=7;'), 1).toString(); // '<8 hex digits>|seq=7;'
 */
export function cpuHeavyOutput(value: Uint8Array, rounds: number = CPU_HEAVY_ROUNDS): Buffer {
  return cpuHeavyValue(cpuHeavyDigest(value, rounds), value);
}

/** input (bytes, bytes) -> mapValues(cpuHeavyOutput) -> output. */
export function cpuHeavyTopology(input: string, output: string, probe: FirstRecordProbe): Topology {
  const builder = new StreamsBuilder({ warn: () => undefined });
  builder
    .source(input, { key: serdes.bytes(), value: serdes.bytes() })
    .peek(() => probe.mark())
    .mapValues((value) => cpuHeavyOutput(value))
    .sink(output, { value: serdes.bytes() });
  return builder.build();
}
