/**
 * Word count: the "hello world" of stream processing. Lines of text in, a running count per word
 * out, kept in the changelogged store `word-counts` and written to the output topic on every change.
 */
import type { Topology } from '@rivulet/core';
import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';

export interface WordCountTopics {
  input: string;
  output: string;
}

export function wordCountTopology({ input, output }: WordCountTopics): Topology {
  const builder = new StreamsBuilder();
  builder
    .source(input, { key: serdes.string(), value: serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/))
    .filter((_key, word) => word.length > 0)
    .groupBy((_key, word) => word, { key: serdes.string(), value: serdes.string(), name: 'words' })
    .count({ store: 'word-counts' })
    .toStream()
    .sink(output, { key: serdes.string(), value: serdes.int64() });
  return builder.build();
}

/** A few lines to count. */
export const SAMPLE_TEXT = [
  'the quick brown fox jumps over the lazy dog',
  'the dog barks and the fox runs',
  'a stream is a table in motion and a table is a stream at rest',
  'every word counts once and only once',
  'exactly once means the count is right even when the app crashes',
  'the end of the stream is not the end of the story',
];
