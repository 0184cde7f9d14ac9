/**
 * The topology of the suppress integration tests: per key, the number of clicks per 1 s window
 * (grace 200 ms), suppressed until each window closes, written as `<key>@<window start>` -> count.
 */
import type { Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { BufferConfig, StreamsBuilder, Suppressed, TimeWindows } from '@rivulet/streams';

export const WINDOW_MS = 1_000;
export const GRACE_MS = 200;

export function finalCountsTopology(input: string, output: string): Topology {
  const str = serdes.string();
  const builder = new StreamsBuilder({ warn: () => undefined });
  builder
    .source(input, { key: str, value: str })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(WINDOW_MS, GRACE_MS))
    .count({ store: 'counts' })
    .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()).withName('final-counts'))
    .toStream()
    .map((k, n): readonly [string, string] => [`${k.key}@${k.window.start}`, String(n)])
    .sink(output, { key: str, value: str });
  return builder.build();
}
