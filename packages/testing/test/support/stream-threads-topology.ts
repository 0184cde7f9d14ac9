/**
 * The stream-thread module of stream-threads.int.test.ts: each thread builds this count topology.
 * A record whose value is `poison` throws the first time any thread processes it: the first
 * thread to see it creates `data.poisonMarker` (a file, as threads share no memory) and throws, so
 * the thread fails and, under REPLACE_THREAD, its replacement processes the record normally.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { defineStreamThread } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';

/** What the test passes to every thread (`data` of StreamsApp.fromModule). */
export interface CountThreadData {
  readonly input: string;
  readonly output: string;
  readonly poisonMarker: string;
}

export default defineStreamThread(({ data }) => {
  const { input, output, poisonMarker } = data as CountThreadData;
  const builder = new StreamsBuilder({ warn: () => undefined });
  builder
    .source(input, { key: serdes.string(), value: serdes.string() })
    .peek((_key, value) => {
      if (value === 'poison' && !existsSync(poisonMarker)) {
        writeFileSync(poisonMarker, 'thrown');
        throw new Error('poison record');
      }
    })
    .groupByKey()
    .count({ store: 'counts' })
    .toStream()
    .sink(output, { value: serdes.int64() });
  return builder.build();
});
