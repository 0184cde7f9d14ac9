/**
 * A windowed-count scenario for the benchmark, written with the DSL: per key, the number of
 * records per one-second tumbling window (by the records' CreateTime), each update sent to the
 * output, so the output holds one record per input record, as the scenario runner's completion
 * check (output end offsets reach N) expects. Per input record: one window store read and write,
 * one changelog record (`<applicationId>-windowed-counts-changelog`, compact,delete) and one
 * output record with a 13-byte windowed key.
 *
 * The grace period (one minute) is far longer than the input's disorder (a few chunks in flight
 * when it is produced): a late record would be dropped, and the output would never reach N.
 */
import type { Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder, TimeWindows } from '@rivulet/streams';
import type { FirstRecordProbe } from './topologies.js';

/** The window store's name: its changelog is `<applicationId>-windowed-counts-changelog`. */
export const WINDOWED_COUNT_STORE = 'windowed-counts';
const WINDOW_MS = 1_000;
const GRACE_MS = 60_000;

export function windowedCountTopology(input: string, output: string, probe: FirstRecordProbe): Topology {
  const builder = new StreamsBuilder({ warn: () => undefined });
  builder
    .source(input, { key: serdes.string(), value: serdes.bytes() })
    .peek(() => probe.mark())
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW_MS, GRACE_MS))
    .count({ store: WINDOWED_COUNT_STORE })
    .toStream()
    .sink(output, { value: serdes.int64() });
  return builder.build();
}
