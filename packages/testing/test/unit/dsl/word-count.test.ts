import { serdes } from '@rivulet/serde';
import { StreamsBuilder } from '@rivulet/streams';
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/index.js';

function wordCount() {
  const builder = new StreamsBuilder({ warn: () => undefined });
  builder
    .source('text-lines', { key: serdes.string(), value: serdes.string() })
    .flatMapValues((line) => line.toLowerCase().split(/\W+/))
    .filter((_key, word) => word.length > 0)
    .groupBy((_key, word) => word, { key: serdes.string(), value: serdes.string(), name: 'words' })
    .count({ store: 'word-counts' })
    .toStream()
    .sink('word-counts', { key: serdes.string(), value: serdes.int64() });
  return builder.build();
}

describe('word count on the TopologyTestDriver', () => {
  it('counts words through a repartition and emits every update', () => {
    const driver = new TopologyTestDriver(wordCount());
    const lines = driver.createInputTopic('text-lines', serdes.string(), serdes.string());
    const counts = driver.createOutputTopic('word-counts', serdes.string(), serdes.int64());
    lines.pipeInput(null, 'the cat and the hat');
    expect(counts.readKeyValuesToList()).toEqual([
      ['the', 1n],
      ['cat', 1n],
      ['and', 1n],
      ['the', 2n],
      ['hat', 1n],
    ]);
    lines.pipeInput(null, 'The end');
    expect(counts.readKeyValuesToMap()).toEqual(new Map([['the', 3n], ['end', 1n]]));
    expect(driver.getKeyValueStore<string, bigint>('word-counts').get('the')).toBe(3n);
    expect(counts.isEmpty()).toBe(true);
  });

  it('describes the two sub-topologies split by the repartition topic', () => {
    const text = wordCount().describe().toString();
    expect(text).toContain('Sub-topology: 0');
    expect(text).toContain('Sub-topology: 1');
    expect(text).toContain('(topics: [words-repartition])');
    expect(text).toContain('(stores: [word-counts])');
  });
});
