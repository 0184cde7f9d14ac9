/**
 * The filter+map scenario of the comparison bench (compare.ts), written with the DSL: keep the
 * records whose key ends in an even digit (about half of them), and prefix each kept value with its
 * key and `|`. Per input record: one predicate; per kept record, one new value and one output
 * record. kstreams/KStreamsBench.java runs the same pipeline in Kafka Streams
 * (`filter(...).mapValues(...)`), and output-check.ts checks both outputs against
 * {@link filterMapOutput}.
 */
import type { Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { keyOf, type InputShape } from './input.js';
import type { FirstRecordProbe } from './topologies.js';

/**
 * The filter: true when the key's last character has an even code (`key-...0`, `2`, `4`, `6`, `8`).
 *
 * @example
 * keepsKey('key-00042'); // true
 */
export function keepsKey(key: string): boolean {
  return (key.charCodeAt(key.length - 1) & 1) === 0;
}

/**
 * The map: the key's bytes, `|`, then the value.
 *
 * @example
 * filterMapOutput('key-00042', Buffer.from('seq=7;')).toString(); // 'key-00042|seq=7;'
 */
export function filterMapOutput(key: string, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${key}|`, 'latin1'), value]);
}

/** Whether input record `seq` of `shape` passes the filter: the latency phase's expected outputs. */
export function filterMapKeeps(shape: InputShape): (seq: number) => boolean {
  return (seq) => keepsKey(keyOf(seq, shape.keys));
}

/** input (string keys, bytes) -> filter(keepsKey) -> mapValues(filterMapOutput) -> output. */
export function filterMapTopology(input: string, output: string, probe: FirstRecordProbe): Topology {
  const builder = new StreamsBuilder({ warn: () => undefined });
  builder
    .source(input, { key: serdes.string(), value: serdes.bytes() })
    .peek(() => probe.mark())
    .filter((key) => keepsKey(key))
    .mapValues((value, key) => filterMapOutput(key, value))
    .sink(output, { value: serdes.bytes() });
  return builder.build();
}
